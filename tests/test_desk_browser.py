"""The served desk (`python -m bot.services.desk serve` in a subprocess, tests/harness/desk.py)
in Debian's Chromium driven by Playwright: a failed login, a login, a case from a seeded
tracker store with a script payload shown as text, closing the case."""

from __future__ import annotations

import os
import secrets

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.harness.desk import PASSWORD, Desk, FakeServices, desk_env, handoff, slot, user, write_conversation

pytestmark = pytest.mark.servers
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
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
