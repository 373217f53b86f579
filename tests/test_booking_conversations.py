"""Booking, moving and cancelling a talk in real REST conversations: Rasa, the action
server, the outbox relay and the booking service all run (tests/harness/services.py)."""

import re
import sqlite3
import time
import uuid
from datetime import datetime
from typing import Dict, List

import pytest

from tests.harness.services import Assistant, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]
CODE = re.compile(r"Din kode er ([A-Z0-9]{6})")


@pytest.fixture(scope="module")
def bot(trained_model, tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("booking"), trained_model)
    yield running
    running.stop()


def buttons(messages: List[Dict]) -> List[Dict]:
    return [b for m in messages for b in m.get("buttons", [])]


def start(bot: Assistant, first: str = "kan jeg få en samtale med en vejleder") -> str:
    user = uuid.uuid4().hex
    bot.say(user, "hej")
    assert "Hvad vil du gerne tale om?" in texts(bot.say(user, first))[-1]
    return user


def up_to_time(bot: Assistant, user: str, channel: str, detail: str = "") -> List[Dict]:
    """Topic, age, channel (and its detail), name: returns the time question."""
    bot.say(user, '/inform{"intake_topic": "uddannelse"}')
    assert texts(bot.say(user, "17")) == ["Hvordan vil du helst tale med os?"]
    bot.say(user, f'/inform{{"contact_channel": "{channel}"}}')
    if detail:
        bot.say(user, detail)
    return bot.say(user, "Sara")


def book_first_offer(bot: Assistant, user: str) -> str:
    offered = bot.say(user, "hurtigst muligt")
    times = [b for b in buttons(offered) if "booking_slot" in b["payload"] and "andet" not in b["payload"]]
    assert 1 <= len(times) <= 3
    consent = bot.say(user, times[0]["payload"])
    assert "Er det ok?" in consent[-1]["text"] and "30 dage" in consent[-1]["text"]
    confirmed = texts(bot.say(user, "/affirm"))
    match = CODE.search(" ".join(confirmed))
    assert match, confirmed
    return match.group(1)


@pytest.mark.parametrize(
    "channel, detail, question",
    [
        ("telefon", "20 30 40 50", "Hvilket nummer"),
        ("sms", "+45 61 23 45 67", "Hvilket nummer"),
        ("mail", "sara@example.dk", "Hvilken mail"),
        ("video", "sara.v@example.dk", "link til mødet"),
        ("møde", "", ""),
    ],
)
def test_happy_path_books_a_time_on_every_channel(bot, channel, detail, question):
    user = start(bot)
    bot.say(user, '/inform{"intake_topic": "uddannelse"}')
    bot.say(user, "17")
    asked = texts(bot.say(user, f'/inform{{"contact_channel": "{channel}"}}'))
    if question:
        assert question in asked[-1]
        assert "Hvad må vejlederen kalde dig?" in texts(bot.say(user, detail))[-1]
    else:
        assert "Hvad må vejlederen kalde dig?" in asked[-1]  # a meeting needs no contact detail
    assert "Hvornår passer det dig?" in texts(bot.say(user, "Sara"))[-1]
    code = book_first_offer(bot, user)
    booking = bot.booking.get(f"/v1/bookings/{code}").json()
    assert booking["status"] == "booked" and booking["channel"] == channel and booking["topic"] == "uddannelse"
    staff = {b["code"]: b for b in bot.booking.get("/v1/bookings").json()}[code]
    assert staff["first_name"] == "Sara" and staff["age"] == 17
    if channel in ("telefon", "sms"):
        assert staff["phone"].startswith("+45") and staff["email"] is None
    elif channel in ("mail", "video"):
        assert staff["email"] == detail and staff["phone"] is None


def test_a_time_said_in_the_first_message_is_used_and_the_topic_shown_earlier_is_kept(bot):
    user = uuid.uuid4().hex
    bot.say(user, "hej")
    bot.say(user, "hvordan søger jeg su")
    # The SU question showed the topic: the intake goes straight to the age.
    assert texts(bot.say(user, "kan jeg få en samtale om det hurtigst muligt"))[-1] == "Hvor gammel er du? Skriv bare tallet."
    bot.say(user, "20")
    bot.say(user, '/inform{"contact_channel": "møde"}')
    offered = bot.say(user, "spring over")
    assert offered[-1]["text"] == "Her er de ledige tider. Hvilken passer dig?"  # no time question: it was given
    assert texts(bot.say(user, "den første"))[-1].endswith("Er det ok?")
    confirmed = texts(bot.say(user, "ja det er ok"))
    assert CODE.search(" ".join(confirmed)) and any("Sønderbro 12" in t for t in confirmed)


def test_a_question_in_the_middle_is_answered_and_the_form_goes_on(bot):
    user = start(bot)
    up_to_time(bot, user, "sms", "20304050")
    replies = texts(bot.say(user, "hvad er fgu"))
    assert "FGU" in replies[0]
    assert "Hvornår passer det dig?" in replies[-1]


def test_invalid_contact_details_get_a_kind_answer_and_the_question_again(bot):
    user = start(bot)
    bot.say(user, '/inform{"intake_topic": "job"}')
    bot.say(user, "19")
    bot.say(user, '/inform{"contact_channel": "sms"}')
    replies = texts(bot.say(user, "1234"))
    assert replies[0].startswith("Det ligner ikke et dansk nummer")
    assert "Hvilket nummer" in replies[-1]


