"""Where a small store keeps its rows: a SQLite file (the embedded default) or a server
database given as a URL (PostgreSQL in the production profile, shared by processes).

Shared by the SMS store (bot/core/stores/sms.py) and the booking outbox (bot/core/booking/outbox.py).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

SUPPORTED_URL = re.compile(r"^(sqlite|postgres|postgresql)(\+\w+)?://", re.IGNORECASE)
ANY_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)  # so mysql://… is refused, not taken for a file name

_server_engines: Dict[str, Engine] = {}
_server_engines_lock = threading.Lock()


def is_url(location: str | Path) -> bool:
    """True for a SQLAlchemy URL of a database we support (sqlite:///…, postgresql://…)."""
    return isinstance(location, str) and bool(SUPPORTED_URL.match(location))


def parse_location(location: str | Path) -> URL:
    """A file path or URL as a SQLAlchemy URL; refuses in-memory SQLite (it would vanish
    between calls)."""
    if isinstance(location, str) and ANY_URL.match(location):
        url = make_url(location)
        if url.get_backend_name() == "postgres":  # Heroku-style name, gone from SQLAlchemy 1.4
            url = url.set(drivername=url.drivername.replace("postgres", "postgresql", 1))
    else:
        url = URL.create("sqlite", database=str(location))
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("a SQLite store needs a file (an in-memory database would vanish between calls)")
    return url


def sqlite_path(url: URL) -> Optional[Path]:
    """The SQLite file of `url`; None for a server database."""
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def for_logs(url: URL) -> str:
    """The file or the URL without its password."""
    return url.render_as_string(hide_password=True)


def engine_for(url: URL, what: str, sqlite_timeout: float = 10, sqlite_pragmas: Sequence[str] = ()) -> Engine:
    """SQLite: a connection per call (no pool; the busy timeout lets writers queue). A server
    database: one pooled engine per URL in the process, connections tested before use (a
    database restart must not fail the next call)."""
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url, future=True, poolclass=NullPool, connect_args={"timeout": sqlite_timeout, "check_same_thread": False}
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            for pragma in sqlite_pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        return engine
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"{what}: unsupported database {url.get_backend_name()!r} (use sqlite or postgresql)")
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg2")
    key = url.render_as_string(hide_password=False)
    with _server_engines_lock:
        if key not in _server_engines:
            _server_engines[key] = sa.create_engine(url, future=True, pool_pre_ping=True)
        return _server_engines[key]
