"""The SMS store and the booking outbox on SQLite (the default) and on a real PostgreSQL
(the production profile: two Rasa processes and two action servers share them), and the
local PostgreSQL server itself."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
import sqlalchemy as sa

from bot.core.booking.outbox import CANCELLATION, CONTACT_REQUEST, ERASURE, MAX_BACKOFF_SECONDS, Outbox
from bot.core.stores import location as store_location
from bot.core.stores.sms import SEEN_KEEP_SECONDS, SmsStore
from bot.launch.production.postgres import LocalPostgres
from bot.rasa.channels.sms.replies import Option
from bot.rasa.channels.sms.settings import SmsSettings
from tests.harness.postgres import cluster_dir, fresh_name, postgres  # noqa: F401
from tests.harness.services import BIN, ROOT, base_env, free_port

NUMBER = "+4520304050"


def _forget_engines(url: str) -> None:
    """Closes the pooled connections of a test's database (each test has its own)."""
    cache = store_location._server_engines
    for key in [k for k in cache if k.endswith("/" + url.rsplit("/", 1)[1])]:
        cache.pop(key).dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a store keeps its data: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "stores.db")
        return
    url = request.getfixturevalue("postgres").create_database(fresh_name())
    yield url
    _forget_engines(url)


def in_threads(count: int, work: Callable[[int], object]) -> List[object]:
    """Runs work(i) in `count` threads released at the same moment; returns the results by i."""
    barrier = threading.Barrier(count)
    results: List[object] = [None] * count
    errors: List[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as error:  # noqa: B036 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


# --- the SMS store ---------------------------------------------------------------------------------


def test_sms_a_message_id_is_claimed_once_also_by_another_instance(location):
    assert SmsStore(location).claim_message("SM1")
    assert not SmsStore(location).claim_message("SM1")
    assert SmsStore(location).claim_message("SM2")


def test_sms_claim_is_atomic_when_threads_race_on_a_fresh_store(location):
    # Eight stores opened at once: they also create the tables at the same time.
    stores = [SmsStore(location) for _ in range(8)]
    ids = [f"SM{n}" for n in range(25)]
    won = in_threads(8, lambda i: [message for message in ids if stores[i].claim_message(message)])
    assert sorted(m for found in won for m in found) == sorted(ids)  # every id won exactly once


CLAIMER = """
import json, sys, time
from pathlib import Path
from bot.core.stores.sms import SmsStore
store, go, count = SmsStore(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
print(json.dumps([n for n in range(count) if store.claim_message(f"SM{n}")]), flush=True)
"""


def test_sms_claim_is_atomic_across_processes(location, tmp_path):
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [str(BIN / "python"), "-c", CLAIMER, location, str(go), "300"],
            cwd=ROOT,
            env=base_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        go.touch()  # both start claiming (and creating the tables) at once
        won = [json.loads(process.stdout.readline()) for process in processes]
    finally:
        for process in processes:
            process.wait(60)
    assert sorted(won[0] + won[1]) == list(range(300))
    assert all(process.returncode == 0 for process in processes)


def test_sms_state_per_sender(location):
    store = SmsStore(location)
    store.remember_number("sms-a", NUMBER)
    store.remember_number("sms-a", "+4511223344")  # the upsert keeps one row with the newest number
    store.set_options("sms-a", [Option("Ja, tak", "/affirm"), Option("Nej", "/deny")])
    store.set_options("sms-a", [Option("Æbler og øl", "/inform")])
    store.set_pending("sms-a", "resten: æøå")
    assert store.number_for("sms-a") == "+4511223344" and store.number_for("sms-b") is None
    assert store.options_for("sms-a") == [Option("Æbler og øl", "/inform")]
    assert store.take_pending("sms-a") == "resten: æøå" and store.take_pending("sms-a") == ""
    store.set_pending("sms-a", "igen")
    store.set_pending("sms-a", "")
    assert store.take_pending("sms-a") == ""
    store.set_options("sms-a", [])
    assert store.options_for("sms-a") == []

    store.opt_out("sms-a")
    store.opt_out("sms-a")  # twice is fine
    assert store.is_opted_out("sms-a") and not store.is_opted_out("sms-b")
    assert store.opt_in("sms-a") and not store.is_opted_out("sms-a") and not store.opt_in("sms-a")


def test_sms_kept_text_goes_to_one_taker_only(location):
    store = SmsStore(location)
    store.set_pending("sms-a", "resten")
    taken = in_threads(8, lambda _: SmsStore(location).take_pending("sms-a"))
    assert sorted(taken) == [""] * 7 + ["resten"]


def test_sms_forget_sender_and_idle_senders(location):
    store = SmsStore(location)
    for sender in ("sms-old", "sms-new"):
        store.remember_number(sender, NUMBER)
        store.set_options(sender, [Option("Ja", "/affirm")])
        store.set_pending(sender, "resten")
    store.opt_out("sms-old")
    month_ago = time.time() - 30 * 24 * 3600
    with store._engine.begin() as conn:
        conn.execute(sa.text("UPDATE senders SET updated_at = :at WHERE sender_id = 'sms-old'"), {"at": month_ago})

    assert store.idle_senders(time.time() - 3600) == ["sms-old"]
    assert sorted(store.idle_senders(time.time() + 1)) == ["sms-new", "sms-old"]
    store.forget_sender("sms-old")
    assert store.number_for("sms-old") is None and store.options_for("sms-old") == []
    assert store.take_pending("sms-old") == ""
    assert store.is_opted_out("sms-old")  # the opt-out stays
    assert store.number_for("sms-new") == NUMBER and store.idle_senders(time.time() + 1) == ["sms-new"]


def test_sms_times_keep_their_seconds(location):
    # PostgreSQL's REAL would round epoch seconds to whole minutes (or worse).
    store = SmsStore(location)
    before = time.time()
    store.remember_number("sms-a", NUMBER)
    with store._engine.begin() as conn:
        (updated,) = conn.execute(sa.text("SELECT updated_at FROM senders")).one()
    assert before - 0.01 <= updated <= time.time() + 0.01


def test_sms_old_message_ids_are_dropped_when_a_store_opens(location):
    store = SmsStore(location)
    assert store.claim_message("SM-new")
    with store._engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO seen_messages (message_id, seen_at) VALUES ('SM-old', :at)"),
            {"at": time.time() - SEEN_KEEP_SECONDS - 60},
        )
    again = SmsStore(location)
    assert not again.claim_message("SM-new") and again.claim_message("SM-old")


