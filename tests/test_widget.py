"""The website widget as users meet it: a socket.io client speaking the widget protocol,
and a real headless Chromium (Debian's, driven by Playwright) on the demo page that
embeds the widget, against the running assistant (tests/harness/services.py).

Screenshots go to test-artifacts/widget/."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from typing import Any, Dict, List

import pytest
import socketio
from playwright.sync_api import Page, expect, sync_playwright

from tests.harness.services import ROOT, Assistant, DemoSite
from tests.harness.widget_client import WidgetClient

pytestmark = [pytest.mark.model, pytest.mark.servers]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "widget"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
HTML_PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>fed</b>'


@pytest.fixture(scope="module")
def bot(trained_model, tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("widget"), trained_model)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def site(bot):
    running = DemoSite(bot)
    yield running
    running.stop()


# --- the socket protocol --------------------------------------------------------------


def tracker_senders(bot: Assistant) -> List[str]:
    with sqlite3.connect(bot.tracker_db) as db:
        return [row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")]


def test_a_new_browser_gets_a_long_random_session_and_answers(bot):
    client = WidgetClient(bot)
    confirm = client.start()
    assert len(confirm["session"]) > 70 and confirm["history"] == []
    assert confirm["status"]["message"]  # staffed or not, the widget says when a person can help
    replies = client.say("hej")
    assert replies[0]["id"].startswith("b-") and "chatbot" in " ".join(r["text"] for r in replies).lower()
    client.close()


def test_a_reconnect_replays_the_conversation_with_the_same_ids(bot):
    client = WidgetClient(bot)
    session = client.start()["session"]
    live = client.say("kan jeg få en samtale med en vejleder")
    client.close()

    again = WidgetClient(bot)
    history = again.start(session)["history"]
    again.close()
    assert history[-1]["id"] == live[-1]["id"]
    assert history[-1]["buttons"] == live[-1]["buttons"] and live[-1]["buttons"]
    assert [m["from"] for m in history].count("user") == 1
    assert len({m["id"] for m in history}) == len(history)  # nothing twice


def test_a_button_click_is_shown_by_its_title(bot):
    client = WidgetClient(bot)
    session = client.start()["session"]
    question = client.say("jeg vil gerne tale med en vejleder")[-1]
    job = next(b for b in question["buttons"] if b["title"] == "Job")
    assert "gammel" in client.say(job["payload"], display=job["title"])[-1]["text"]
    client.close()
    again = WidgetClient(bot)
    users = [m["text"] for m in again.start(session)["history"] if m["from"] == "user"]
    again.close()
    assert users[-1] == "Job"


def test_a_guessed_or_forged_session_reads_and_writes_nothing(bot):
    owner = WidgetClient(bot)
    session = owner.start()["session"]
    owner.say("hej")
    owner.close()

    random_part, signature = session.split(".")
    flipped = ("B" if session[0] == "A" else "A") + session[1:]
    for forged in (random_part + "." + "0" * 32, flipped, uuid.uuid4().hex):
        stranger = WidgetClient(bot)
        confirm = stranger.start(forged)
        assert confirm["history"] == [] and confirm["session"] != session
        stranger.close()


def test_a_message_without_a_session_is_refused(bot):
    before = set(tracker_senders(bot))
    client = WidgetClient(bot)
    client.sio.emit("user_uttered", {"message": "hej", "session_id": "someone-else"})
    assert client.next("session_required", timeout=10) == {}
    client.close()
    assert set(tracker_senders(bot)) == before


def test_only_configured_origins_may_connect(bot):
    with pytest.raises(socketio.exceptions.ConnectionError):
        WidgetClient(bot, origin="https://evil.example")


def test_a_cpr_number_never_reaches_the_tracker(bot):
    client = WidgetClient(bot)
    client.start()
    replies = client.say("mit cpr er 010203-1234")
    client.say("/ask_privacy", display="min kode 020304-5678")  # a forged title is masked too
    client.close()
    assert any("CPR-nummer" in r["text"] for r in replies)
    with sqlite3.connect(bot.tracker_db) as db:
        rows = [json.loads(row[0]) for row in db.execute("SELECT data FROM events WHERE type_name = 'user'")]
    shown = [(row.get("text") or "") + json.dumps(row.get("metadata") or {}) for row in rows]
    assert any("[CPR-nummer fjernet]" in text for text in shown)
    assert not any("010203" in text or "020304" in text for text in shown)


def test_a_message_sent_again_is_answered_once(bot):
    client = WidgetClient(bot)
    session = client.start()["session"]
    message = {"message": "hvad er en fgu", "client_id": uuid.uuid4().hex}
    assert client.sio.call("user_uttered", message, timeout=30) == {"ok": True}
    # The browser got no acknowledgement (say the connection dropped) and sends it again.
    assert client.sio.call("user_uttered", message, timeout=30) == {"ok": True, "repeat": True}
    client.close()
    again = WidgetClient(bot)
    history = again.start(session)["history"]
    again.close()
    assert [m["id"] for m in history if m["from"] == "user"] == ["u-" + message["client_id"]]


def test_free_text_cannot_pose_as_a_button_title(bot):
    client = WidgetClient(bot)
    session = client.start()["session"]
    client.say("hej", display="Ja tak, book en tid")
    client.close()
    again = WidgetClient(bot)
    users = [m["text"] for m in again.start(session)["history"] if m["from"] == "user"]
    again.close()
    assert users == ["hej"]


# --- in a real browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    opened = context.new_page()
    errors: List[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(site.url)
    yield opened
    context.close()
    assert errors == []


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_by_keyboard(page: Page) -> None:
    launcher = page.get_by_role("button", name="Chat med Vejviser")
    expect(launcher).to_be_visible()
    for _ in range(20):  # Tab through the page until the launcher has focus
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_label("Skriv din besked")).to_be_focused()


def bot_bubbles(page: Page):
    return page.locator(".msg.bot")


def wait_for_bot(page: Page, count: int) -> None:
    """Until at least `count` bot bubbles (the widget's own first line counts) are shown."""
    expect(bot_bubbles(page).nth(count - 1)).to_be_visible(timeout=30000)


def test_keyboard_user_chats_chooses_a_reply_reloads_and_closes(page):
    open_by_keyboard(page)
    log = page.get_by_role("log")
    expect(log).to_contain_text("chatbot")  # the first message says it is a bot
    expect(page.get_by_role("button", name="Hvad sker der med mine data?")).to_be_visible()

    page.keyboard.type("jeg vil gerne tale med en vejleder")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Job")).to_be_visible(timeout=30000)
    screenshot(page, "desktop-quick-replies")

    focused = """() => {
        const root = document.activeElement.shadowRoot;
        return root && root.activeElement ? root.activeElement.textContent : '';
    }"""
    for _ in range(30):  # from the input back to the "Job" choice, as a keyboard user does
        page.keyboard.press("Shift+Tab")
        if page.evaluate(focused) == "Job":
            break
    else:
        pytest.fail("the quick reply cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Skriv din besked")).to_be_focused()  # focus is not lost with the buttons
    expect(log).to_contain_text("Hvor gammel er du?", timeout=30000)
    expect(page.locator(".msg.user").last).to_have_text("Du skrev: Job")
    expect(page.locator(".choices")).to_have_count(0)
    before = page.locator(".msg").all_inner_texts()

    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # still open after the reload
    expect(page.locator(".msg")).to_have_count(len(before), timeout=15000)
    # The same messages, nothing twice (the bot's welcome, logged as the session starts,
    # may now stand before the first question).
    assert sorted(page.locator(".msg").all_inner_texts()) == sorted(before)
    screenshot(page, "desktop-after-reload")

    page.get_by_label("Skriv din besked").focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    launcher = page.get_by_role("button", name="Chat med Vejviser")
    assert launcher.evaluate("el => el.getRootNode().activeElement === el")
    assert launcher.get_attribute("aria-expanded") == "false"


