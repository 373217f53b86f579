"""A durable outbox for requests the booking service could not take yet.

When the service is down, the action stores the request here and tells the user honestly
that nothing is booked yet. `python -m bot.services.outbox_relay` delivers the entries with the
same idempotency key until the service accepts them, so a request is neither lost nor sent
twice. Delivered entries are deleted: the store holds personal data only while it waits.

Where: a local SQLite file by default ($BOOKING_OUTBOX_PATH), or a database shared by
several action servers ($BOOKING_OUTBOX_URL, e.g. postgresql://…)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import sqlalchemy as sa

from bot.core.booking.client import BookingClient, BookingError, BookingRequest, BookingUnavailable
from bot.core.settings import BookingClientSettings
from bot.core.stores.location import engine_for, for_logs, is_url, parse_location, sqlite_path

log = logging.getLogger(__name__)

CONTACT_REQUEST, CANCELLATION, ERASURE = "contact_request", "cancellation", "erasure"
MAX_BACKOFF_SECONDS = 300
# Serialises the table creation of action servers starting at once (CREATE TABLE IF NOT
# EXISTS is not race-free in PostgreSQL); any fixed number private to the outbox.
_SCHEMA_LOCK_KEY = 0x56_4F_42_58  # "VOBX"
# {time}: REAL in SQLite (as existing files have it); PostgreSQL's REAL would round epoch
# seconds to minutes.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL,"
    " created_at {time} NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at {time} NOT NULL,"
    " dead INTEGER NOT NULL DEFAULT 0, last_error TEXT)"
)
# The conversation an entry carries (payload is JSON text in both databases).
_CONVERSATION = {
    "sqlite": "json_extract(payload, '$.conversation_id')",
    "postgresql": "CAST(payload AS json) ->> 'conversation_id'",
}


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    kind: str
    payload: Dict[str, Any]
    attempts: int


class Outbox:
    """`path` (a SQLite file, or a sqlite:/postgresql: URL) or `url`; without either
    $BOOKING_OUTBOX_URL, then $BOOKING_OUTBOX_PATH, then var/booking_outbox.db."""

    def __init__(self, path: Path | str | None = None, clock: Callable[[], float] = time.time, url: Optional[str] = None) -> None:
        location = path or url
        if not location:
            read = BookingClientSettings.from_env()
            location = read.outbox_url or read.outbox_path
        parsed = parse_location(location)
        self.dialect = parsed.get_backend_name()
        # The SQLite file; None for a server database.
        self.path: Optional[Path] = sqlite_path(parsed)
        self.location = for_logs(parsed)
        self._clock = clock
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # WAL: the relay reads while the action servers write.
        self._engine = engine_for(parsed, "outbox", sqlite_timeout=15, sqlite_pragmas=("journal_mode=WAL",))
        with self._engine.begin() as db:
            if self.dialect == "postgresql":
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
            db.execute(sa.text(_SCHEMA.format(time="DOUBLE PRECISION" if self.dialect == "postgresql" else "REAL")))

    @classmethod
    @lru_cache(maxsize=1)
    def shared(cls) -> Outbox:
        """The process's outbox ($BOOKING_OUTBOX_URL or $BOOKING_OUTBOX_PATH), created on first use."""
        return cls()

    @classmethod
    def from_url(cls, url: str, clock: Callable[[], float] = time.time) -> Outbox:
        if not is_url(url):
            raise ValueError("outbox URL must start with sqlite:/// or postgresql://")
        return cls(url=url, clock=clock)

    def dispose(self) -> None:
        """Closes pooled connections (tests, and processes that are done with the outbox)."""
        self._engine.dispose()

    def _write(self, sql: str, **params: Any) -> int:
        with self._engine.begin() as db:
            return db.execute(sa.text(sql), params).rowcount

    def _rows(self, sql: str, **params: Any) -> List[Any]:
        with self._engine.begin() as db:
            return db.execute(sa.text(sql), params).fetchall()

    def put(self, key: str, kind: str, payload: Dict[str, Any]) -> None:
        """Stores an entry (once per key: a repeated put keeps the first)."""
        now = self._clock()
        self._write(
            "INSERT INTO outbox (key, kind, payload, created_at, next_attempt_at)"
            " VALUES (:key, :kind, :payload, :now, :now) ON CONFLICT (key) DO NOTHING",
            key=key,
            kind=kind,
            payload=json.dumps(payload, ensure_ascii=False),
            now=now,
        )

    def forget_conversation(self, conversation_id: str) -> int:
        """Deletes waiting entries (also dead ones) that carry this conversation's data."""
        return self._write(
            f"DELETE FROM outbox WHERE kind != :erasure AND {_CONVERSATION[self.dialect]} = :conversation",
            erasure=ERASURE,
            conversation=conversation_id,
        )

    def due(self, limit: int = 50) -> List[OutboxEntry]:
        rows = self._rows(
            "SELECT key, kind, payload, attempts FROM outbox"
            " WHERE dead = 0 AND next_attempt_at <= :now ORDER BY created_at, key LIMIT :limit",
            now=self._clock(),
            limit=limit,
        )
        return [OutboxEntry(key, kind, json.loads(payload), attempts) for key, kind, payload, attempts in rows]

    def delivered(self, key: str) -> None:
        self._write("DELETE FROM outbox WHERE key = :key", key=key)

    def failed(self, key: str, error: str, permanent: bool = False) -> None:
        # FOR UPDATE: two relays failing the same entry at once count two attempts, not one.
        lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
        with self._engine.begin() as db:
            row = db.execute(sa.text(f"SELECT attempts FROM outbox WHERE key = :key{lock}"), {"key": key}).fetchone()
            pause = min(MAX_BACKOFF_SECONDS, 5 * 2 ** (row[0] if row else 0))
            db.execute(
                sa.text(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = :next, dead = :dead, last_error = :error"
                    " WHERE key = :key"
                ),
                {"next": self._clock() + pause, "dead": int(permanent), "error": error[:200], "key": key},
            )

    def counts(self) -> Tuple[int, int]:
        """(waiting, dead) entries."""
        ((waiting, dead),) = self._rows(
            "SELECT COALESCE(SUM(CASE WHEN dead = 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN dead = 1 THEN 1 ELSE 0 END), 0) FROM outbox"
        )
        return int(waiting), int(dead)


