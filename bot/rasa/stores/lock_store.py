"""Rasa's Redis lock store made safe for several Rasa processes.

Rasa's RedisLockStore reads a conversation's ticket lock, changes it in Python and writes
it back: two processes taking a ticket at the same moment can both get ticket 0 and then
process the same user's messages at the same time (and a finished ticket can be written
back over a new one). Here every change is one Redis transaction (WATCH/MULTI), retried
when another process changed the lock in between.

Also: a waiting message looks again every 50 ms instead of every second (a user's second
message no longer waits a whole second), and a Redis restart is bridged by retrying for a
few seconds instead of failing the turn.

Named in the production endpoints file as `type: bot.rasa.stores.lock_store.VejviserRedisLockStore`
(same keys as Rasa's `redis` type).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Optional, Text, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_SECONDS = 4.0
POLL_SECONDS = 0.05
CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class VejviserRedisLockStore(RedisLockStore):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, retry_seconds: float = RETRY_SECONDS, **kwargs: Any
    ) -> None:
        # Rasa builds a custom lock store from its endpoint config alone.
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            retry_seconds = float(kwargs.pop("retry_seconds", retry_seconds))
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)
        self.retry_seconds = float(retry_seconds)

    def _retrying(self, operation: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.1
        while True:
            try:
                return operation()
            except CONNECTION_ERRORS as exc:
                if time.monotonic() >= deadline:
                    raise
                log.warning("lock store: Redis unavailable (%s), trying again", type(exc).__name__)
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def _transact(self, conversation_id: Text, change: Callable[[TicketLock], T], create: bool = True) -> Optional[T]:
        """Applies `change` to the stored lock atomically; deletes the lock when nobody
        holds or waits for a ticket any more. None when there is no lock and `create` is off."""
        key = self.key_prefix + conversation_id

        def attempt() -> Optional[T]:
            with self.red.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        raw = pipe.get(key)
                        if raw:
                            lock = TicketLock.from_dict(json.loads(raw))
                        elif create:
                            lock = TicketLock(conversation_id)
                        else:
                            pipe.unwatch()
                            return None
                        result = change(lock)
                        pipe.multi()
                        if lock.is_someone_waiting():
                            pipe.set(key, lock.dumps())
                        else:
                            pipe.delete(key)
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue  # another process changed the lock: read it again

        return self._retrying(attempt)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket = self._transact(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as exc:
            raise LockError(f"Error while acquiring lock: {type(exc).__name__}") from exc
        assert ticket is not None
        return ticket

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raw = self._retrying(lambda: self.red.get(self.key_prefix + conversation_id))
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def update_lock(self, conversation_id: Text) -> None:
        self._transact(conversation_id, lambda lock: lock.remove_expired_tickets(), create=False)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._transact(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), create=False)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # One transaction: removing the ticket deletes the lock when nobody else waits.
        self.finish_serving(conversation_id, ticket_number)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        return await super()._acquire_lock(conversation_id, ticket, min(wait_time_in_seconds, POLL_SECONDS))
