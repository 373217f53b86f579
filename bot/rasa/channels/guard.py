"""What every user-facing channel checks before a message reaches Rasa.

- Length: a message over MAX_MESSAGE_CHARS is answered kindly and not processed (the
  NLU and the tracker store never see 10,000 characters).
- Rate: at most RATE_LIMIT_MESSAGES per sender within RATE_LIMIT_WINDOW_SECONDS.
- Rasa's slash syntax: a text starting with "/" is read by Rasa as an intent with
  entities, skipping the NLU ("/inform{"age_band": "99"}"). Such a text is taken as a
  button press only when it is exactly the payload of a button the bot offered in this
  conversation's current session (or one of the channel's own fixed buttons); anything
  else loses its slashes and goes through the NLU like any text.

The rate counter and the widget's seen message ids are shared by all Rasa processes
through Redis when VEJVISER_REDIS_URL is set (the production profile), and kept in
memory otherwise (the embedded default, one process).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from typing import Any, Collection, Deque, Iterable, Mapping, Optional, Set

from rasa.shared.core.events import BotUttered, SessionStarted

from bot.core.settings import ChannelSettings

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
INTENT_PREFIX = "/"
# Buttons the channels draw themselves, not sent by the bot (the widget's privacy button).
CHANNEL_PAYLOADS = frozenset({"/ask_privacy"})
TOO_LONG_RESPONSE = "utter_message_too_long"
SLOW_DOWN_RESPONSE = "utter_slow_down"
FAILED_RESPONSE = "utter_try_again"
# Shown when the domain cannot be read (never expected in a running server).
TOO_LONG_FALLBACK = "Din besked er for lang. Skriv den kortere, højst 2.000 tegn."
SLOW_DOWN_FALLBACK = "Du har skrevet mange beskeder på kort tid. Vent et øjeblik, og skriv så igen."
FAILED_FALLBACK = "Beklager, der gik noget galt hos os. Prøv at skrive igen om lidt."


def readable(text: str) -> str:
    """The text with lone surrogates (from JSON escapes like "\\ud800") replaced: they cannot be
    encoded as UTF-8, so the NLU and the database would fail on them."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS


def offered_payloads(events: Iterable[Any]) -> Set[str]:
    """Payloads of the buttons the bot sent since the current session started."""
    offered: Set[str] = set()
    for event in events:
        if isinstance(event, SessionStarted):
            offered.clear()
        elif isinstance(event, BotUttered):
            for key in ("buttons", "quick_replies"):
                for button in (event.data or {}).get(key) or []:
                    if isinstance(button, dict) and isinstance(button.get("payload"), str):
                        offered.add(button["payload"].strip())
    return offered


def without_intent_syntax(text: str) -> str:
    """The text with its leading slashes removed, so Rasa reads it as words."""
    plain = text.lstrip(INTENT_PREFIX + " \t\r\n")
    return plain or "?"


def admit(text: str, offered: Collection[str]) -> str:
    """`text` unchanged when it is not a command or it is an offered payload; otherwise
    the words without the command syntax."""
    stripped = text.strip()
    if not stripped.startswith(INTENT_PREFIX):
        return text
    if stripped in offered or stripped in CHANNEL_PAYLOADS:
        return stripped
    log.info("a typed intent command was read as text")  # never the text itself
    return without_intent_syntax(stripped)


async def admit_from_tracker(agent: Any, sender_id: str, text: str) -> str:
    """`admit` against the buttons stored in the sender's conversation. Reads the tracker
    only for texts that start with "/" (button presses): ordinary messages cost nothing."""
    if not text.strip().startswith(INTENT_PREFIX):
        return text
    offered: Set[str] = set()
    store = getattr(agent, "tracker_store", None)
    if store is not None:
        try:
            tracker = await store.retrieve(sender_id)
        except Exception as exc:  # noqa: BLE001 - no stored buttons to check against: read it as text
            log.warning("offered buttons unknown: the tracker store failed (%s)", type(exc).__name__)
            tracker = None
        if tracker is not None:
            offered = offered_payloads(tracker.events)
    return admit(text, offered)


class _MemoryBackend:
    """One process: a sliding window of message times per sender, a bounded set of ids."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self._times: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._seen: "OrderedDict[str, float]" = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, window: float) -> int:
        now = time.monotonic()
        with self._lock:
            times = self._times.pop(key, None) or deque()
            while times and times[0] <= now - window:
                times.popleft()
            times.append(now)
            self._times[key] = times
            while len(self._times) > self._max_keys:
                self._times.popitem(last=False)
            return len(times)

    def first_time(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if key in self._seen and self._seen[key] > now:
                return False
            self._seen[key] = now + ttl
            while len(self._seen) > self._max_keys:
                self._seen.popitem(last=False)
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)


class _RedisBackend:
    """All Rasa processes: counters and ids in Redis. When Redis is unreachable the checks
    let the message through (a lost counter is better than a lost message)."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str, window: float) -> int:
        bucket = int(time.time() // window)
        name = f"vejviser:rate:{key}:{bucket}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, int(window * 2))
            count, _ = pipe.execute()
            return int(count)
        except Exception as exc:  # noqa: BLE001 - any Redis failure: let the message through
            log.warning("rate limit check skipped: Redis unavailable (%s)", type(exc).__name__)
            return 0

    def first_time(self, key: str, ttl: float) -> bool:
        try:
            return bool(self._redis.set(f"vejviser:seen:{key}", b"1", nx=True, ex=int(ttl)))
        except Exception as exc:  # noqa: BLE001
            log.warning("repeat check skipped: Redis unavailable (%s)", type(exc).__name__)
            return True

    def forget(self, key: str) -> None:
        try:
            self._redis.delete(f"vejviser:seen:{key}")
        except Exception as exc:  # noqa: BLE001
            log.warning("repeat id not released: Redis unavailable (%s)", type(exc).__name__)


class SharedLimits:
    """Per-sender rate limit and once-only message ids, in Redis or in memory."""

    def __init__(self, redis_url: Optional[str] = None, messages: int = 30, window_seconds: float = 60) -> None:
        self.backend = _RedisBackend(redis_url) if redis_url else _MemoryBackend()
        self.messages = messages
        self.window = window_seconds

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "SharedLimits":
        read = ChannelSettings.from_env(env)
        return cls(redis_url=read.redis_url, messages=read.rate_limit_messages, window_seconds=read.rate_limit_window_seconds)

    def allow(self, channel: str, sender_id: str) -> bool:
        """Counts a message; False when the sender is over the limit in this window."""
        return self.backend.hit(f"{channel}:{sender_id}", self.window) <= self.messages

    def first_time(self, key: str, ttl: float = 3600) -> bool:
        return self.backend.first_time(key, ttl)

    def forget(self, key: str) -> None:
        self.backend.forget(key)


_shared: Optional[SharedLimits] = None
_shared_lock = threading.Lock()


def shared_limits() -> SharedLimits:
    """The process's limits, made from the environment on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SharedLimits.from_env()
        return _shared
