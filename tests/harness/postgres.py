"""A real PostgreSQL for tests: one throw-away cluster per test session.

Use it with `from tests.harness.postgres import postgres  # noqa: F401`; give each test its
own database (`postgres.create_database(fresh_name())`) so tests do not see each other's rows.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from bot.launch.production.postgres import LocalPostgres
from tests.harness.services import free_port


def fresh_name(prefix: str = "t") -> str:
    """A database name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


@contextmanager
def cluster_dir() -> Iterator[Path]:
    """A fresh folder for a cluster, deleted afterwards. Not under pytest's tmp_path: as root the
    server runs as `postgres`, and every pytest session that starts (also another one on the
    machine) resets /tmp/pytest-of-<user> to 0700, which would lock the server's user out of its
    socket and data directory halfway through our session."""
    base = Path(tempfile.mkdtemp(prefix="vejviser-pg-"))
    base.chmod(0o711)  # enter, not list
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    with cluster_dir() as base:
        server = LocalPostgres(base / "data", free_port(), uuid.uuid4().hex, log_file=base / "postgres.log", durable=False)
        server.start()
        try:
            yield server
        finally:
            server.stop()