def test_sms_store_by_path_url_or_from_url(tmp_path):
    by_path = SmsStore(tmp_path / "a" / "sms.db")
    assert by_path.dialect == "sqlite" and by_path.path == tmp_path / "a" / "sms.db" and not by_path.exists()
    assert by_path.claim_message("SM1") and by_path.exists()
    by_url = SmsStore.from_url(f"sqlite:///{tmp_path / 'a' / 'sms.db'}")
    assert not by_url.claim_message("SM1")
    old_name = SmsStore("postgres://u:secret@127.0.0.1:1/x")  # the old scheme name, as some hosts write it
    assert old_name.dialect == "postgresql" and old_name.path is None and "secret" not in old_name.location
    with pytest.raises(ValueError):
        SmsStore.from_url(str(tmp_path / "sms.db"))
    for wrong in ("mysql://u:p@127.0.0.1/x", "sqlite://"):  # refused, not taken for a file name or lost in memory
        with pytest.raises(ValueError):
            SmsStore(wrong)
        with pytest.raises(ValueError):
            Outbox(wrong)


def test_sms_settings_choose_the_url_over_the_file(postgres):  # noqa: F811
    from bot.rasa.channels.sms.channel import build_service

    url = postgres.create_database(fresh_name())
    env = {
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "SMS_SENDER_KEY": "k" * 32,
        "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_FROM_NUMBER": "+4570000000",
        "SMS_STORE_PATH": "var/elsewhere.db",
        "SMS_STORE_URL": url,
    }
    settings = SmsSettings.load(env)
    assert settings.store_url == url and settings.problems() == []
    assert url not in repr(settings)  # it holds the database password
    store = build_service(settings).store
    assert store.dialect == "postgresql" and store.claim_message("SM1")
    assert not SmsStore(url).claim_message("SM1")
    assert SmsSettings.load({**env, "SMS_STORE_URL": "var/x.db"}).problems() == [
        "SMS_STORE_URL must be a sqlite:/// or postgresql:// URL"
    ]
    assert build_service(SmsSettings.load({**env, "SMS_STORE_URL": ""})).store.path == Path("var/elsewhere.db")
    _forget_engines(url)