def test_a_dropped_connection_loses_and_repeats_nothing(page):
    page.get_by_role("button", name="Chat med Vejviser").click()
    page.get_by_label("Skriv din besked").fill("hej")
    page.keyboard.press("Enter")
    wait_for_bot(page, 2)
    page.context.set_offline(True)
    expect(page.locator(".connection")).to_have_text("Forbindelsen er væk. Vi prøver igen.")
    page.get_by_label("Skriv din besked").fill("hvad er en fgu")  # typed while offline
    page.keyboard.press("Enter")
    page.context.set_offline(False)
    expect(page.locator(".connection")).to_be_hidden(timeout=60000)
    answer = page.locator(".msg.bot", has_text="FGU betyder forberedende grunduddannelse")
    expect(answer).to_have_count(1, timeout=30000)
    page.wait_for_timeout(3000)  # time for a wrong second delivery to show
    expect(answer).to_have_count(1)
    expect(page.locator(".msg.user", has_text="hvad er en fgu")).to_have_count(1)


def test_typed_html_is_shown_as_text(page):
    page.get_by_role("button", name="Chat med Vejviser").click()
    page.get_by_label("Skriv din besked").fill(HTML_PAYLOAD)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg.user").last).to_have_text("Du skrev: " + HTML_PAYLOAD)
    wait_for_bot(page, 2)
    assert page.evaluate("window.__xss") is None
    host = page.locator("#vejviser-widget")
    assert host.evaluate("el => el.shadowRoot.querySelectorAll('.log img, .log script, .log b').length") == 0
    page.reload()
    expect(page.locator(".msg.user").last).to_have_text("Du skrev: " + HTML_PAYLOAD, timeout=15000)
    assert page.evaluate("window.__xss") is None


