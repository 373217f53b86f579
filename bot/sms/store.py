"""What the SMS channel remembers between messages, in one SQLite file.

- seen message ids (a gateway may deliver a webhook twice: it is processed once, also
  after a restart),
- sender id -> phone number (to send later, e.g. a staff answer; deleted at STOP),
- opt-outs (STOP) by sender id,
- the options offered last ("1: Ja") and the text kept for "MERE".

Each method is one short transaction on its own connection, so the store can be used
from worker threads (asyncio.to_thread) at the same time; WAL lets readers and a writer
work in parallel.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import List, Optional

from bot.sms.replies import Option

DEFAULT_PATH = "var/sms.db"
SEEN_KEEP_SECONDS = 30 * 24 * 3600  # gateways re-deliver within minutes; a month is plenty

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_messages (message_id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS senders (sender_id TEXT PRIMARY KEY, number TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS opt_outs (sender_id TEXT PRIMARY KEY, opted_out_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS last_options (sender_id TEXT PRIMARY KEY, options TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pending_text (sender_id TEXT PRIMARY KEY, text TEXT NOT NULL, updated_at REAL NOT NULL);
"""


class SmsStore:
    """The SMS channel's state in SQLite (file and parent folder created on first use)."""

    def __init__(self, path: str | Path = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self._ready = False
        self._init_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            with self._init_lock:
                if not self._ready:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    with closing(sqlite3.connect(self.path, timeout=10)) as conn:
                        conn.execute("PRAGMA journal_mode=WAL")
                        conn.executescript(_SCHEMA)
                        conn.execute("DELETE FROM seen_messages WHERE seen_at < ?", (time.time() - SEEN_KEEP_SECONDS,))
                        conn.commit()
                    self._ready = True
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA busy_timeout = 10000")
        return conn

    def _write(self, sql: str, args: tuple = ()) -> int:
        with closing(self._connect()) as conn, conn:
            return conn.execute(sql, args).rowcount

    def _read_one(self, sql: str, args: tuple = ()) -> Optional[tuple]:
        with closing(self._connect()) as conn:
            return conn.execute(sql, args).fetchone()

    # --- delivery ids ------------------------------------------------------
    def claim_message(self, message_id: str) -> bool:
        """True the first time a message id is seen; False for a repeated delivery.
        Atomic, so two deliveries racing each other cannot both win."""
        return self._write("INSERT OR IGNORE INTO seen_messages VALUES (?, ?)", (message_id, time.time())) == 1

    # --- phone numbers -----------------------------------------------------
    def remember_number(self, sender_id: str, number: str) -> None:
        self._write(
            "INSERT INTO senders VALUES (?, ?, ?) ON CONFLICT(sender_id) DO UPDATE SET number = excluded.number, "
            "updated_at = excluded.updated_at",
            (sender_id, number, time.time()),
        )

    def number_for(self, sender_id: str) -> Optional[str]:
        row = self._read_one("SELECT number FROM senders WHERE sender_id = ?", (sender_id,))
        return row[0] if row else None

    def forget_sender(self, sender_id: str) -> None:
        """Deletes the number, the options and the kept text (the opt-out stays)."""
        with closing(self._connect()) as conn, conn:
            for table in ("senders", "last_options", "pending_text"):
                conn.execute(f"DELETE FROM {table} WHERE sender_id = ?", (sender_id,))

    def idle_senders(self, older_than: float) -> List[str]:
        """Senders whose number was last used before `older_than` (epoch seconds)."""
        with closing(self._connect()) as conn:
            return [row[0] for row in conn.execute("SELECT sender_id FROM senders WHERE updated_at < ?", (older_than,))]

    # --- opt-out -----------------------------------------------------------
    def opt_out(self, sender_id: str) -> None:
        self._write("INSERT OR REPLACE INTO opt_outs VALUES (?, ?)", (sender_id, time.time()))

    def opt_in(self, sender_id: str) -> bool:
        """Removes an opt-out; True when there was one."""
        return self._write("DELETE FROM opt_outs WHERE sender_id = ?", (sender_id,)) == 1

    def is_opted_out(self, sender_id: str) -> bool:
        return self._read_one("SELECT 1 FROM opt_outs WHERE sender_id = ?", (sender_id,)) is not None

    # --- options offered last ------------------------------------------------
    def set_options(self, sender_id: str, options: List[Option]) -> None:
        """Replaces the options; an empty list clears them (a later "1" is plain text)."""
        if not options:
            self._write("DELETE FROM last_options WHERE sender_id = ?", (sender_id,))
            return
        data = json.dumps([o.to_dict() for o in options], ensure_ascii=False)
        self._write("INSERT OR REPLACE INTO last_options VALUES (?, ?, ?)", (sender_id, data, time.time()))

    def options_for(self, sender_id: str) -> List[Option]:
        row = self._read_one("SELECT options FROM last_options WHERE sender_id = ?", (sender_id,))
        return [Option.from_dict(o) for o in json.loads(row[0])] if row else []

    # --- text kept for MERE --------------------------------------------------
    def set_pending(self, sender_id: str, text: str) -> None:
        """Keeps the rest of a long answer; "" clears it."""
        if not text:
            self._write("DELETE FROM pending_text WHERE sender_id = ?", (sender_id,))
            return
        self._write("INSERT OR REPLACE INTO pending_text VALUES (?, ?, ?)", (sender_id, text, time.time()))

    def take_pending(self, sender_id: str) -> str:
        """The kept text ("" when none), removed in the same transaction."""
        with closing(self._connect()) as conn, conn:
            row = conn.execute("DELETE FROM pending_text WHERE sender_id = ? RETURNING text", (sender_id,)).fetchone()
        return row[0] if row else ""
