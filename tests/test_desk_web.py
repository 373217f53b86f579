"""The staff desk's pages through Django's test client: login and lock-out, roles,
CSRF, the queue, the summary card, the transcript, the audit log and the calls to
Rasa's staff relay (a real loopback server standing in, tests/harness/desk.py)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from tests.harness.desk import (
    PASSWORD,
    bot,
    desk,
    desk_services,
    handoff,
    make_user,
    slot,
    start_desk_django,
    user,
    write_conversation,
)

start_desk_django()  # before the desk's models are imported

from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bot.services.desk.cases.models import CLOSED, OPEN, TAKEN, AuditEntry, Case, Note  # noqa: E402
from bot.services.desk.cases.sync import sync_cases  # noqa: E402

__all__ = ["desk", "desk_services"]  # fixtures

PAGES = ["/", "/?status=closed", "/bookings/", "/audit/", "/cases/1/", "/cases/1/delete", "/cases/1/poll"]


def login(username: str = "vibeke", role: str = "advisor", **client_args) -> Client:
    client = Client(**client_args)
    client.force_login(make_user(username, role))
    return client


def seeded_case(tracker, conversation: str = "samtale-1", **request) -> Case:
    write_conversation(tracker, conversation, [user("hej", "greet"), slot("handoff_request", handoff(**request))])
    sync_cases()
    return Case.objects.get(conversation_id=conversation)


# --- login, lock-out, roles, CSRF ---------------------------------------------------


def test_login_with_the_right_password_opens_the_queue(desk):
    make_user("vibeke")
    client = Client()
    response = client.post("/login/", {"username": "vibeke", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Kø</h1>" in page.content.decode()


def test_wrong_password_shows_an_error_and_five_failures_lock_out(desk):
    make_user("vibeke")
    client = Client()
    for _ in range(4):
        response = client.post("/login/", {"username": "vibeke", "password": "forkert"})
        assert response.status_code == 200
        assert "Forkert brugernavn eller adgangskode" in response.content.decode()
    locked = client.post("/login/", {"username": "vibeke", "password": "forkert"})
    assert locked.status_code == 429
    assert "Du er spærret" in locked.content.decode()
    # Locked means locked: the right password does not get in during the cool-off.
    still = client.post("/login/", {"username": "vibeke", "password": PASSWORD})
    assert still.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_an_anonymous_visitor_to_login(desk, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_post_without_csrf_token_is_refused(desk, desk_services):
    case = seeded_case(desk)
    client = login(enforce_csrf_checks=True)
    response = client.post(f"/cases/{case.pk}/take")
    assert response.status_code == 403
    assert desk_services.requests == []
    case.refresh_from_db()
    assert case.status == OPEN
    logout = client.post("/logout/")
    assert logout.status_code == 403


def test_advisor_gets_403_on_the_audit_log_and_admin_sees_it(desk):
    assert login("vibeke", "advisor").get("/audit/").status_code == 403
    AuditEntry.objects.create(username="x", action="took_case", case_id=7, conversation_id="samtale-7")
    response = login("ada", "admin").get("/audit/")
    assert response.status_code == 200
    assert "Tog sagen" in response.content.decode()


def test_a_user_without_a_role_gets_403(desk):
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("uden-rolle", password=PASSWORD))
    assert client.get("/").status_code == 403


def test_security_headers(desk):
    response = Client().get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- queue and card ----------------------------------------------------------------


def test_queue_shows_crisis_first_then_newest(desk):
    now = time.time()
    seeded_case(desk, "gammel", at=now - 600)
    seeded_case(desk, "krise", reason="crisis", at=now - 300)
    seeded_case(desk, "ny", at=now - 60)
    Case.objects.filter(conversation_id="gammel").update(
        created_at=Case.objects.get(conversation_id="gammel").created_at.replace(year=2025)
    )
    html = login().get("/").content.decode()
    ids = {c.conversation_id: c.pk for c in Case.objects.all()}
    positions = [html.index(f'href="/cases/{ids[name]}/"') for name in ("krise", "ny", "gammel")]
    assert positions == sorted(positions)
    assert "KRISE" in html  # marked in text, not only by colour


def test_card_hides_contact_details_without_consent(desk):
    case = seeded_case(desk, phone="20304050", email="ung@example.dk", consent=False)
    assert case.phone == "" and case.email == ""
    html = login().get(f"/cases/{case.pk}/").content.decode()
    assert "20304050" not in html and "ung@example.dk" not in html
    assert "kontaktoplysninger vises ikke" in html


def test_card_shows_contact_details_with_consent(desk):
    write_conversation(desk, "s", [slot("intake_topic", "penge"), slot("age", 19), user("hvad med su", "ask_su")])
    case = seeded_case(desk, "s", phone="20304050", email="ung@example.dk", consent=True, consent_text="Må vi ringe?")
    html = login().get(f"/cases/{case.pk}/").content.decode()
    assert "20304050" in html and "ung@example.dk" in html and "Må vi ringe?" in html
    assert "18-24 år" in html and "Penge" in html and "SU" in html
    assert ">19<" not in html  # only the age band


# --- transcript and audit -----------------------------------------------------------


def test_transcript_escapes_markup_and_masks_cpr(desk):
    write_conversation(
        desk,
        "s",
        [
            user("<script>alert(1)</script>", "out_of_scope"),
            user("mit cpr er 010203-1234", "inform"),
            bot("Vil du tale med en person?", buttons=[{"title": "Ja tak", "payload": "/affirm"}]),
            user("/affirm", "affirm"),
            bot("Hej, det er Vibeke", staff="Vibeke"),
        ],
    )
    case = seeded_case(desk, "s")
    html = login().get(f"/cases/{case.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "010203-1234" not in html and "0102031234" not in html
    assert "[CPR-nummer fjernet]" in html
    assert "Ja tak" in html and "/affirm" not in html
    assert "Personale (Vibeke)" in html


def test_opening_a_case_writes_an_audit_row(desk):
    case = seeded_case(desk)
    client = login("vibeke")
    client.get(f"/cases/{case.pk}/")
    entry = AuditEntry.objects.get(action="opened_transcript")
    assert (entry.username, entry.case_id, entry.conversation_id) == ("vibeke", case.pk, case.conversation_id)


# --- the relay -----------------------------------------------------------------------


def test_take_answer_handback_close_call_the_relay(desk, desk_services):
    case = seeded_case(desk)
    client = login("vibeke")
    token = f"Bearer {settings.DESK.rasa_token}"

    assert client.post(f"/cases/{case.pk}/take").status_code == 302
    take = desk_services.sent("/webhooks/staff/take")
    assert [(r["auth"], r["json"]) for r in take] == [(token, {"conversation_id": "samtale-1", "staff_name": "vibeke"})]
    case.refresh_from_db()
    assert case.status == TAKEN and case.assigned_to.username == "vibeke"

    assert client.post(f"/cases/{case.pk}/reply", {"text": "Hej, jeg hedder Vibeke."}).status_code == 302
    message = desk_services.sent("/webhooks/staff/message")
    assert [(r["auth"], r["json"]) for r in message] == [
        (token, {"conversation_id": "samtale-1", "text": "Hej, jeg hedder Vibeke.", "staff_name": "vibeke"})
    ]

    assert client.post(f"/cases/{case.pk}/handback").status_code == 302
    assert [r["json"] for r in desk_services.sent("/webhooks/staff/handback")] == [{"conversation_id": "samtale-1"}]
    case.refresh_from_db()
    assert case.status == OPEN

    client.post(f"/cases/{case.pk}/take")
    assert client.post(f"/cases/{case.pk}/close").status_code == 302
    case.refresh_from_db()
    assert case.status == CLOSED and case.closed_at is not None
    # Closing a taken case gives the conversation back to the bot first.
    assert len(desk_services.sent("/webhooks/staff/handback")) == 2
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["took_case", "sent_message", "handed_back", "took_case", "closed_case"]


def test_closing_a_case_nobody_took_gives_the_conversation_back_to_the_bot(desk, desk_services):
    case = seeded_case(desk)  # during opening hours the bot went quiet at the hand-off already
    assert login("vibeke").post(f"/cases/{case.pk}/close").status_code == 302
    assert [r["json"] for r in desk_services.sent("/webhooks/staff/handback")] == [{"conversation_id": case.conversation_id}]


def test_relay_down_shows_a_danish_error_and_keeps_the_text(desk, desk_services):
    case = seeded_case(desk)
    client = login("vibeke")
    client.post(f"/cases/{case.pk}/take")
    down = replace(settings.DESK, rasa_url="http://127.0.0.1:9")  # nothing listens on the discard port
    with override_settings(DESK=down):
        response = client.post(f"/cases/{case.pk}/reply", {"text": "Jeg ringer dig op i morgen <b>kl 10</b>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Beskeden blev ikke sendt. Prøv igen." in html
    assert "Jeg ringer dig op i morgen &lt;b&gt;kl 10&lt;/b&gt;</textarea>" in html
    assert not AuditEntry.objects.filter(action="sent_message").exists()


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (409, {"error": "opted_out"}, "har skrevet STOP"),
        (404, {"error": "unknown_conversation"}, "kender ikke samtalen"),
        (500, {"error": "boom"}, "Beskeden blev ikke sendt. Prøv igen."),
    ],
)
def test_relay_refusals_are_said_in_danish(desk, desk_services, status, body, expected):
    case = seeded_case(desk)
    client = login("vibeke")
    client.post(f"/cases/{case.pk}/take")
    desk_services.overrides["/webhooks/staff/message"] = (status, body)
    response = client.post(f"/cases/{case.pk}/reply", {"text": "Hej"})
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_message_not_pushed_says_so(desk, desk_services):
    case = seeded_case(desk)
    client = login("vibeke")
    client.post(f"/cases/{case.pk}/take")
    desk_services.overrides["/webhooks/staff/message"] = (200, {"delivered": False, "channel": "rest"})
    page = client.post(f"/cases/{case.pk}/reply", {"text": "Hej"}, follow=True).content.decode()
    assert "denne kanal kan ikke sende beskeder senere" in page


def test_notes_stay_internal(desk, desk_services):
    case = seeded_case(desk)
    client = login("vibeke")
    client.post(f"/cases/{case.pk}/note", {"text": "Ring til skolen først"})
    assert Note.objects.get(case=case).text == "Ring til skolen først"
    assert desk_services.requests == []


def test_delete_needs_admin_or_the_assigned_advisor_and_erases(desk, desk_services):
    case = seeded_case(desk)
    other = login("bo")
    assert other.post(f"/cases/{case.pk}/delete").status_code == 403
    owner = login("vibeke")
    owner.post(f"/cases/{case.pk}/take")
    assert "Slet sag" in owner.get(f"/cases/{case.pk}/delete").content.decode()  # confirmation page
    assert owner.post(f"/cases/{case.pk}/delete").status_code == 302
    assert [r["json"] for r in desk_services.sent("/webhooks/staff/erase")] == [{"conversation_id": "samtale-1"}]
    assert not Case.objects.filter(pk=case.pk).exists()
    entry = AuditEntry.objects.get(action="deleted_case")
    assert (entry.case_id, entry.conversation_id, entry.username) == (case.pk, "samtale-1", "vibeke")


# --- bookings ----------------------------------------------------------------------------


def test_bookings_page_lists_bookings_and_survives_the_service_being_down(desk, desk_services):
    desk_services.bookings.append(
        {
            "code": "K7MQ4X",
            "status": "booked",
            "start": "2026-12-03T09:00:00+01:00",
            "end": "2026-12-03T09:30:00+01:00",
            "channel": "sms",
            "topic": "uddannelse",
            "team": "unge",
            "age": 17,
            "first_name": "Sara",
            "phone": "+4520304050",
            "email": None,
            "consent_text": "Er det ok?",
            "created_at": "2026-11-28T10:00:00+01:00",
        }
    )
    desk_services.contact_requests.append(
        {
            "id": 4,
            "status": "open",
            "reason": "no_free_time",
            "channel": "telefon",
            "topic": "job",
            "age": 22,
            "first_name": "<b>Ali</b>",
            "phone": "+4520304051",
            "email": None,
            "preferred_start": None,
            "booking_code": None,
            "conversation_id": "web-x",
            "created_at": "2026-11-28T10:00:00+01:00",
        }
    )
    client = login()
    html = client.get("/bookings/").content.decode()
    assert "K7MQ4X" in html and "13-17 år" in html and "Uddannelse" in html and "03.12.2026 09:00" in html
    assert "Ønsker om kontakt" in html and "Ingen ledig tid passede" in html and "+4520304051" in html
    assert "&lt;b&gt;Ali&lt;/b&gt;" in html and "<b>Ali</b>" not in html
    desk_services.overrides["/v1/bookings"] = (503, {"error": "down"})
    down = client.get("/bookings/")
    assert down.status_code == 200
    assert "Bookingsystemet svarer ikke" in down.content.decode()
