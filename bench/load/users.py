"""The virtual users: REST and widget conversations played back to back, each new user from
a loopback address of its own."""

from __future__ import annotations

import itertools
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import requests
import socketio
from requests.adapters import HTTPAdapter

from bench.load.conversations import CONVERSATIONS
from bench.load.results import Outcome, Recorder
from bench.load.targets import Target

REQUEST_TIMEOUT = 10.0  # seconds; a slower answer is an error
BOT_UTTERED_GRACE = 2.0  # the ack and the bot's messages are handled in different client threads

_address_counter = itertools.count()
_address_lock = threading.Lock()


def next_address() -> str:
    """A loopback address of its own for each new user: 127.a.b.1 (a, b vary).

    Real users come from many addresses; all from 127.0.0.1 would meet nginx's per-address
    limits as one user and, through ip_hash on the socket.io upstream (keyed on the first
    three octets), all land on one Rasa process. Linux routes all of 127/8 to lo."""
    with _address_lock:
        number = next(_address_counter)
    return f"127.{1 + (number // 256) % 254}.{number % 256}.1"


class SourceAddressAdapter(HTTPAdapter):
    """requests' connections from a chosen local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def http_session(address: Optional[str]) -> requests.Session:
    session = requests.Session()
    if address:
        session.mount("http://", SourceAddressAdapter(address))
    return session


@dataclass
class Load:
    """What every virtual user of a run shares: where to send, how long, how fast."""

    target: Target
    recorder: Recorder
    stop_at: float
    abort: threading.Event
    think: float
    transport: List[str]
    many_addresses: bool = True

    def address(self) -> Optional[str]:
        return next_address() if self.many_addresses else None

    def done(self) -> bool:
        return self.abort.is_set() or time.monotonic() >= self.stop_at

    def pause(self, rng: random.Random) -> None:
        """A person reads the answer and types the next message."""
        if self.think > 0:
            self.abort.wait(rng.uniform(0.5 * self.think, 1.5 * self.think))


def rest_failure(response: requests.Response) -> Tuple[Optional[str], Optional[str]]:
    """(error, limited) for a non-200 answer. The channel's own limit answers JSON with
    "rate_limited"; nginx's pages end in "nginx" (limit_req: 429, limit_conn: 503)."""
    body = response.text[:1000]
    from_nginx = "<center>nginx" in body
    if response.status_code == 429 and "rate_limited" in body:
        return None, "HTTP 429 (per-sender limit)"
    if response.status_code in (429, 503) and from_nginx:
        return None, f"HTTP {response.status_code} from nginx (per-address limit)"
    return f"HTTP {response.status_code}" + (" from nginx" if from_nginx else f": {body[:60]!r}"), None


