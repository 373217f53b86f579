"""Cases from the tracker store (sync) and retention (purge), against a real SQLite
tracker store written by Rasa's SQLTrackerStore and a real SMS store file."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

from tests.harness.desk import (
    DAY,
    bot,
    desk,
    desk_services,
    handoff,
    slot,
    start_desk_django,
    tracker_url,
    user,
    write_conversation,
)

start_desk_django()  # before the desk's models are imported

from django.utils import timezone  # noqa: E402

from bot.core.stores.conversations import ConversationStore  # noqa: E402
from bot.core.stores.sms import SmsStore  # noqa: E402
from bot.services.desk.cases.models import CLOSED, OPEN, AuditEntry, Case, Note  # noqa: E402
from bot.services.desk.cases.retention import purge  # noqa: E402
from bot.services.desk.cases.sync import sync_cases  # noqa: E402

__all__ = ["desk", "desk_services"]  # fixtures


def test_store_is_empty_before_rasa_made_its_table(tmp_path):
    store = ConversationStore(tracker_url(tmp_path / "none.db"))
    assert store.transcript("x") == [] and store.handoff_requests(0) == [] and store.slots("x") == {}
    assert store.idle_conversations(timezone.now()) == [] and store.delete("x") == 0 and not store.exists("x")


def test_sync_makes_one_case_per_request_and_attaches_a_second_to_the_open_case(desk):
    first = handoff(request_id="a" * 32)
    write_conversation(desk, "s1", [user("jeg vil tale med en person", "request_human"), slot("handoff_request", first)])
    assert sync_cases().created == 1
    # The same request set again (its latest value wins) and a sync with nothing new: still one case.
    write_conversation(desk, "s1", [slot("handoff_request", {**first, "message": "ring efter kl 15"})])
    sync_cases()
    sync_cases()
    assert Case.objects.count() == 1
    assert Case.objects.get().message == "ring efter kl 15"
    # A second request in the same conversation joins the open case.
    write_conversation(desk, "s1", [user("jeg har det skidt", "crisis"), slot("handoff_request", handoff(reason="crisis"))])
    sync_cases()
    case = Case.objects.get()
    assert (case.reason, case.urgent, case.status) == ("crisis", True, OPEN)
    assert case.situation[0] == "KRISE"
    assert len(case.request_ids) == 2
    # Another conversation gets its own case.
    write_conversation(desk, "s2", [slot("handoff_request", handoff())])
    sync_cases()
    assert Case.objects.count() == 2


def test_a_request_after_a_closed_case_opens_a_new_case(desk):
    write_conversation(desk, "s1", [slot("handoff_request", handoff())])
    sync_cases()
    Case.objects.update(status=CLOSED, closed_at=timezone.now())
    write_conversation(desk, "s1", [slot("handoff_request", handoff())])
    sync_cases()
    assert sorted(Case.objects.values_list("status", flat=True)) == [CLOSED, OPEN]


def test_sync_deletes_active_cases_whose_conversation_the_user_erased(desk):
    for name in ("slettet", "bliver"):
        write_conversation(desk, name, [slot("handoff_request", handoff())])
    sync_cases()
    erased = Case.objects.get(conversation_id="slettet")
    Note.objects.create(case=erased, text="note")
    ConversationStore(tracker_url(desk)).erase("slettet", time.time())  # what "slet mine data" does
    assert sync_cases().erased == 1
    assert list(Case.objects.values_list("conversation_id", flat=True)) == ["bliver"]
    assert not Note.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.case_id, entry.conversation_id, entry.user) == ("erased_by_user", erased.pk, "slettet", None)


def test_an_erasure_deletes_closed_cases_too_even_if_the_user_writes_again_at_once(desk):
    store = ConversationStore(tracker_url(desk))
    write_conversation(desk, "igen", [slot("handoff_request", handoff())])
    sync_cases()
    Case.objects.update(status=CLOSED, closed_at=timezone.now())
    store.erase("igen", time.time())  # as the tracker store does on "slet mine data"
    write_conversation(desk, "igen", [user("hej igen", "greet")])  # the same id, a new conversation
    assert sync_cases().erased == 1
    assert not Case.objects.exists() and store.erasures() == []
    # A hand-off asked for after the erasure is a new case and stays.
    write_conversation(desk, "igen", [slot("handoff_request", handoff())])
    sync_cases()
    assert Case.objects.filter(conversation_id="igen").count() == 1


def test_a_request_read_again_changes_nothing_and_user_left_shows_on_the_card(desk):
    request = handoff()
    write_conversation(desk, "tilbage", [slot("handoff_request", request)])
    assert sync_cases().created == 1
    assert (sync_cases().created, sync_cases().updated) == (0, 0)  # the margin re-read is a no-op
    write_conversation(desk, "tilbage", [slot("handoff_request", {**request, "user_left": True})])
    assert sync_cases().updated == 1
    assert Case.objects.get().mode == "left"


def test_sync_finds_a_request_written_with_a_reused_event_id(desk):
    """SQLite hands out the ids of deleted newest rows again; the request is still found."""
    write_conversation(desk, "a", [user("hej", "greet")])
    write_conversation(desk, "b", [user("hej", "greet"), user("hej", "greet"), slot("handoff_request", handoff())])
    sync_cases()
    ConversationStore(tracker_url(desk)).erase("b", time.time())  # "slet mine data"
    write_conversation(desk, "c", [slot("handoff_request", handoff())])
    sync_cases()
    assert list(Case.objects.values_list("conversation_id", flat=True)) == ["c"]


def _sms_numbers(path) -> set:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT sender_id FROM senders")}


def test_purge_deletes_what_is_past_its_period_and_keeps_the_rest(desk, tmp_path):
    now = time.time()
    old, recent = now - 40 * DAY, now - 2 * DAY
    store = ConversationStore(tracker_url(desk))
    # Closed 100 days ago (period 90): goes with its conversation.
    write_conversation(
        desk, "lukket-gammel", [user("hej", at=old - 70 * DAY), slot("handoff_request", handoff(at=old - 70 * DAY))]
    )
    # Closed 10 days ago: stays, and so does its (old) conversation.
    write_conversation(desk, "lukket-ny", [user("hej", at=old), slot("handoff_request", handoff(at=old))])
    # Open case on an old conversation: both stay.
    write_conversation(desk, "aaben", [user("hej", at=old), slot("handoff_request", handoff(at=old))])
    sync_cases()
    Case.objects.filter(conversation_id="lukket-gammel").update(status=CLOSED, closed_at=timezone.now() - timedelta(days=100))
    Case.objects.filter(conversation_id="lukket-ny").update(status=CLOSED, closed_at=timezone.now() - timedelta(days=10))
    # Conversations without a case: idle 40 days goes (period 30), 2 days stays.
    write_conversation(desk, "idle", [user("hej", at=old), bot("Hej!", at=old)])
    write_conversation(desk, "frisk", [user("hej", at=recent)])
    sms = SmsStore(tmp_path / "sms.db")
    for sender in ("idle", "frisk", "aaben"):
        sms.remember_number(sender, "+4520304050")
    with sqlite3.connect(tmp_path / "sms.db") as conn:  # a number not used for 40 days, conversation long gone
        conn.execute("INSERT INTO senders VALUES ('forladt', '+4511111111', ?)", (old,))
        # The open case's user wrote 40 days ago: staff still need the number to answer.
        conn.execute("UPDATE senders SET updated_at = ? WHERE sender_id = 'aaben'", (old,))

    result = purge(timezone.now())

    assert (result.closed_cases, result.conversations) == (1, 1)
    assert set(Case.objects.values_list("conversation_id", flat=True)) == {"lukket-ny", "aaben"}
    for gone in ("lukket-gammel", "idle"):
        assert not store.exists(gone)
    for kept in ("lukket-ny", "aaben", "frisk"):
        assert store.exists(kept)
    # Nothing older than the periods remains outside a case.
    cutoff = timezone.now() - timedelta(days=30)
    assert store.idle_conversations(cutoff, keep=set(Case.objects.values_list("conversation_id", flat=True))) == []
    assert not Case.objects.filter(status=CLOSED, closed_at__lt=timezone.now() - timedelta(days=90)).exists()
    assert _sms_numbers(tmp_path / "sms.db") == {"frisk", "aaben"}
    assert result.sms_numbers == 2
    entry = AuditEntry.objects.get(action="retention")
    assert (entry.user, entry.conversation_id) == (None, "lukket-gammel")
    # A second run finds nothing more.
    again = purge(timezone.now())
    assert (again.closed_cases, again.conversations, again.sms_numbers) == (0, 0, 0)