def deliver_due(outbox: Outbox, client: BookingClient) -> Tuple[int, int]:
    """Sends every due entry once; returns (delivered, still waiting or refused)."""
    delivered = failed = 0
    for entry in outbox.due():
        try:
            deliver(entry, client)
        except BookingUnavailable as error:
            outbox.failed(entry.key, str(error))
            failed += 1
        except BookingError as error:
            # The service refused it: retrying the same request will not help. Kept (dead)
            # for staff to see in the relay's log counts instead of being dropped silently.
            log.error("outbox entry %s refused by the booking service: %s", entry.kind, type(error).__name__)
            outbox.failed(entry.key, str(error), permanent=True)
            failed += 1
        else:
            outbox.delivered(entry.key)
            delivered += 1
    return delivered, failed


def deliver(entry: OutboxEntry, client: BookingClient) -> None:
    if entry.kind == CONTACT_REQUEST:
        payload = dict(entry.payload)
        reason, preferred = payload.pop("reason"), payload.pop("preferred_start", None)
        client.request_contact(
            BookingRequest(**payload), reason, entry.key, datetime.fromisoformat(preferred) if preferred else None
        )
    elif entry.kind == CANCELLATION:
        client.cancel(entry.payload["code"])
    elif entry.kind == ERASURE:
        client.erase_conversation(entry.payload["conversation_id"])
    else:
        raise BookingError(f"unknown outbox kind {entry.kind}")