def test_the_privacy_link_in_the_first_message_gives_the_privacy_answer(page):
    page.get_by_role("button", name="Chat med Vejviser").click()
    page.get_by_role("button", name="Hvad sker der med mine data?").click()
    expect(page.locator(".msg.user").last).to_have_text("Du skrev: Hvad sker der med mine data?")
    expect(page.get_by_role("log")).to_contain_text("uden at skrive dit navn", timeout=30000)


def test_bot_links_open_safely_in_a_new_tab(page):
    page.get_by_role("button", name="Chat med Vejviser").click()
    page.get_by_label("Skriv din besked").fill("hvordan søger jeg su")
    page.keyboard.press("Enter")
    link = page.locator(".msg.bot a").first
    expect(link).to_be_visible(timeout=30000)
    assert link.get_attribute("href").startswith("https://")
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}


def axe_findings(page: Page) -> List[Dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help}));
        }"""
    )
    return result


def test_accessibility_scan_finds_nothing_serious(page):
    page.get_by_role("button", name="Chat med Vejviser").click()
    page.get_by_label("Skriv din besked").fill("jeg vil gerne tale med en vejleder")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Job")).to_be_visible(timeout=30000)
    findings = axe_findings(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(findings, indent=2, ensure_ascii=False), encoding="utf-8")
    assert [f for f in findings if f["impact"] in ("serious", "critical")] == []


@pytest.mark.parametrize(
    "name, viewport, scale",
    [("phone-360", {"width": 360, "height": 640}, 2), ("zoom-200", {"width": 640, "height": 400}, 2)],
)
def test_usable_on_a_phone_and_at_200_percent_zoom(browser, site, name, viewport, scale):
    # 200 % zoom of a 1280 x 800 window is a 640 x 400 CSS-pixel viewport.
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, locale="da-DK")
    page = context.new_page()
    page.goto(site.url)
    page.get_by_role("button", name="Chat med Vejviser").click()
    page.get_by_label("Skriv din besked").fill("hej")
    page.keyboard.press("Enter")
    wait_for_bot(page, 2)
    parts = (
        page.get_by_label("Skriv din besked"),
        page.get_by_role("button", name="Send"),
        page.get_by_role("button", name="Luk chat"),
    )
    for part in parts:
        box = part.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scrolling
    screenshot(page, name)
    context.close()