def test_going_back_changes_an_answer(bot):
    user = start(bot)
    bot.say(user, '/inform{"intake_topic": "job"}')
    bot.say(user, "19")
    bot.say(user, '/inform{"contact_channel": "sms"}')
    back = texts(bot.say(user, "tilbage"))
    assert back[0] == "Okay, lad os rette det." and back[-1] == "Hvordan vil du helst tale med os?"
    assert "Hvilken mail" in texts(bot.say(user, '/inform{"contact_channel": "mail"}'))[-1]


def test_refused_times_are_explained(bot):
    user = start(bot)
    up_to_time(bot, user, "møde")
    assert texts(bot.say(user, "i går"))[0] == "Den tid er gået. Vælg en tid, der ligger frem i tiden."
    assert texts(bot.say(user, "d. 25/12 kl 10"))[0].startswith("Vi har lukket den dag (juledag)")


def test_stopping_books_nothing(bot):
    user = start(bot)
    up_to_time(bot, user, "møde")
    before = len(bot.booking.get("/v1/bookings").json())
    assert texts(bot.say(user, "glem det"))[0].startswith("Okay, jeg stopper her. Der er ikke booket noget.")
    assert len(bot.booking.get("/v1/bookings").json()) == before


def test_saying_no_to_consent_books_nothing(bot):
    user = start(bot)
    up_to_time(bot, user, "møde")
    offered = bot.say(user, "hurtigst muligt")
    bot.say(user, [b for b in buttons(offered) if "andet" not in b["payload"]][0]["payload"])
    before = len(bot.booking.get("/v1/bookings").json())
    assert "Der er ikke booket noget" in texts(bot.say(user, "/deny"))[0]
    assert len(bot.booking.get("/v1/bookings").json()) == before


def test_cancel_by_code_from_a_new_conversation(bot):
    user = start(bot)
    up_to_time(bot, user, "møde")
    code = book_first_offer(bot, user)
    other = uuid.uuid4().hex  # a new session: the code is asked for
    bot.say(other, "hej")
    assert "Hvad er din kode?" in texts(bot.say(other, "jeg vil gerne aflyse min tid"))[-1]
    assert texts(bot.say(other, code.lower()))[-1].startswith("Vil du aflyse din tid")
    assert "er aflyst" in texts(bot.say(other, "/affirm"))[0]
    assert bot.booking.get(f"/v1/bookings/{code}").json()["status"] == "cancelled"


def test_unknown_code_is_asked_again(bot):
    user = uuid.uuid4().hex
    bot.say(user, "hej")
    bot.say(user, "aflys min tid")
    assert texts(bot.say(user, "HJK7MN"))[0].startswith("Jeg kan ikke finde en tid med den kode")


def test_move_by_code_given_in_the_first_message(bot):
    user = start(bot)
    up_to_time(bot, user, "møde")
    code = book_first_offer(bot, user)
    old_start = bot.booking.get(f"/v1/bookings/{code}").json()["start"]
    other = uuid.uuid4().hex
    bot.say(other, "hej")
    assert "Hvornår passer det dig?" in texts(bot.say(other, f"kan jeg flytte min tid {code}"))[-1]
    offered = bot.say(other, "næste uge")
    choice = [b for b in buttons(offered) if "andet" not in b["payload"]][-1]
    moved = texts(bot.say(other, choice["payload"]))
    assert moved[0].startswith("Din tid er flyttet til") and code in moved[0]
    booking = bot.booking.get(f"/v1/bookings/{code}").json()
    assert booking["status"] == "booked" and booking["start"] != old_start


def test_a_cpr_number_is_masked_before_it_is_stored(bot):
    user = uuid.uuid4().hex
    bot.say(user, "hej")
    replies = texts(bot.say(user, "mit cpr er 010203-1234 skal i bruge det"))
    assert replies[0].startswith("Du skal aldrig skrive dit CPR-nummer")
    with sqlite3.connect(bot.tracker_db) as db:
        stored = " ".join(row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (user,)))
    assert "010203" not in stored and "CPR-nummer fjernet" in stored


# Stops the booking service, so it runs last in this module.
def test_service_down_keeps_the_request_and_delivers_it_later(bot):
    user = start(bot)
    up_to_time(bot, user, "sms", "20304050")
    offered = bot.say(user, "hurtigst muligt")
    choice = [b for b in buttons(offered) if "andet" not in b["payload"]][0]
    bot.say(user, choice["payload"])
    bot.booking.stop()
    began = time.monotonic()
    replies = texts(bot.say(user, "/affirm"))
    assert time.monotonic() - began < 10  # honest answer within seconds, not a hang
    assert not any(CODE.search(t) for t in replies)  # never "booked" when nothing was booked
    assert any("ikke en fast tid" in t for t in replies)
    with sqlite3.connect(bot.outbox_path) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1

    # A conversation started while the service is down is told at the time step.
    later = start(bot)
    up_to_time(bot, later, "mail", "ali@example.dk")
    assert texts(bot.say(later, "på torsdag"))[0].startswith("Jeg kan ikke se de ledige tider lige nu")

    bot.booking.start()
    deadline = time.monotonic() + 60
    requests_seen: List[Dict] = []
    while time.monotonic() < deadline:
        requests_seen = bot.booking.get("/v1/contact-requests").json()
        if requests_seen:
            break
        time.sleep(1)
    assert len(requests_seen) == 1, "the relay delivers the kept request once"
    kept = requests_seen[0]
    assert kept["reason"] == "booking_unavailable" and kept["phone"] == "+4520304050"
    assert datetime.fromisoformat(kept["preferred_start"]) == datetime.fromisoformat(choice["payload"].split('"')[3])
    time.sleep(2)
    assert len(bot.booking.get("/v1/contact-requests").json()) == 1  # delivered once, not again
    with sqlite3.connect(bot.outbox_path) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
