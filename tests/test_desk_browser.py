"""The served desk (`python -m bot.services.desk serve` in a subprocess, tests/harness/desk.py)
in Debian's Chromium driven by Playwright: a failed login, a login, a case from a seeded
tracker store with a script payload shown as text, closing the case; the dashboard filled
by the desk's worker, its charts and tables, and an axe scan."""

from __future__ import annotations

import os
import secrets
import subprocess
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.harness.desk import PASSWORD, Desk, FakeServices, desk_env, handoff, slot, user, write_conversation
from tests.harness.insight import answered, said, session_start
from tests.harness.services import BIN, ROOT

pytestmark = pytest.mark.servers
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture
def served(tmp_path):
    services = FakeServices(secrets.token_urlsafe(30), secrets.token_urlsafe(30))
    write_conversation(
        tmp_path / "tracker.db",
        "browser-1",
        [user(PAYLOAD, "out_of_scope"), slot("handoff_request", handoff(reason="crisis", message="ring til mig"))],
    )
    desk = Desk(tmp_path, desk_env(tmp_path, services))
    desk.create_user("vibeke")
    yield desk, services
    desk.stop()
    services.stop()


def test_login_open_a_case_see_markup_as_text_close_it(served):
    desk, services = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 360, "height": 800})
        page.goto(desk.url + "/")
        expect(page).to_have_url(desk.url + "/login/?next=/")

        page.get_by_label("Brugernavn").fill("vibeke")
        page.get_by_label("Adgangskode").fill("forkert-kode")
        page.get_by_role("button", name="Log ind").click()
        expect(page.get_by_role("alert")).to_contain_text("Forkert brugernavn eller adgangskode")

        page.get_by_label("Adgangskode").fill(PASSWORD)
        page.get_by_role("button", name="Log ind").click()
        expect(page.get_by_role("heading", name="Kø")).to_be_visible()
        expect(page.locator(".case.urgent")).to_contain_text("KRISE")

        page.locator(".case.urgent h2 a").click()
        expect(page.get_by_role("heading", name="Samtale")).to_be_visible()
        expect(page.locator(".line.user .text").first).to_have_text(PAYLOAD)
        assert page.evaluate("window.__xss") is None
        expect(page.get_by_text("ring til mig")).to_be_visible()

        page.get_by_role("button", name="Tag sagen").click()
        expect(page.get_by_role("status")).to_contain_text("Du har taget sagen")
        page.get_by_label("Svar til den unge").fill("Hej, jeg er her nu.")
        page.get_by_role("button", name="Send svar").click()
        expect(page.get_by_role("status")).to_contain_text("Beskeden er sendt")
        page.get_by_role("button", name="Luk sagen").click()
        expect(page.get_by_text("Ingen sager venter.")).to_be_visible()
        browser.close()
    assert [r["json"]["text"] for r in services.sent("/webhooks/staff/message")] == ["Hej, jeg er her nu."]
    assert len(services.sent("/webhooks/staff/handback")) == 1


def test_dashboard_filled_by_the_worker_draws_charts_and_tables_and_passes_axe(served):
    desk, _services = served
    write_conversation(
        desk.tmp / "tracker.db",
        "browser-2",
        [*session_start(), said("hvad får jeg i su", "ask_su", "widget"), *answered("utter_su")],
    )
    command = [str(BIN / "python"), "-m", "bot.services.desk", "worker"]
    worker = subprocess.Popen(command, cwd=ROOT, env=desk.env, stdout=desk.log, stderr=subprocess.STDOUT)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            # axe is added as an inline script, which the desk's CSP rightly refuses.
            page = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
            page.goto(desk.url + "/insight/")
            expect(page).to_have_url(desk.url + "/login/?next=/insight/")
            page.get_by_label("Brugernavn").fill("vibeke")
            page.get_by_label("Adgangskode").fill(PASSWORD)
            page.get_by_role("button", name="Log ind").click()
            expect(page.get_by_role("heading", name="Indsigt", level=1)).to_be_visible()
            deadline = time.monotonic() + 60
            while page.locator(".insight-totals dd").first.inner_text() != "2":  # the worker's first rounds
                assert time.monotonic() < deadline, "the worker did not fill the dashboard"
                page.wait_for_timeout(500)
                page.reload()
            expect(page.get_by_role("link", name="Indsigt")).to_be_visible()
            expect(page.locator("canvas[data-chart]")).to_have_count(6)
            # Chart.js has drawn (its deferred script may run just after the heading shows):
            # every canvas has a chart object and a non-empty size.
            page.wait_for_function(
                "() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')]"
                ".every(c => window.Chart.getChart(c) && c.width > 0 && c.height > 0)"
            )
            expect(page.get_by_role("table")).to_have_count(6)
            topics = page.get_by_role("table", name="De 10 hyppigste emner")
            expect(topics.get_by_role("row", name="SU 1")).to_be_visible()
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                """async () => {
                    const r = await axe.run(document);
                    return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}));
                }"""
            )
            assert violations == []
            browser.close()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
