"""What the SMS channel remembers between messages, in SQLite (the default: one file) or in
PostgreSQL (SMS_STORE_URL, when several Rasa processes share the channel).

- seen message ids (a gateway may deliver a webhook twice: it is processed once, also
  after a restart and also when another Rasa process got the other delivery),
- sender id -> phone number (to send later, e.g. a staff answer; deleted at STOP),
- opt-outs (STOP) by sender id,
- the options offered last ("1: Ja") and the text kept for "MERE".

Each method is one short transaction, so the store can be used from worker threads
(asyncio.to_thread) at the same time. SQLite: a connection per call, WAL lets readers and
a writer work in parallel. PostgreSQL: a pool of connections checked before use, so a
database restart costs no failed message.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.core.stores.location import engine_for, for_logs, is_url, parse_location, sqlite_path


@dataclass(frozen=True)
class Option:
    """One button offered as a numbered line."""

    title: str
    payload: str

    def to_dict(self) -> Dict[str, str]:
        return {"title": self.title, "payload": self.payload}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Option":
        return cls(str(data["title"]), str(data["payload"]))


DEFAULT_PATH = "var/sms.db"
SEEN_KEEP_SECONDS = 30 * 24 * 3600  # gateways re-deliver within minutes; a month is plenty
# Serialises the schema creation of processes starting at once (CREATE TABLE IF NOT EXISTS
# is not race-free in PostgreSQL); any fixed number private to this store.
_SCHEMA_LOCK_KEY = 0x56_53_4D_53  # "VSMS"

# {time}: REAL in SQLite (as the existing files have it); PostgreSQL's REAL would round epoch
# seconds to minutes, so it gets DOUBLE PRECISION.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS seen_messages (message_id TEXT PRIMARY KEY, seen_at {time} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS senders (sender_id TEXT PRIMARY KEY, number TEXT NOT NULL, updated_at {time} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS opt_outs (sender_id TEXT PRIMARY KEY, opted_out_at {time} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS last_options (sender_id TEXT PRIMARY KEY, options TEXT NOT NULL, updated_at {time} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS pending_text (sender_id TEXT PRIMARY KEY, text TEXT NOT NULL, updated_at {time} NOT NULL)",
)


class SmsStore:
    """The SMS channel's state. `SmsStore(path)` is a SQLite file (file and parent folder
    created on first use); `SmsStore(url)` or `SmsStore.from_url(url)` any supported database."""

    def __init__(self, location: str | Path = DEFAULT_PATH) -> None:
        url = parse_location(location)
        self.dialect = url.get_backend_name()
        # The SQLite file (None for a server database): created with its folder on first use.
        self.path: Optional[Path] = sqlite_path(url)
        self.location = for_logs(url)
        self._engine = engine_for(url, "SMS store", sqlite_timeout=10, sqlite_pragmas=("busy_timeout = 10000",))
        self._ready = False
        self._init_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> SmsStore:
        if not is_url(url):
            raise ValueError("SMS store URL must start with sqlite:/// or postgresql://")
        return cls(url)

    def exists(self) -> bool:
        """False only for a SQLite file not created yet (nothing stored, nothing to forget)."""
        return self.path is None or self.path.exists()

    def dispose(self) -> None:
        """Closes pooled connections (tests, and processes that are done with the store)."""
        self._engine.dispose()

    def _prepare(self) -> None:
        if self._ready:
            return
        with self._init_lock:
            if self._ready:
                return
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self._engine.connect() as conn:  # outside a transaction: SQLite requires it
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            with self._engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
                column_type = "DOUBLE PRECISION" if self.dialect == "postgresql" else "REAL"
                for statement in _SCHEMA:
                    conn.execute(sa.text(statement.format(time=column_type)))
                conn.execute(
                    sa.text("DELETE FROM seen_messages WHERE seen_at < :before"), {"before": time.time() - SEEN_KEEP_SECONDS}
                )
            self._ready = True

    def _begin(self) -> Any:
        self._prepare()
        return self._engine.begin()

    def _write(self, sql: str, params: Optional[Mapping[str, Any]] = None) -> int:
        with self._begin() as conn:
            return conn.execute(sa.text(sql), params or {}).rowcount

    def _read_one(self, sql: str, params: Mapping[str, Any]) -> Optional[tuple]:
        with self._begin() as conn:
            return conn.execute(sa.text(sql), params).fetchone()

    def _delete(self, conn: Connection, table: str, sender_id: str) -> int:
        return conn.execute(sa.text(f"DELETE FROM {table} WHERE sender_id = :sender"), {"sender": sender_id}).rowcount

    # --- delivery ids ------------------------------------------------------
    def claim_message(self, message_id: str) -> bool:
        """True the first time a message id is seen; False for a repeated delivery.
        Atomic, so two deliveries racing each other (also in two processes) cannot both win."""
        return (
            self._write(
                "INSERT INTO seen_messages (message_id, seen_at) VALUES (:id, :at) ON CONFLICT (message_id) DO NOTHING",
                {"id": message_id, "at": time.time()},
            )
            == 1
        )

    # --- phone numbers -----------------------------------------------------
    def remember_number(self, sender_id: str, number: str) -> None:
        self._write(
            "INSERT INTO senders (sender_id, number, updated_at) VALUES (:sender, :number, :at)"
            " ON CONFLICT (sender_id) DO UPDATE SET number = excluded.number, updated_at = excluded.updated_at",
            {"sender": sender_id, "number": number, "at": time.time()},
        )

    def number_for(self, sender_id: str) -> Optional[str]:
        row = self._read_one("SELECT number FROM senders WHERE sender_id = :sender", {"sender": sender_id})
        return row[0] if row else None

    def forget_sender(self, sender_id: str) -> None:
        """Deletes the number, the options and the kept text (the opt-out stays)."""
        with self._begin() as conn:
            for table in ("senders", "last_options", "pending_text"):
                self._delete(conn, table, sender_id)

    def idle_senders(self, older_than: float) -> List[str]:
        """Senders whose number was last used before `older_than` (epoch seconds)."""
        with self._begin() as conn:
            rows = conn.execute(sa.text("SELECT sender_id FROM senders WHERE updated_at < :before"), {"before": older_than})
            return [row[0] for row in rows]

    # --- opt-out -----------------------------------------------------------
    def opt_out(self, sender_id: str) -> None:
        self._write(
            "INSERT INTO opt_outs (sender_id, opted_out_at) VALUES (:sender, :at)"
            " ON CONFLICT (sender_id) DO UPDATE SET opted_out_at = excluded.opted_out_at",
            {"sender": sender_id, "at": time.time()},
        )

    def opt_in(self, sender_id: str) -> bool:
        """Removes an opt-out; True when there was one."""
        with self._begin() as conn:
            return self._delete(conn, "opt_outs", sender_id) == 1

    def is_opted_out(self, sender_id: str) -> bool:
        return self._read_one("SELECT 1 FROM opt_outs WHERE sender_id = :sender", {"sender": sender_id}) is not None

    # --- options offered last ------------------------------------------------
    def set_options(self, sender_id: str, options: List[Option]) -> None:
        """Replaces the options; an empty list clears them (a later "1" is plain text)."""
        if not options:
            with self._begin() as conn:
                self._delete(conn, "last_options", sender_id)
            return
        data = json.dumps([o.to_dict() for o in options], ensure_ascii=False)
        self._write(
            "INSERT INTO last_options (sender_id, options, updated_at) VALUES (:sender, :options, :at)"
            " ON CONFLICT (sender_id) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at",
            {"sender": sender_id, "options": data, "at": time.time()},
        )

    def options_for(self, sender_id: str) -> List[Option]:
        row = self._read_one("SELECT options FROM last_options WHERE sender_id = :sender", {"sender": sender_id})
        return [Option.from_dict(o) for o in json.loads(row[0])] if row else []

    # --- text kept for MERE --------------------------------------------------
    def set_pending(self, sender_id: str, text: str) -> None:
        """Keeps the rest of a long answer; "" clears it."""
        if not text:
            with self._begin() as conn:
                self._delete(conn, "pending_text", sender_id)
            return
        self._write(
            "INSERT INTO pending_text (sender_id, text, updated_at) VALUES (:sender, :text, :at)"
            " ON CONFLICT (sender_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            {"sender": sender_id, "text": text, "at": time.time()},
        )

    def take_pending(self, sender_id: str) -> str:
        """The kept text ("" when none), removed in the same transaction (so only one caller gets it)."""
        with self._begin() as conn:
            row = conn.execute(
                sa.text("DELETE FROM pending_text WHERE sender_id = :sender RETURNING text"), {"sender": sender_id}
            ).fetchone()
        return row[0] if row else ""
