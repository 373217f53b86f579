"""The dashboard /insight/: the worker step that adds the tracker store's events to the
daily aggregates (real events written by Rasa's SQLTrackerStore), the page and its CSV
files behind the login, 50,000 conversations in a few queries, and the case list's alert
for a hand-off waiting longer than the profile promises."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import timedelta

import pytest

from tests.harness.desk import desk, desk_services, handoff, make_user, slot, start_desk_django, write_conversation
from tests.harness.insight import answered, from_action, said, seed_aggregates, session_start
from tests.harness.postgres import fresh_name, postgres  # noqa: F401 - the fixture

start_desk_django()  # before the desk's models are imported

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bot.core.knowledge import load_entries  # noqa: E402
from bot.core.profile import current_profile  # noqa: E402
from bot.core.stores.conversations import ConversationStore  # noqa: E402
from bot.services.desk.cases.knowledge import knowledge_dir  # noqa: E402
from bot.services.desk.cases.models import Case  # noqa: E402
from bot.services.desk.cases.sync import sync_cases  # noqa: E402
from bot.services.desk.insight.aggregate import record_stale_answers, refresh_insight  # noqa: E402
from bot.services.desk.insight.models import DailyChannel, DailyCount, InsightCursor, SeenHandoff  # noqa: E402

__all__ = ["desk", "desk_services"]  # fixtures

SENDERS = ("ung-widget-7f3a", "ung-sms-4520304050", "ung-rest-99")


def login(role: str = "advisor") -> Client:
    client = Client()
    client.force_login(make_user("vibeke", role))
    return client


def hold_conversations(tracker, write=write_conversation) -> None:
    """Three conversations as Rasa writes them: one per channel."""
    write(
        tracker,
        SENDERS[0],
        [
            *session_start(),
            said("hvad får jeg i su", "ask_su", "widget"),
            *answered("utter_su"),
            said("blabla qwerty", "nlu_fallback", "widget"),
            *answered("utter_default"),
            said("jeg har det rigtig skidt", "crisis", "widget"),
            *answered("utter_crisis"),
            slot("handoff_request", handoff(reason="crisis", request_id="r" * 32)),
        ],
    )
    write(
        tracker,
        SENDERS[1],
        [
            *session_start(),
            said("jeg vil booke en tid", "book_appointment", "sms"),
            *from_action("action_intake_done", "utter_booking_confirmed"),
            said("aflys min tid", "cancel_booking", "sms"),
            *from_action("action_change_booking", "utter_booking_cancelled"),
        ],
    )
    write(tracker, SENDERS[2], [*session_start(), said("hej", "greet", "rest"), *answered("utter_greet")])


def totals(channel: str) -> dict:
    row = DailyChannel.objects.get(channel=channel)
    names = ("conversations", "user_messages", "understood", "handoffs", "bookings_made", "bookings_cancelled", "crisis_answers")
    return {name: getattr(row, name) for name in names}


# --- behind the login --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/insight/", "/insight/samtaler.csv"])
def test_anonymous_visitors_are_sent_to_login(desk, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_a_user_without_a_role_is_refused(desk):
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("uden-rolle", password="x" * 14))
    assert client.get("/insight/").status_code == 403


# --- the worker step -----------------------------------------------------------------


def test_conversations_just_held_fill_the_aggregates_and_the_dashboard(desk):
    hold_conversations(desk)
    assert refresh_insight() > 0
    assert totals("widget") == {
        "conversations": 1,
        "user_messages": 3,
        "understood": 2,
        "handoffs": 1,
        "bookings_made": 0,
        "bookings_cancelled": 0,
        "crisis_answers": 1,
    }
    assert totals("sms") == {
        "conversations": 1,
        "user_messages": 2,
        "understood": 2,
        "handoffs": 0,
        "bookings_made": 1,
        "bookings_cancelled": 1,
        "crisis_answers": 0,
    }
    assert totals("rest")["conversations"] == 1
    assert set(DailyCount.objects.filter(kind="intent").values_list("key", flat=True)) == {
        "ask_su",
        "crisis",
        "book_appointment",
        "cancel_booking",
        "greet",
    }
    assert list(DailyCount.objects.filter(kind="reason").values_list("key", "count")) == [("crisis", 1)]

    client = login()
    page = client.get("/insight/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/insight/">Indsigt</a>' in html  # the nav link
    assert html.count("<canvas") == 6 and html.count("<table") == 6
    assert "<dt>Samtaler</dt><dd>3</dd>" in html
    assert "<dt>Krisesvar givet</dt><dd>1</dd>" in html
    assert "<dt>Beskeder forstået</dt><dd>83 %</dd>" in html  # 5 of 6
    assert "<th scope=\"row\">SU</th><td>1</td>" in html
    # Aggregates only: neither what was written nor who wrote it.
    for secret in (*SENDERS, "hvad får jeg i su", "blabla qwerty", "rigtig skidt"):
        assert secret not in html

    today = timezone.localdate().isoformat()
    download = csv_rows(client, "samtaler")
    assert download[0] == ["Dag", "Chat på hjemmesiden", "SMS", "REST", "I alt"]
    assert [today, "1", "1", "1", "3"] in download


def csv_rows(client: Client, slug: str) -> list:
    response = client.get(f"/insight/{slug}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_step_reads_only_new_events_and_counts_a_request_once(desk):
    hold_conversations(desk)
    refresh_insight()
    cursor = InsightCursor.objects.get().last_event_id
    assert refresh_insight() == 0  # nothing new: nothing read, nothing added twice
    assert totals("widget")["user_messages"] == 3
    # The same hand-off request set again (a message added), then a new session on the same
    # conversation: one more conversation, still one hand-off.
    write_conversation(
        desk,
        SENDERS[0],
        [
            slot("handoff_request", handoff(reason="crisis", request_id="r" * 32, message="ring")),
            said("tak", "thanks", "widget"),
            *session_start(),
            said("hej igen", "greet", "widget"),
        ],
    )
    assert refresh_insight() > 0
    assert InsightCursor.objects.get().last_event_id > cursor
    widget = totals("widget")
    assert (widget["conversations"], widget["user_messages"], widget["handoffs"]) == (2, 5, 1)
    assert SeenHandoff.objects.count() == 1


def test_a_batch_boundary_does_not_count_a_conversation_twice(desk, monkeypatch):
    from bot.services.desk.insight import aggregate

    monkeypatch.setattr(aggregate, "BATCH", 2)  # every few events a new batch, as with a long backlog
    hold_conversations(desk)
    refresh_insight()
    assert [totals(c)["conversations"] for c in ("widget", "sms", "rest")] == [1, 1, 1]
    assert totals("widget")["user_messages"] == 3 and totals("sms")["bookings_made"] == 1


def write_to_postgres(url: str, sender_id: str, events: list) -> None:
    """As write_conversation, into a PostgreSQL tracker store (Rasa's SQLTrackerStore)."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    found = sa.engine.make_url(url)
    store = SQLTrackerStore(
        dialect="postgresql",
        host=found.host,
        port=found.port,
        db=found.database,
        username=found.username,
        password=found.password,
    )
    try:
        asyncio.run(store.save(DialogueStateTracker.from_events(sender_id, events, slots=[])))
    finally:
        store.engine.dispose()


def test_the_step_reads_a_postgresql_tracker_store_as_in_production(desk, postgres):  # noqa: F811
    url = postgres.create_database(fresh_name())
    hold_conversations(url, write_to_postgres)
    assert refresh_insight(ConversationStore(url)) > 0
    assert totals("widget")["crisis_answers"] == 1 and totals("sms")["bookings_made"] == 1
    assert [totals(c)["conversations"] for c in ("widget", "sms", "rest")] == [1, 1, 1]
    assert refresh_insight(ConversationStore(url)) == 0


def test_stale_answers_are_counted_once_a_day_and_shown(desk):
    today = timezone.localdate()
    entries = load_entries(knowledge_dir())
    expected = sum(1 for entry in entries if any(part is not None for part in entry.staleness(today)))
    found = record_stale_answers()
    assert (found.stale, found.total) == (expected, len(entries))
    assert record_stale_answers().pk == found.pk  # once a day
    html = login().get("/insight/").content.decode()
    assert f"{expected} af {len(entries)}</a>" in html


# --- 50,000 conversations --------------------------------------------------------------


def test_the_page_with_50000_conversations_takes_a_few_queries(desk):
    seed_aggregates(50_000, days=365)
    client = login()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/insight/?fra=2000-01-01")  # as far back as allowed: the whole year
    assert response.status_code == 200
    assert "<dt>Samtaler</dt><dd>50000</dd>" in response.content.decode()
    # One query per kind of aggregate, none per day or per conversation (the rest is the
    # session, the user and the roles).
    assert len([q for q in queries if '"insight_' in q["sql"]]) == 5, [q["sql"] for q in queries]


# --- the case list's alert -------------------------------------------------------------


def test_a_handoff_waiting_longer_than_promised_is_marked_in_words(desk):
    promised = current_profile().handoff_wait_minutes
    long_ago = time.time() - (promised + 5) * 60
    write_conversation(desk, "venter-laenge", [slot("handoff_request", handoff(at=long_ago))])
    write_conversation(desk, "lige-kommet", [slot("handoff_request", handoff())])
    sync_cases()
    taken = Case.objects.get(conversation_id="venter-laenge")
    client = login()
    html = client.get("/").content.decode()
    assert html.count('class="case overdue"') == 1
    assert html.count("Venter for længe") == 1
    assert f"cirka {promised} minutter" in html
    # Taken by an advisor, the case no longer waits.
    Case.objects.filter(pk=taken.pk).update(status="taken", requested_at=timezone.now() - timedelta(hours=2))
    assert "Venter for længe" not in client.get("/").content.decode()