def test_desk_retention_forgets_numbers_in_the_shared_store(postgres):  # noqa: F811
    from tests.harness.desk import start_desk_django

    start_desk_django()  # the retention module imports the desk's models
    from datetime import datetime, timedelta, timezone

    from bot.services.desk.cases.retention import forget_sms_numbers
    from bot.services.desk.config import DeskConfig

    url = postgres.create_database(fresh_name())
    store = SmsStore(url)
    for sender in ("gone", "idle", "case", "fresh"):
        store.remember_number(sender, NUMBER)
    with store._engine.begin() as conn:
        conn.execute(sa.text("UPDATE senders SET updated_at = 0 WHERE sender_id IN ('idle', 'case')"))
    cutoff = datetime.now(timezone.utc) - timedelta(days=30)
    assert forget_sms_numbers(url, ["gone"], cutoff, keep=["case"]) == 2
    assert [s for s in ("gone", "idle", "case", "fresh") if store.number_for(s)] == ["case", "fresh"]

    env = {"DESK_SECRET_KEY": "s" * 40, "DESK_RASA_TOKEN": "r" * 30, "SMS_STORE_URL": url}
    config = DeskConfig.from_env(env)
    assert config.sms_store_url == url and url not in repr(config)
    relative = DeskConfig.from_env({**env, "SMS_STORE_URL": "sqlite:///var/sms.db"}).sms_store_url
    assert relative == f"sqlite:///{ROOT / 'var' / 'sms.db'}"
    assert DeskConfig.from_env({**env, "SMS_STORE_URL": ""}).sms_store_url == ""
    _forget_engines(url)


# --- the booking outbox ------------------------------------------------------------------------------


def test_outbox_puts_once_and_hands_out_due_entries_in_order(location):
    clock = FakeClock()
    outbox = Outbox(location, clock=clock)
    outbox.put("k1", CONTACT_REQUEST, {"conversation_id": "c1", "first_name": "Søren"})
    clock.now += 1
    outbox.put("k2", CANCELLATION, {"code": "K7MQ4X"})
    outbox.put("k1", CONTACT_REQUEST, {"conversation_id": "other"})  # a repeated put keeps the first
    due = outbox.due()
    assert [(e.key, e.kind, e.payload, e.attempts) for e in due] == [
        ("k1", CONTACT_REQUEST, {"conversation_id": "c1", "first_name": "Søren"}, 0),
        ("k2", CANCELLATION, {"code": "K7MQ4X"}, 0),
    ]
    assert [e.key for e in outbox.due(limit=1)] == ["k1"]
    assert outbox.counts() == (2, 0)
    outbox.delivered("k1")
    assert [e.key for e in Outbox(location, clock=clock).due()] == ["k2"]  # another process sees the same
    assert outbox.counts() == (1, 0)


