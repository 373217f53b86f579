"""The desk worker's dashboard step: reads the tracker store's events after the last one
read and adds them to the daily aggregates. Only counts and intent/reason names are kept.

What the actions leave in the tracker (actions/booking.py, actions/handoff.py): a booking
made is the bot's `utter_booking_confirmed`; a cancellation `utter_booking_cancelled` (or
`utter_cancel_saved` when the outbox sends it later); a hand-off the `handoff_request` slot,
set again with the same id as the request changes; the crisis answer the action `utter_crisis`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F

from bot.core.knowledge import KnowledgeError
from bot.core.stores.conversations import HANDOFF_SLOT, ConversationStore
from bot.services.desk.cases.knowledge import knowledge_dir, read_entries
from bot.services.desk.cases.services import conversation_store
from bot.services.desk.insight.models import DailyChannel, DailyCount, InsightCursor, SeenHandoff, StaleAnswers

log = logging.getLogger("vejviser.desk.insight")
BATCH = 5000
MAX_BATCHES = 20  # per worker round, so cases keep syncing while a long backlog is read
FALLBACK = "nlu_fallback"
BOOKED = {"utter_booking_confirmed"}
CANCELLED = {"utter_booking_cancelled", "utter_cancel_saved"}
CRISIS_ACTION = "utter_crisis"
SEEN_HANDOFF_DAYS = 60  # a request keeps its id while its case is open; long after, it is not set again

Key = Tuple[dt.date, str]


def channel_of(input_channel: Any) -> str:
    return input_channel if input_channel in ("widget", "sms") else "rest"


def local_day(timestamp: Optional[float]) -> dt.date:
    zone = ZoneInfo(settings.TIME_ZONE)
    moment = dt.datetime.fromtimestamp(timestamp, zone) if timestamp is not None else dt.datetime.now(zone)
    return moment.date()


@dataclass
class Batch:
    """What one run of events adds, before it is written."""

    totals: Dict[Key, Counter]
    counts: Counter  # (day, channel, kind, key) -> n
    handoffs: Dict[str, dt.date]

    @classmethod
    def empty(cls) -> "Batch":
        return cls({}, Counter(), {})

    def add(self, day: dt.date, channel: str, field: str, n: int = 1) -> None:
        self.totals.setdefault((day, channel), Counter())[field] += n


def _request_id(event: Dict[str, Any]) -> Optional[str]:
    """The hand-off request id a `handoff_request` slot event sets, if it is one."""
    if event["type"] != "slot" or event["action"] != HANDOFF_SLOT:
        return None
    value = event["data"].get("value")
    return str(value["id"])[:64] if isinstance(value, dict) and value.get("id") else None


def _read(store: ConversationStore, events: Iterable[Dict[str, Any]], after_id: int) -> Batch:
    events = list(events)
    batch = Batch.empty()
    states = store.conversation_states({e["sender_id"] for e in events}, after_id)
    awaiting = {sender: first for sender, (first, _) in states.items()}
    # Bot and action events go to the channel of the conversation's last user message.
    channels = {sender: channel_of(channel) for sender, (_, channel) in states.items()}
    for event in events:
        sender, day, data = event["sender_id"], local_day(event["timestamp"]), event["data"]
        if event["type"] == "session_started":
            awaiting[sender] = True
        elif event["type"] == "user":
            channel = channels[sender] = channel_of(data.get("input_channel"))
            if awaiting.get(sender, True):
                batch.add(day, channel, "conversations")
                awaiting[sender] = False
            batch.add(day, channel, "user_messages")
            intent = event["intent"]
            if intent and intent != FALLBACK:
                batch.add(day, channel, "understood")
                batch.counts[(day, channel, DailyCount.INTENT, intent[:64])] += 1
        elif event["type"] == "bot":
            utter = (data.get("metadata") or {}).get("utter_action")
            channel = channels.get(sender, "rest")
            if utter in BOOKED:
                batch.add(day, channel, "bookings_made")
            elif utter in CANCELLED:
                batch.add(day, channel, "bookings_cancelled")
        elif event["type"] == "action" and event["action"] == CRISIS_ACTION:
            batch.add(day, channels.get(sender, "rest"), "crisis_answers")
        else:
            request_id = _request_id(event)
            if request_id and request_id not in batch.handoffs:
                request = data["value"]
                channel = channel_of(request.get("channel"))
                reason = str(request.get("reason") or "unknown")[:64]
                batch.handoffs[request_id] = day
                batch.counts[(day, channel, DailyCount.REASON, reason)] += 1
                batch.add(day, channel, "handoffs")
    return batch


def _write(batch: Batch) -> None:
    for (day, channel), totals in batch.totals.items():
        row, _ = DailyChannel.objects.get_or_create(day=day, channel=channel)
        DailyChannel.objects.filter(pk=row.pk).update(**{name: F(name) + n for name, n in totals.items() if n})
    for (day, channel, kind, key), n in batch.counts.items():
        row, _ = DailyCount.objects.get_or_create(day=day, channel=channel, kind=kind, key=key)
        DailyCount.objects.filter(pk=row.pk).update(count=F("count") + n)
    SeenHandoff.objects.bulk_create([SeenHandoff(request_id=rid, day=day) for rid, day in batch.handoffs.items()])


def _without_counted_handoffs(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events less the settings of hand-off requests counted in an earlier run."""
    ids = {rid for rid in map(_request_id, events) if rid}
    seen = set(SeenHandoff.objects.filter(request_id__in=ids).values_list("request_id", flat=True)) if ids else set()
    return [e for e in events if _request_id(e) not in seen] if seen else events


def refresh_insight(store: Optional[ConversationStore] = None) -> int:
    """Adds every event written since the last run (up to MAX_BATCHES x BATCH); returns how many."""
    store = store or conversation_store()
    if not store.table_exists():
        return 0
    read = 0
    for _ in range(MAX_BATCHES):
        with transaction.atomic():
            cursor, _ = InsightCursor.objects.select_for_update().get_or_create(pk=1)
            newest = store.max_event_id()
            if newest < cursor.last_event_id:
                # The newest events were erased and SQLite hands out their ids again: go on
                # from the newest id there is (what was erased had been counted).
                cursor.last_event_id = newest
            events = store.events_after(cursor.last_event_id, BATCH)
            if not events:
                cursor.save()
                break
            _write(_read(store, _without_counted_handoffs(events), cursor.last_event_id))
            cursor.last_event_id = events[-1]["id"]
            cursor.last_timestamp = max(cursor.last_timestamp, *(e["timestamp"] or 0 for e in events))
            cursor.save()
        read += len(events)
        if len(events) < BATCH:
            break
    SeenHandoff.objects.filter(day__lt=local_day(None) - dt.timedelta(days=SEEN_HANDOFF_DAYS)).delete()
    if read:
        log.info("insight: %d tracker events added to the dashboard", read)
    return read


def record_stale_answers(today: Optional[dt.date] = None) -> Optional[StaleAnswers]:
    """Today's count of knowledge answers due for a check (Entry.staleness), once a day."""
    today = today or local_day(None)
    found = StaleAnswers.objects.filter(day=today).first()
    if found is not None:
        return found
    try:
        entries = read_entries(knowledge_dir())
    except KnowledgeError as error:
        log.error("insight: knowledge base not read: %s", error)
        return None
    stale = sum(1 for entry in entries if any(part is not None for part in entry.staleness(today)))
    return StaleAnswers.objects.create(day=today, stale=stale, total=len(entries))
