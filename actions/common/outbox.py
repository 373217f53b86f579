"""A durable outbox for requests the booking service could not take yet.

When the service is down, the action stores the request here (a local SQLite file) and
tells the user honestly that nothing is booked yet. `python -m actions.outbox_relay`
delivers the entries with the same idempotency key until the service accepts them, so a
request is neither lost nor sent twice. Delivered entries are deleted: the file holds
personal data only while it waits."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from actions.clients.booking import BookingClient, BookingError, BookingRequest, BookingUnavailable

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "booking_outbox.db"
CONTACT_REQUEST, CANCELLATION, ERASURE = "contact_request", "cancellation", "erasure"
MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    kind: str
    payload: Dict[str, Any]
    attempts: int


class Outbox:
    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path or os.environ.get("BOOKING_OUTBOX_PATH") or DEFAULT_PATH)
        self._clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL,"
                " created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,"
                " dead INTEGER NOT NULL DEFAULT 0, last_error TEXT)"
            )

    @classmethod
    @lru_cache(maxsize=1)
    def shared(cls) -> Outbox:
        """The process's outbox ($BOOKING_OUTBOX_PATH), created on first use."""
        return cls()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    def put(self, key: str, kind: str, payload: Dict[str, Any]) -> None:
        """Stores an entry (once per key: a repeated put keeps the first)."""
        now = self._clock()
        with closing(self._connect()) as db:
            db.execute(
                "INSERT OR IGNORE INTO outbox (key, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)",
                (key, kind, json.dumps(payload, ensure_ascii=False), now, now),
            )

    def forget_conversation(self, conversation_id: str) -> int:
        """Deletes waiting entries (also dead ones) that carry this conversation's data."""
        with closing(self._connect()) as db:
            return db.execute(
                "DELETE FROM outbox WHERE kind != ? AND json_extract(payload, '$.conversation_id') = ?",
                (ERASURE, conversation_id),
            ).rowcount

    def due(self, limit: int = 50) -> List[OutboxEntry]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT key, kind, payload, attempts FROM outbox"
                " WHERE dead = 0 AND next_attempt_at <= ? ORDER BY created_at LIMIT ?",
                (self._clock(), limit),
            ).fetchall()
        return [OutboxEntry(key, kind, json.loads(payload), attempts) for key, kind, payload, attempts in rows]

    def delivered(self, key: str) -> None:
        with closing(self._connect()) as db:
            db.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def failed(self, key: str, error: str, permanent: bool = False) -> None:
        with closing(self._connect()) as db:
            (attempts,) = db.execute("SELECT attempts FROM outbox WHERE key = ?", (key,)).fetchone() or (0,)
            pause = min(MAX_BACKOFF_SECONDS, 5 * 2**attempts)
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, dead = ?, last_error = ? WHERE key = ?",
                (self._clock() + pause, int(permanent), error[:200], key),
            )

    def counts(self) -> Tuple[int, int]:
        """(waiting, dead) entries."""
        with closing(self._connect()) as db:
            waiting, dead = db.execute("SELECT COALESCE(SUM(dead = 0), 0), COALESCE(SUM(dead = 1), 0) FROM outbox").fetchone()
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
