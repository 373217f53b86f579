"""Rasa's SQL tracker store with two privacy guarantees, whatever channel a message came in on.

- Redaction before storage: a CPR-shaped number in a user's text is masked before the event
  is written (the channels mask already; this also covers Rasa's HTTP API and any channel
  added later).
- "Slet mine data": when `action_erase_my_data` has run in a turn, saving that turn deletes
  the whole conversation instead (every session), the SMS channel forgets the number, and
  the booking service is asked (through the durable outbox) to blank the conversation's
  bookings. The confirmation has been sent by then; nothing of the conversation is kept.

Named in endpoints.yml as `type: bot.rasa.stores.tracker_store.VejviserTrackerStore` with the same keys
as Rasa's `SQL` type. Rasa falls back to an in-memory store when it cannot import a custom
store, so tests/test_privacy_erasure.py checks that endpoints.yml loads this class."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, Optional, TypeVar

import sqlalchemy
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, ensure_schema_exists
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.cli import print_error_and_exit

from bot.core.privacy import mask_cpr
from bot.core.stores.conversations import ConversationStore
from bot.rasa.channels import registry
from bot.rasa.speedups import apply as apply_rasa_speedups

log = logging.getLogger(__name__)
T = TypeVar("T")
apply_rasa_speedups()  # the Rasa server imports this module at start (endpoints.yml)

ERASE_ACTION = "action_erase_my_data"


def erase_requested(new_events: Iterable[Event]) -> bool:
    return any(isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION for event in new_events)


def redacted(event_data: Dict[str, Any]) -> Dict[str, Any]:
    """A user event's data with CPR-shaped numbers masked in its text and parse data."""
    if event_data.get("event") != UserUttered.type_name:
        return event_data
    data = dict(event_data)
    if isinstance(data.get("text"), str):
        data["text"] = mask_cpr(data["text"])[0]
    parse_data = data.get("parse_data")
    if isinstance(parse_data, dict) and isinstance(parse_data.get("text"), str):
        data["parse_data"] = {**parse_data, "text": mask_cpr(parse_data["text"])[0]}
    return data


RETRY_SECONDS = 4.0


async def retrying(operation: Callable[[], Awaitable[T]], seconds: float = RETRY_SECONDS) -> T:
    """Runs `operation` again while the database is unreachable, for up to `seconds`: a
    PostgreSQL restart takes a second or two, and the user's turn must not fail for it."""
    deadline = time.monotonic() + seconds
    pause = 0.1
    while True:
        try:
            return await operation()
        except sqlalchemy.exc.OperationalError as exc:
            if time.monotonic() >= deadline:
                raise
            log.warning("tracker store: database unavailable (%s), trying again", type(exc).__name__)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)


class VejviserTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            # Connections left over from before a database restart are tested before use.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sqlalchemy.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sqlalchemy.orm.session.sessionmaker(bind=self.engine)

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Any]:
        """Rasa's, except that a ValueError raised while the session is in use (e.g. text
        that cannot be encoded) fails that call instead of exiting the whole process: Rasa
        reads every ValueError as "the PostgreSQL schema is missing" and exits."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as missing:
                print_error_and_exit(f"Requested PostgreSQL schema '{missing}' was not found in the database.")
            yield session
        finally:
            session.close()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await retrying(lambda: super(VejviserTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await retrying(lambda: super(VejviserTrackerStore, self).retrieve_full_tracker(conversation_id))

    async def keys(self) -> Iterable[str]:
        return await retrying(lambda: super(VejviserTrackerStore, self).keys())

    async def save(self, tracker: DialogueStateTracker) -> None:
        await retrying(lambda: self._save(tracker))

    async def _save(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        if erase_requested(new_events):
            await self.erase(tracker.sender_id)
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in new_events:
                data = redacted(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def erase(self, sender_id: str) -> int:
        """Deletes the conversation everywhere this process can reach; returns the events deleted.
        The caller holds the conversation's lock (Rasa's turn, or the staff relay)."""
        deleted = ConversationStore(self.engine).erase(sender_id, time.time())
        sms = registry.input_channel("sms")
        if sms is not None and hasattr(sms, "forget"):
            await sms.forget(sender_id)
        await asyncio.to_thread(queue_booking_erasure, sender_id)
        log.info("erasure: deleted a conversation (%d events)", deleted)
        return int(deleted)


def queue_booking_erasure(sender_id: str) -> None:
    # Imported here: the outbox module pulls in the booking client, which the tracker store
    # needs only at the moment of an erasure.
    from bot.core.booking.outbox import ERASURE, Outbox

    outbox = Outbox()
    # A contact request still waiting for the booking service would bring the data back.
    outbox.forget_conversation(sender_id)
    outbox.put(f"erase-{sender_id}-{time.time_ns()}", ERASURE, {"conversation_id": sender_id})
