"""Hand-off conversations through the REST channel with every service running, and the staff
relay the desk uses (bot/rasa/channels/staff.py). Two assistants: one whose staff are always on
duty (live hand-off), one whose staff never are (leave a message)."""

import json
import os
import secrets
import sqlite3
from datetime import datetime

import pytest
from playwright.sync_api import expect, sync_playwright

from bot.core.profile import load_profile
from tests.harness.desk import PASSWORD as DESK_PASSWORD
from tests.harness.desk import Desk
from tests.harness.handoff import StaffRelay, always_staffed, never_staffed
from tests.harness.services import Assistant, DemoSite, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


def tracker_rows(assistant: Assistant, sender: str):
    with sqlite3.connect(assistant.tracker_db) as db:
        return [
            (kind, json.loads(data))
            for kind, data in db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        ]


def latest_slot(assistant: Assistant, sender: str, name: str):
    values = [data["value"] for kind, data in tracker_rows(assistant, sender) if kind == "slot" and data["name"] == name]
    return values[-1] if values else None


@pytest.fixture(scope="module")
def staffed(trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("staffed")
    profile = always_staffed(tmp)
    if not load_profile(profile).hours.is_open(datetime.now().astimezone()):
        pytest.skip("a Danish public holiday (or the minute before midnight): nobody is on duty today")
    relay = StaffRelay("")
    assistant = Assistant(tmp, trained_model, {"VEJVISER_PROFILE": str(profile), "DESK_RASA_TOKEN": relay.token})
    relay.url = f"{assistant.url}/webhooks/staff"
    yield assistant, relay
    assistant.stop()


@pytest.fixture(scope="module")
def unstaffed(trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unstaffed")
    assistant = Assistant(tmp, trained_model, {"VEJVISER_PROFILE": str(never_staffed(tmp))})
    yield assistant
    assistant.stop()


def test_a_person_takes_over_and_the_bot_stays_quiet_until_handed_back(staffed):
    assistant, relay = staffed
    assistant.say("rest-live-1", "hej")
    reply = texts(assistant.say("rest-live-1", "kan jeg snakke med et menneske"))
    assert any("Jeg giver dig videre til en medarbejder her i chatten" in t for t in reply), reply
    assert assistant.say("rest-live-1", "jeg har brug for hjælp til min su") == []  # for staff, not the bot
    request = latest_slot(assistant, "rest-live-1", "handoff_request")
    assert request["mode"] == "live" and request["reason"] == "asked_for_person" and request["channel"] == "rest"

    assert relay.ok("take", conversation_id="rest-live-1", staff_name="Sara") == {"delivered": False, "channel": "rest"}
    assert (
        relay.ok("message", conversation_id="rest-live-1", text="Hej, jeg kigger på det nu.", staff_name="Sara")["delivered"]
        is False
    )
    assert assistant.say("rest-live-1", "tak") == []
    relay.ok("handback", conversation_id="rest-live-1")
    assert any("SU" in t for t in texts(assistant.say("rest-live-1", "hvordan søger jeg su"))), "the bot answers again"

    bot_lines = [(d["text"], d.get("metadata") or {}) for k, d in tracker_rows(assistant, "rest-live-1") if k == "bot"]
    assert (
        "Nu skriver du med Sara. Sara er en medarbejder, ikke en chatbot.",
        {"utter_action": "utter_staff_joined"},
    ) in bot_lines
    assert ("Hej, jeg kigger på det nu.", {"staff": True, "staff_name": "Sara"}) in bot_lines
    assert any(meta.get("utter_action") == "utter_staff_left" for _, meta in bot_lines)
    user_lines = [d["text"] for k, d in tracker_rows(assistant, "rest-live-1") if k == "user"]
    assert "jeg har brug for hjælp til min su" in user_lines and "tak" in user_lines


def test_the_user_can_go_back_to_the_bot_while_waiting(staffed):
    assistant, _relay = staffed
    assistant.say("rest-live-2", "jeg vil gerne tale med en rigtig person")
    assert texts(assistant.say("rest-live-2", "tilbage")) == ["Okay. Nu skriver du med chatbotten igen. Hvad vil du gerne vide?"]
    assert latest_slot(assistant, "rest-live-2", "handoff_request")["user_left"] is True
    assert assistant.say("rest-live-2", "hvad er fgu") != []


def test_a_crisis_is_answered_at_once_even_while_waiting_for_staff_and_marks_the_case_urgent(staffed):
    assistant, _relay = staffed
    assistant.say("rest-live-3", "kan jeg få en vejleder")
    reply = texts(assistant.say("rest-live-3", "jeg har lyst til at dø"))
    assert any("Livslinien" in t for t in reply), reply
    request = latest_slot(assistant, "rest-live-3", "handoff_request")
    assert request["urgent"] is True and request["reason"] == "crisis"


def test_a_crisis_hands_off_to_a_person_after_the_crisis_answer(staffed):
    assistant, _relay = staffed
    reply = texts(assistant.say("rest-live-4", "jeg vil ikke leve mere"))
    numbers = next(i for i, text in enumerate(reply) if "Livslinien" in text)  # after the welcome, first
    assert any("medarbejder her i chatten" in text for text in reply[numbers + 1 :]), reply
    assert latest_slot(assistant, "rest-live-4", "handoff_active") is True


def test_the_relay_refuses_without_the_token_and_says_what_is_wrong(staffed):
    assistant, relay = staffed
    assistant.say("rest-live-5", "hej")
    assert relay.call("message", token="x" * 40, conversation_id="rest-live-5", text="hej").status_code == 401
    assert relay.call("message", conversation_id="nobody-here", text="hej").json() == {"error": "unknown_conversation"}
    assert relay.call("message", conversation_id="rest-live-5", text="   ").status_code == 400
    assert relay.call("message", conversation_id="rest-live-5", text="x" * 2001).status_code == 400
    assert relay.call("take").status_code == 400
    assert all(d.get("text") != "hej" or k != "bot" for k, d in tracker_rows(assistant, "rest-live-5"))


def test_the_desk_can_erase_a_conversation(staffed):
    assistant, relay = staffed
    assistant.say("rest-live-6", "hej")
    assert relay.ok("erase", conversation_id="rest-live-6")["erased"] is True
    assert tracker_rows(assistant, "rest-live-6") == []


def test_outside_staffed_hours_the_user_leaves_a_message_with_a_contact_detail(unstaffed):
    assistant = unstaffed
    reply = texts(assistant.say("rest-closed-1", "kan jeg snakke med et menneske"))
    assert reply[2].startswith("Der er ingen medarbejdere her lige nu."), reply  # after the welcome
    assert reply[-1].startswith("Skriv din besked til en medarbejder."), reply
    message = "kan I ringe til mig om min uddannelseshjælp"
    assert texts(assistant.say("rest-closed-1", message))[-1].startswith("Må vi gemme dit telefonnummer")
    assert texts(assistant.say("rest-closed-1", "ja"))[-1].startswith("Tak. Skriv dit telefonnummer eller din mail.")
    assert texts(assistant.say("rest-closed-1", "20 30 40 50"))[-1].startswith("Tak. Din besked er sendt til en medarbejder.")
    request = latest_slot(assistant, "rest-closed-1", "handoff_request")
    assert request["mode"] == "message" and request["message"] == "kan I ringe til mig om min uddannelseshjælp"
    assert request["phone"] == "+4520304050" and request["consent"] is True and request["consent_text"]


def test_without_consent_no_contact_detail_is_asked_for(unstaffed):
    assistant = unstaffed
    assistant.say("rest-closed-3", "kan jeg skrive til en vejleder")
    assistant.say("rest-closed-3", "jeg har brug for hjælp til en ansøgning")
    reply = texts(assistant.say("rest-closed-3", "nej"))
    assert reply[-1].startswith("Tak. Din besked er sendt. Men vi kan ikke svare dig uden et nummer"), reply
    request = latest_slot(assistant, "rest-closed-3", "handoff_request")
    assert request["message"] == "jeg har brug for hjælp til en ansøgning" and request["consent"] is False
    assert request["phone"] is None and request["email"] is None


def test_outside_staffed_hours_the_user_may_book_instead(unstaffed):
    assistant = unstaffed
    offered = texts(assistant.say("rest-closed-2", "kan jeg skrive med en rigtig person"))
    assert any(t.startswith("Der er ingen medarbejdere her lige nu.") for t in offered), offered
    reply = texts(assistant.say("rest-closed-2", "/book_appointment"))  # the "Book en samtale" button
    assert reply[-1].startswith("Lad os finde en vejleder til dig. Hvad vil du gerne tale om?"), reply
    assert latest_slot(assistant, "rest-closed-2", "handoff_request")["message"] is None


def test_slet_mine_data_asks_first_then_deletes_the_whole_conversation(unstaffed):
    assistant = unstaffed
    assistant.say("rest-erase-1", "hej, mit nummer er 20 30 40 50")
    assert texts(assistant.say("rest-erase-1", "slet mine data"))[0].startswith("Vil du have slettet samtalen")
    assert texts(assistant.say("rest-erase-1", "nej")) == ["Okay. Jeg sletter ikke noget."]
    assert tracker_rows(assistant, "rest-erase-1") != []
    assistant.say("rest-erase-1", "slet mine data")
    assert texts(assistant.say("rest-erase-1", "ja")) == [
        "Nu er samtalen og dine oplysninger slettet. Du kan altid skrive til mig igen."
    ]
    assert tracker_rows(assistant, "rest-erase-1") == []
    assert assistant.say("rest-erase-1", "hej") != []  # a new, empty conversation


# --- the whole hand-off in two browsers: the young person's widget and the staff desk ---

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCRIPT_PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def desk_and_site(staffed, tmp_path_factory):
    assistant, relay = staffed
    tmp = tmp_path_factory.mktemp("desk")
    desk = Desk(
        tmp,
        {
            "DESK_SECRET_KEY": secrets.token_urlsafe(40),
            "DESK_RASA_TOKEN": relay.token,
            "DESK_DATABASE_URL": f"sqlite:///{tmp / 'desk.db'}",
            "TRACKER_DATABASE_URL": f"sqlite:///{assistant.tracker_db}",
            "RASA_URL": assistant.url,
            "BOOKING_URL": assistant.booking.url,
            "BOOKING_API_TOKEN": assistant.booking.token,
            "SMS_STORE_PATH": str(tmp / "sms.db"),
        },
    )
    desk.create_user("vibeke")
    site = DemoSite(assistant)
    yield desk, site
    site.stop()
    desk.stop()


def test_widget_user_asks_for_a_person_and_an_advisor_answers_from_the_desk(desk_and_site):
    desk, site = desk_and_site
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        young = browser.new_context(locale="da-DK").new_page()
        staff = browser.new_context(locale="da-DK").new_page()  # another browser profile: no shared session

        young.goto(site.url)
        young.get_by_role("button", name="Chat med Vejviser").click()
        chat = young.get_by_label("Skriv din besked")
        chat.fill("kan jeg tale med en medarbejder")
        chat.press("Enter")
        log = young.get_by_role("log")
        expect(log).to_contain_text("Jeg giver dig videre til en medarbejder", timeout=30000)
        chat.fill("jeg har brug for hjælp til min su " + SCRIPT_PAYLOAD)
        chat.press("Enter")
        expect(young.locator(".msg.user").last).to_contain_text("hjælp til min su")

        # The desk, logged out: refused; a wrong password: refused; then in.
        staff.goto(desk.url + "/")
        expect(staff).to_have_url(desk.url + "/login/?next=/")
        staff.get_by_label("Brugernavn").fill("vibeke")
        staff.get_by_label("Adgangskode").fill("forkert")
        staff.get_by_role("button", name="Log ind").click()
        expect(staff.get_by_role("alert")).to_be_visible()
        staff.get_by_label("Adgangskode").fill(DESK_PASSWORD)
        staff.get_by_role("button", name="Log ind").click()
        expect(staff.get_by_role("heading", name="Kø")).to_be_visible()

        # Earlier tests in this module left REST cases (crisis ones first); this one came by the widget.
        staff.locator(".case").filter(has_text="Chat på hjemmesiden").locator("h2 a").click()
        expect(staff.get_by_role("heading", name="Samtale")).to_be_visible()
        expect(staff.locator(".line.user .text").last).to_have_text("jeg har brug for hjælp til min su " + SCRIPT_PAYLOAD)
        assert staff.evaluate("window.__xss") is None and young.evaluate("window.__xss") is None

        staff.get_by_role("button", name="Tag sagen").click()
        expect(log).to_contain_text("Nu skriver du med vibeke", timeout=15000)
        staff.get_by_label("Svar til den unge").fill("Hej, jeg hedder Vibeke. Hvad kan jeg hjælpe med?")
        staff.get_by_role("button", name="Send svar").click()
        answer = young.locator(".msg.staff").last
        expect(answer).to_contain_text("Hvad kan jeg hjælpe med?", timeout=15000)
        expect(answer).to_contain_text("vibeke (medarbejder)")

        chat.fill("hvornår kommer min su")
        chat.press("Enter")
        expect(young.locator(".msg.user").last).to_contain_text("hvornår kommer min su")
        young.wait_for_timeout(1500)  # the bot must not answer while the advisor has the chat
        expect(young.locator(".msg.bot").last).to_contain_text("Hvad kan jeg hjælpe med?")
        staff.reload()
        expect(staff.locator(".line.user .text").last).to_have_text("hvornår kommer min su")

        young.reload()  # the advisor's answer is part of the conversation, also after a reload
        expect(young.locator(".msg.staff")).to_contain_text("Hvad kan jeg hjælpe med?", timeout=15000)

        staff.get_by_role("button", name="Luk sagen").click()
        expect(staff.get_by_role("heading", name="Kø")).to_be_visible()
        expect(staff.locator(".case").filter(has_text="Chat på hjemmesiden")).to_have_count(0)  # no longer waiting
        expect(young.get_by_role("log")).to_contain_text("sendt dig tilbage til chatbotten", timeout=15000)
        browser.close()
