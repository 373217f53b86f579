"""Read and delete conversations in Rasa's SQL tracker store (table `events`).

Used by the staff desk (transcripts, hand-off requests, retention) and by the Rasa side
(erasing a conversation with the tracker store's own engine), so it imports nothing
from Django. Works before Rasa has created the table: every read is then empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple, Union

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.privacy import mask_cpr

HANDOFF_SLOT = "handoff_request"
BUTTON_CHOSEN = "(valgte en knap)"

_metadata = sa.MetaData()
# The columns of rasa.core.tracker_store.SQLTrackerStore.SQLEvent that we read.
EVENTS = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

# "Slet mine data" leaves only this: which conversation was erased and when, so the staff
# desk can delete its own copies (cases, notes) even if the user writes again at once and
# the conversation id exists anew. The desk deletes the row once it has done so.
ERASURES = sa.Table(
    "vejviser_erasures",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("erased_at", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class TranscriptLine:
    """One line as staff see it: who ('user', 'bot' or 'staff'), the text, when."""

    kind: str
    text: str
    at: Optional[datetime]
    buttons: List[str] = field(default_factory=list)
    staff_name: Optional[str] = None


def make_engine(url: str) -> Engine:
    """An engine for a tracker store URL; SQLite gets a busy timeout (Rasa writes at the same time)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})
    return sa.create_engine(url, pool_pre_ping=True)


def _moment(timestamp: Optional[float]) -> Optional[datetime]:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc) if timestamp is not None else None


def _data(raw: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _masked(text: Any) -> str:
    return mask_cpr(text)[0] if isinstance(text, str) else ""


class ConversationStore:
    """The tracker store's events, by conversation (Rasa's sender id)."""

    def __init__(self, url_or_engine: Union[str, Engine]) -> None:
        self.engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        self._table_seen = False

    def table_exists(self) -> bool:
        """True once Rasa has created the events table (checked until it has)."""
        if not self._table_seen:
            self._table_seen = sa.inspect(self.engine).has_table(EVENTS.name)
        return self._table_seen

    def _rows(self, query: sa.sql.Select) -> List[Any]:
        if not self.table_exists():
            return []
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    # --- one conversation ------------------------------------------------------
    def events(self, sender_id: str) -> List[Dict[str, Any]]:
        """Every event of the conversation, oldest first: id, type, timestamp, data."""
        query = (
            sa.select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        )
        return [{"id": r.id, "type": r.type_name, "timestamp": r.timestamp, "data": _data(r.data)} for r in self._rows(query)]

    def transcript(self, sender_id: str) -> List[TranscriptLine]:
        """What the user, the bot and staff wrote, CPR numbers masked. A button press
        (a payload such as "/affirm") is shown as the button's title."""
        lines: List[TranscriptLine] = []
        offered: Dict[str, str] = {}
        for event in self.events(sender_id):
            data, at = event["data"], _moment(event["timestamp"])
            if event["type"] == "user":
                text = data.get("text") or ""
                if isinstance(text, str) and text.startswith("/"):
                    text = offered.get(text, BUTTON_CHOSEN)
                lines.append(TranscriptLine("user", _masked(text), at))
            elif event["type"] == "bot":
                buttons = [b for b in ((data.get("data") or {}).get("buttons") or []) if isinstance(b, dict)]
                text = _masked(data.get("text"))
                if not text and not buttons:
                    continue
                titles = [_masked(str(b.get("title") or "")) for b in buttons]
                offered = {str(b.get("payload")): title for b, title in zip(buttons, titles, strict=True) if b.get("payload")}
                metadata = data.get("metadata") or {}
                if metadata.get("staff"):
                    lines.append(TranscriptLine("staff", text, at, titles, str(metadata.get("staff_name") or "") or None))
                else:
                    lines.append(TranscriptLine("bot", text, at, titles))
        return lines

    def slots(self, sender_id: str) -> Dict[str, Any]:
        """The latest value of every slot set in the conversation."""
        query = (
            sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "slot").order_by(EVENTS.c.id)
        )
        values: Dict[str, Any] = {}
        for row in self._rows(query):
            data = _data(row.data)
            if data.get("name"):
                values[data["name"]] = data.get("value")
        return values

    def intents(self, sender_id: str) -> List[str]:
        """The intents the user's messages were read as, first occurrence order, no repeats."""
        query = (
            sa.select(EVENTS.c.intent_name)
            .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user", EVENTS.c.intent_name.isnot(None))
            .order_by(EVENTS.c.id)
        )
        return list(dict.fromkeys(row.intent_name for row in self._rows(query)))

    def last_activity(self, sender_id: str) -> Optional[datetime]:
        query = sa.select(sa.func.max(EVENTS.c.timestamp)).where(EVENTS.c.sender_id == sender_id)
        rows = self._rows(query)
        return _moment(rows[0][0]) if rows else None

    def exists(self, sender_id: str) -> bool:
        query = sa.select(EVENTS.c.id).where(EVENTS.c.sender_id == sender_id).limit(1)
        return bool(self._rows(query))

    def delete(self, sender_id: str) -> int:
        """Deletes every event of the conversation; returns how many rows went."""
        if not self.table_exists():
            return 0
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount

    # --- erasures ("slet mine data") ------------------------------------------
    def create_erasure_table(self) -> None:
        ERASURES.create(self.engine, checkfirst=True)

    def erase(self, sender_id: str, at: float) -> int:
        """ "Slet mine data": deletes the conversation and, in the same transaction, records
        that it was erased (for the desk). Returns how many events went."""
        self.create_erasure_table()
        with self.engine.begin() as conn:
            conn.execute(sa.insert(ERASURES).values(sender_id=sender_id, erased_at=at))
            return conn.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount

    def erasures(self) -> List[Tuple[int, str, datetime]]:
        """(row id, conversation id, when) of erasures the desk has not handled yet."""
        if not sa.inspect(self.engine).has_table(ERASURES.name):
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(ERASURES).order_by(ERASURES.c.id))
            return [(row.id, row.sender_id, datetime.fromtimestamp(row.erased_at, tz=timezone.utc)) for row in rows]

    def forget_erasure(self, erasure_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(ERASURES).where(ERASURES.c.id == erasure_id))

    # --- across conversations --------------------------------------------------
    def handoff_requests(self, after_id: int = 0) -> List[Tuple[int, str, Dict[str, Any]]]:
        """(event id, conversation id, value) of every hand-off request set after `after_id`."""
        query = (
            sa.select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.data)
            .where(EVENTS.c.id > after_id, EVENTS.c.type_name == "slot", EVENTS.c.action_name == HANDOFF_SLOT)
            .order_by(EVENTS.c.id)
        )
        found = []
        for row in self._rows(query):
            value = _data(row.data).get("value")
            if isinstance(value, dict) and value.get("id"):
                found.append((row.id, row.sender_id, value))
        return found

    def max_event_id(self) -> int:
        rows = self._rows(sa.select(sa.func.max(EVENTS.c.id)))
        return int(rows[0][0] or 0) if rows else 0

    def idle_conversations(self, older_than: datetime, keep: Iterable[str] = ()) -> List[str]:
        """Conversations whose last event is before `older_than`, except those in `keep`."""
        keep_set: Set[str] = set(keep)
        last = sa.func.max(EVENTS.c.timestamp)
        query = sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(last < older_than.timestamp())
        return [row.sender_id for row in self._rows(query) if row.sender_id not in keep_set]