def rest_conversation(load: Load, turns: Sequence[str], rng: random.Random) -> None:
    url = f"{load.target.base_url}/webhooks/rest/webhook"
    sender = f"load-{uuid.uuid4().hex}"  # a new user, so no sender gets near the per-sender limit
    with http_session(load.address()) as http:
        for index, text in enumerate(turns):
            if index:
                load.pause(rng)
            if load.done():
                return
            outcome = Outcome(time.monotonic(), "rest")
            try:
                response = http.post(url, json={"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT)
                outcome.latency = time.monotonic() - outcome.sent
                if response.status_code != 200:
                    outcome.error, outcome.limited = rest_failure(response)
                elif not any((m.get("text") or m.get("buttons")) for m in response.json() if isinstance(m, dict)):
                    outcome.error = "empty answer"
            except requests.Timeout:
                outcome.error = f"timeout ({REQUEST_TIMEOUT:.0f} s)"
            except requests.ConnectionError as exc:
                outcome.error = f"connection error: {str(exc)[:80]}"
            except Exception as exc:  # a bad JSON body and the like
                outcome.error = f"{type(exc).__name__}: {str(exc)[:80]}"
            load.recorder.add(outcome)
            if outcome.error or outcome.limited:
                load.abort.wait(0.2)  # no busy loop against a failing server


class WidgetUser:
    """One browser tab: a socket.io connection that asks for a new session, as vejviser.js does."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.address = load.address()
        self.http = http_session(self.address)
        self.sio = socketio.Client(reconnection=False, handle_sigint=False, http_session=self.http)
        self._confirmed = threading.Event()
        self._answered = threading.Event()
        self._empty = 0
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_uttered", self._on_bot)

    def _on_confirm(self, data: Any = None) -> None:
        if isinstance(data, dict) and data.get("session"):
            self._confirmed.set()

    def _on_bot(self, data: Any = None) -> None:
        if isinstance(data, dict) and (data.get("text") or data.get("buttons")):
            self._answered.set()
        else:
            self._empty += 1

    def open(self) -> None:
        if self.load.transport == ["websocket"]:
            # websocket-client adds an Origin of its own to ours; the server would see both
            # joined by a comma and refuse the connection as from a foreign origin.
            options: Dict[str, Any] = {"suppress_origin": True}
            if self.address:  # websocket-client has no source address option; it takes a connected socket
                host, port = self.load.target.base_url.split("//", 1)[1].rsplit(":", 1)
                options["socket"] = socket.create_connection(
                    (host, int(port)), timeout=REQUEST_TIMEOUT, source_address=(self.address, 0)
                )
            self.sio.eio.websocket_extra_options = options
        self.sio.connect(
            self.load.target.base_url,
            transports=self.load.transport,
            headers={"Origin": self.load.target.origin},
            wait_timeout=REQUEST_TIMEOUT,
        )
        self.sio.emit("session_request", {"session": None})
        if not self._confirmed.wait(REQUEST_TIMEOUT):
            raise TimeoutError("no session_confirm")

    def turn(self, text: str) -> Outcome:
        outcome = Outcome(time.monotonic(), "widget")
        self._answered.clear()
        self._empty = 0
        try:
            ack = self.sio.call("user_uttered", {"message": text, "client_id": uuid.uuid4().hex}, timeout=REQUEST_TIMEOUT)
            outcome.latency = time.monotonic() - outcome.sent
        except socketio.exceptions.TimeoutError:
            outcome.error = f"timeout ({REQUEST_TIMEOUT:.0f} s) waiting for the ack"
            return outcome
        except Exception as exc:  # disconnected
            outcome.error = f"{type(exc).__name__}: {str(exc)[:80]}"
            return outcome
        if ack != {"ok": True}:
            reason = str(ack.get("reason", "")) if isinstance(ack, dict) else ""
            if "rate" in reason or "limit" in reason:
                outcome.limited = f"ack {ack}"
            else:
                outcome.error = f"ack {ack}"
        elif not self._answered.wait(BOT_UTTERED_GRACE):
            outcome.error = "empty answer (bot_uttered without text)" if self._empty else "no bot_uttered before the ack"
        return outcome

    def close(self) -> None:
        if self.load.transport == ["websocket"]:
            self.sio.disconnect()
            self.http.close()
        else:
            # Polling's last long request can take the whole ping interval: disconnect (so the
            # server forgets the socket) without making the user wait for it.
            threading.Thread(target=self._quiet_disconnect, daemon=True).start()

    def _quiet_disconnect(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass
        finally:
            self.http.close()


def widget_conversation(load: Load, turns: Sequence[str], rng: random.Random) -> None:
    user = WidgetUser(load)
    started = time.monotonic()
    try:
        user.open()
    except Exception as exc:
        text = str(exc)
        outcome = Outcome(started, "widget")
        if "429" in text or "503" in text:  # nginx: limit_conn answers 503, limit_req 429
            outcome.limited = f"connect refused, nginx per-address limit? {text[:80]}"
        else:
            outcome.error = f"connect: {type(exc).__name__}: {text[:80]}"
            if not load.many_addresses:  # nginx's limit_conn answers the websocket upgrade with 503, seen here only as this
                outcome.error += " (all from one address: nginx's per-address connection limit? see nginx-error.log)"
        load.recorder.add(outcome)
        user.close()
        load.abort.wait(0.5)
        return
    try:
        for index, text in enumerate(turns):
            if index:
                load.pause(rng)
            if load.done():
                return
            outcome = user.turn(text)
            load.recorder.add(outcome)
            if outcome.error and not user.sio.connected:
                return  # the tab lost its connection; the next user starts afresh
    finally:
        user.close()


CHANNELS: Dict[str, Callable[[Load, Sequence[str], random.Random], None]] = {
    "rest": rest_conversation,
    "widget": widget_conversation,
}


def virtual_user(load: Load, channel: str, seed: str) -> None:
    """One person after another on the same seat: conversations back to back."""
    rng = random.Random(seed)
    order = list(range(len(CONVERSATIONS)))
    rng.shuffle(order)
    load.abort.wait(rng.uniform(0, max(load.think, 0.2)))  # users do not all start in the same instant
    for index in itertools.cycle(order):
        if load.done():
            return
        try:
            CHANNELS[channel](load, CONVERSATIONS[index], rng)
        except Exception as exc:  # a bug here must show up as an error, not end the user silently
            load.recorder.add(Outcome(time.monotonic(), channel, error=f"bench: {type(exc).__name__}: {exc}"))
            load.abort.wait(0.5)
        if not load.done():
            load.pause(rng)


def start_users(load: Load, channels: Sequence[str], users: int, tag: str) -> List[threading.Thread]:
    """`users` virtual users, spread over `channels` in turn (mixed load for the soak)."""
    threads = [
        threading.Thread(
            target=virtual_user,
            args=(load, channels[index % len(channels)], f"{tag}-{index}"),
            name=f"user-{tag}-{index}",
            daemon=True,
        )
        for index in range(users)
    ]
    for thread in threads:
        thread.start()
    return threads


def join(threads: Sequence[threading.Thread], abort: threading.Event) -> None:
    """Waits for the users; short joins so Ctrl-C reaches the main thread."""
    deadline = None
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
            if abort.is_set():
                deadline = deadline or time.monotonic() + REQUEST_TIMEOUT + 5
                if time.monotonic() > deadline:
                    return