def test_outbox_backs_off_and_keeps_refused_entries_dead(location):
    clock = FakeClock()
    outbox = Outbox(location, clock=clock)
    outbox.put("k1", CONTACT_REQUEST, {"conversation_id": "c1"})
    outbox.put("k2", CANCELLATION, {"code": "K7MQ4X"})
    for pause in (5, 10, 20, 40, 80, 160, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS):  # doubling, then capped
        outbox.failed("k1", "service down " * 30)
        clock.now += pause - 0.5
        assert [e.key for e in outbox.due()] == ["k2"]
        clock.now += 0.5
        assert [e.key for e in outbox.due()] == ["k1", "k2"]
    assert [e.attempts for e in outbox.due() if e.key == "k1"] == [8]
    with outbox._engine.begin() as conn:
        (error,) = conn.execute(sa.text("SELECT last_error FROM outbox WHERE key = 'k1'")).one()
    assert len(error) == 200

    outbox.failed("k2", "refused", permanent=True)
    clock.now += 10 * MAX_BACKOFF_SECONDS
    assert [e.key for e in outbox.due()] == ["k1"] and outbox.counts() == (1, 1)
    outbox.failed("unknown-key", "nothing to update")  # no row: no error
    assert outbox.counts() == (1, 1)


def test_outbox_forgets_a_conversations_entries_but_not_its_erasure(location):
    outbox = Outbox(location)
    outbox.put("contact-c1", CONTACT_REQUEST, {"conversation_id": "c1", "phone": NUMBER})
    outbox.put("contact-c1-dead", CONTACT_REQUEST, {"conversation_id": "c1", "phone": NUMBER})
    outbox.failed("contact-c1-dead", "refused", permanent=True)
    outbox.put("erase-c1", ERASURE, {"conversation_id": "c1"})
    outbox.put("contact-c2", CONTACT_REQUEST, {"conversation_id": "c2", "phone": NUMBER})
    outbox.put("cancel", CANCELLATION, {"code": "K7MQ4X"})
    assert outbox.forget_conversation("c1") == 2
    assert outbox.forget_conversation("c1") == 0
    assert sorted(e.key for e in outbox.due()) == ["cancel", "contact-c2", "erase-c1"]
    assert outbox.counts() == (3, 0)


def test_outbox_puts_racing_on_one_key_store_it_once(location):
    outboxes = [Outbox(location) for _ in range(8)]
    in_threads(8, lambda i: outboxes[i].put("same-key", CONTACT_REQUEST, {"conversation_id": f"c{i}"}))
    assert len(outboxes[0].due()) == 1 and outboxes[0].counts() == (1, 0)


def test_outbox_location_from_arguments_and_environment(location, tmp_path, monkeypatch):
    url = location if "://" in location else f"sqlite:///{location}"
    monkeypatch.setenv("BOOKING_OUTBOX_PATH", str(tmp_path / "from-path.db"))
    monkeypatch.setenv("BOOKING_OUTBOX_URL", url)
    Outbox.shared.cache_clear()
    try:
        shared = Outbox.shared()
        assert shared is Outbox.shared()
        shared.put("k1", ERASURE, {"conversation_id": "c1"})
        assert [e.key for e in Outbox.from_url(url).due()] == ["k1"]
        assert [e.key for e in Outbox(url=url).due()] == ["k1"]
        assert Outbox(tmp_path / "explicit.db").due() == []  # an explicit file wins over the environment
        monkeypatch.delenv("BOOKING_OUTBOX_URL")
        assert Outbox().path == tmp_path / "from-path.db" and Outbox().due() == []
    finally:
        Outbox.shared.cache_clear()


