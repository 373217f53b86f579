"""The Redis lock store shared by several Rasa processes (bot/rasa/stores/lock_store.py), against a real
redis-server started for the test: tickets are unique when processes take them at once,
a user's turns run one at a time in ticket order, and a Redis restart is bridged."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import redis

from bot.rasa.stores.lock_store import VejviserRedisLockStore
from tests.harness.services import free_port

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs Debian's redis-server (make services)")


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def server(tmp_path) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path)
    running.start()
    yield running
    running.stop()


def store(server: RedisServer) -> VejviserRedisLockStore:
    return VejviserRedisLockStore(host="127.0.0.1", port=server.port, key_prefix="test")


def test_tickets_taken_at_once_by_many_processes_are_all_different(server):
    stores = [store(server) for _ in range(8)]  # as many processes, each with its own connection
    tickets: List[int] = []
    guard = threading.Lock()
    start = threading.Barrier(len(stores))

    def take(lock_store: VejviserRedisLockStore) -> None:
        start.wait()
        for _ in range(25):
            ticket = lock_store.issue_ticket("conversation-1")
            with guard:
                tickets.append(ticket)

    threads = [threading.Thread(target=take, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(200))


async def test_turns_of_one_conversation_run_one_at_a_time_in_ticket_order(server):
    stores = [store(server), store(server)]
    running: List[int] = []
    order: List[int] = []

    async def turn(number: int) -> None:
        async with stores[number % 2].lock("conversation-2"):
            running.append(number)
            assert len(running) == 1, "two turns of one conversation at once"
            order.append(number)
            await asyncio.sleep(0.02)
            running.remove(number)

    tasks = []
    for number in range(12):
        tasks.append(asyncio.create_task(turn(number)))
        await asyncio.sleep(0.005)  # taken in this order
    await asyncio.gather(*tasks)
    assert order == list(range(12))
    assert stores[0].get_lock("conversation-2") is None, "the lock is gone when nobody waits"


def test_a_redis_restart_is_bridged(server):
    lock_store = store(server)
    lock_store.issue_ticket("conversation-3")
    server.stop()
    restarter = threading.Timer(0.8, server.start)
    restarter.start()
    began = time.monotonic()
    assert lock_store.issue_ticket("conversation-4") == 0  # waited for Redis instead of failing
    assert time.monotonic() - began < 4
    restarter.join()