def test_an_outbox_file_from_before_keeps_working(tmp_path):
    import sqlite3

    path = tmp_path / "outbox.db"
    with sqlite3.connect(path) as db:  # the table as the earlier version made it, with a waiting entry
        db.execute(
            "CREATE TABLE outbox (key TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL,"
            " created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,"
            " dead INTEGER NOT NULL DEFAULT 0, last_error TEXT)"
        )
        db.execute(
            "INSERT INTO outbox (key, kind, payload, created_at, next_attempt_at) VALUES ('k0', 'erasure', ?, 1, 1)",
            (json.dumps({"conversation_id": "c0"}),),
        )
    outbox = Outbox(path)
    assert [e.key for e in outbox.due()] == ["k0"] and outbox.forget_conversation("c0") == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- the local PostgreSQL ------------------------------------------------------------------------------


def test_a_restart_keeps_the_data_and_the_stores_reconnect(postgres):  # noqa: F811
    url = postgres.create_database(fresh_name())
    sms, outbox = SmsStore(url), Outbox(url)
    assert sms.claim_message("SM1")
    sms.remember_number("sms-a", NUMBER)
    outbox.put("k1", ERASURE, {"conversation_id": "c1"})
    before = postgres.pid
    postgres.restart()
    assert postgres.pid not in (None, before)
    # The same objects, whose pooled connections the restart closed: checked before use.
    assert not sms.claim_message("SM1") and sms.number_for("sms-a") == NUMBER
    assert [e.key for e in outbox.due()] == ["k1"]
    assert postgres.create_database(url.rsplit("/", 1)[1]) == url  # idempotent
    _forget_engines(url)


@pytest.fixture
def cluster_base() -> Iterator[Path]:
    with cluster_dir() as base:
        yield base


def test_local_postgres_lifecycle(cluster_base):
    base = cluster_base
    server = LocalPostgres(base / "data", free_port(), "hemmeligt ord: 'æ'", user="vejviser_test", log_file=base / "pg.log")
    assert server.pid is None
    server.start()
    try:
        server.start()  # already running: fine
        url = server.create_database("vejviser")
        assert url == server.url("vejviser") and server.create_database("vejviser") == url
        engine = sa.create_engine(url, future=True)
        with engine.begin() as conn:
            settings = {
                name: conn.execute(sa.text(f"SHOW {name}")).scalar_one()
                for name in ("listen_addresses", "port", "fsync", "max_connections", "shared_buffers")
            }
            assert conn.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one() is False
            conn.execute(sa.text("CREATE TABLE kept (value TEXT)"))
            conn.execute(sa.text("INSERT INTO kept VALUES ('æøå')"))
        engine.dispose()
        assert settings == {
            "listen_addresses": "127.0.0.1",
            "port": str(server.port),
            "fsync": "on",
            "max_connections": "200",
            "shared_buffers": "128MB",
        }
        for wrong in (url.replace("vejviser_test:", "vejviser_test:x"), url.replace(url.split("@")[0], "postgresql://postgres")):
            with pytest.raises(sa.exc.OperationalError, match="password authentication failed|no password supplied"):
                sa.create_engine(wrong, future=True).connect()
        info = (base / "data").stat()
        assert stat.S_IMODE(info.st_mode) == 0o700
        if os.geteuid() == 0:
            assert info.st_uid != 0  # the server's own user
        assert len(str(server.socket_dir)) < 90

        server.stop()
        assert server.pid is None
        server.stop()  # not running: nothing to do
        server.start()
        engine = sa.create_engine(url, future=True)
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT value FROM kept")).scalar_one() == "æøå"
        engine.dispose()
        if os.geteuid() == 0:
            base.chmod(0o700)  # the server's user is locked out of its folder: stop() still works
            server.stop()
            assert server.pid is None
    finally:
        base.chmod(0o711)
        server.stop()
    assert "database system is shut down" in (base / "pg.log").read_text(encoding="utf-8")


def test_local_postgres_explains_an_unreachable_directory(cluster_base):
    if os.geteuid() != 0:
        pytest.skip("only root hands the cluster to the postgres user")
    closed = cluster_base / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    with pytest.raises(RuntimeError, match=re.escape(f"{closed} is not traversable")):
        LocalPostgres(closed / "pg" / "data", free_port(), "x").start()
