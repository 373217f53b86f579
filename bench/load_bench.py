"""`make bench-load` / `make soak`: load benchmark and soak for the production profile.

Why this exists next to bench/channels_bench.py: that one measures one conversation at a
time (and four at once) against the dev services. Production runs two Rasa processes
behind nginx with Postgres and Redis, and what matters there is how the whole stack
behaves when many young people write at the same time: does the answer still come
within a moment, does anything fail, and does any process grow while it runs.

Each virtual user plays scripted Danish conversations (CONVERSATIONS below: questions
that need no booking call) back to back, as a new user each time: REST with a fresh
`sender`, the widget with a new socket.io connection and its own session. Between two
messages it waits a think time (reading the answer, typing), jittered +-50 %; `--think 0`
is a closed loop that finds the saturation point. Latency is send -> complete answer:
the HTTP response for REST, the acknowledgement of `user_uttered` for the widget (the
channel sends it after the whole turn), and a widget turn must also have brought at
least one `bot_uttered`.

Each new user connects from a loopback address of its own (127.a.b.1), as real users
come from their own addresses: otherwise nginx would see one client (its per-address
limits) and its ip_hash would send every socket.io connection to the same Rasa process.
`--source-addresses one` shows what a single address gets. The widget clients use
websocket, as browsers do behind the production load balancer, when the websocket-client
package is installed; else long-polling, and the output says so.

Per channel and number of concurrent users it prints messages, throughput, latency
p50/p95/p99/max and errors, and a table of memory (VmRSS) and CPU per process of the
stack. `--soak M` instead runs M minutes of mixed load and prints p95 per minute and
memory at start and end.

    python -m bench.load_bench [--target production|dev] [--channels rest,widget]
        [--concurrency 1,8,32] [--duration 30] [--think 1.0] [--soak MINUTES]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import itertools
import logging
import math
import os
import random
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import requests
import socketio
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "vejviser.tar.gz"

# Realistic conversations, written as young people write: lowercase, typos, no accents
# on some. Only topics the bot answers from its own texts (SU, FGU, CV, jobs, apprentice-
# ships, education choice, the guidance cafe, privacy, greetings, thanks): nothing that
# starts the booking intake, asks for a person or is a crisis, and no yes/no answer (an
# "ja" after an offer could start a booking). `--show` prints what the bot answers.
CONVERSATIONS: List[List[str]] = [
    [
        "hej",
        "hvordn søger ja su",
        "hvor meget faar man i su naar man bor hjemme",
        "kan man ha et job ved siden af su",
        "tak for hjælpen",
    ],
    ["hejsa", "hvad er fgu", "får man penge når man går på fgu", "jeg er 19 kan jeg starte på fgu", "mange tak", "farvel"],
    [
        "hey",
        "kan i hjaelpe mig med mit cv",
        "jeg har ingen erfaring hvad skal jeg skrive i mit cv",
        "hvordan skriver man en ansoegning",
        "tak det hjalp",
    ],
    [
        "hej",
        "hvad kan du",
        "jeg mangler en læreplads som elektriker",
        "hvad er laerlingeklubben",
        "hvad sker der hvis jeg ikke faar en laereplads",
        "tak",
    ],
    ["hej jeg har et spørgsmål", "hvem kan læse min chat", "gemmer du mine beskeder", "er den her chat anonym", "tak for info"],
    [
        "yo",
        "jeg skal bruge et fritidsjob",
        "hvordan finder man job på jobnet",
        "jeg er 16 hvor finder jeg job",
        "sommerjob",
        "thx",
        "vi ses",
    ],
    [
        "godmorgen",
        "hvilken uddannelse skal jeg vælge",
        "hvad er forskellen på eud og eux",
        "stx eller hhx hvad passer til mig",
        "tak skal du have",
    ],
    ["hallo", "hvad er vejledningscaféen", "koster det noget", "kan min ven komme med", "hva kan man her", "tusind tak"],
    ["hej bot", "hvornår bliver su udbetalt", "hvad er en fgu", "cv hjalp pls", "hvad kan jeg spørge om", "tak bro", "bye"],
]

REQUEST_TIMEOUT = 10.0  # seconds; a slower answer is an error
BOT_UTTERED_GRACE = 2.0  # the ack and the bot's messages are handled in different client threads
FALLBACK_SECRETS = (
    "WIDGET_SESSION_SECRET SMS_SENDER_KEY TWILIO_AUTH_TOKEN DESK_SECRET_KEY DESK_RASA_TOKEN "
    "BOOKING_API_TOKEN ACTION_SERVER_TOKEN POSTGRES_PASSWORD REDIS_PASSWORD"
).split()
TARGET_USERS, TARGET_P95_MS = 8, 300.0  # the target: 0 errors, p95 < 300 ms at 8 users
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the system under test ------------------------------------------------------------------------------------------


@dataclass
class Target:
    """What the load goes to: one public URL, the widget's Origin, and the processes to watch."""

    label: str
    base_url: str
    origin: str
    pids: Callable[[], Dict[str, int]]

    @classmethod
    def from_stack(cls, stack: Any) -> "Target":
        origin = getattr(stack, "widget_origin", None) or stack.env["WIDGET_ALLOWED_ORIGINS"].split(",")[0].strip()
        return cls("production", stack.public_url, origin, stack.pids)

    @classmethod
    def from_assistant(cls, assistant: Any) -> "Target":
        def pids() -> Dict[str, int]:
            return {
                "rasa": assistant.rasa.pid,
                "actions": assistant.actions.pid,
                "outbox-relay": assistant.relay.pid,
                "booking": assistant.booking.process.pid,
            }

        return cls("dev", assistant.url, assistant.allowed_origins[0], pids)


def required_secrets(stack_class: Any) -> List[str]:
    """The stack refuses missing or default secrets; it knows best which ones it needs."""
    ask = getattr(stack_class, "required_secrets", None)
    return list(ask()) if callable(ask) else list(FALLBACK_SECRETS)


def throwaway_secrets(names: Sequence[str]) -> Dict[str, str]:
    # Hex: valid in URLs, DSNs and config files alike, and long enough for every minimum.
    return {name: secrets.token_hex(32) for name in names}


# --- memory and CPU per process -------------------------------------------------------------------------------------


def _read(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:  # the process has gone
        return None


def process_table() -> Dict[int, Tuple[int, int]]:
    """pid -> (parent pid, CPU ticks used) for every process, from /proc/<pid>/stat."""
    table: Dict[int, Tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        stat = _read(f"/proc/{entry.name}/stat")
        if not stat:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # the command name may contain spaces
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def machine_ticks() -> Tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in (_read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0].split()[1:]]
    idle = sum(values[3:5])  # idle + iowait
    return sum(values) - idle, sum(values)


def rss_kb(pid: int) -> int:
    for line in (_read(f"/proc/{pid}/status") or "").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(root: int, children: Dict[int, List[int]]) -> List[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


@dataclass
class Window:
    """Memory (MB) and CPU seconds per process name between opening and closing."""

    started: float = field(default_factory=time.monotonic)
    ended: Optional[float] = None
    start: Dict[str, float] = field(default_factory=dict)
    peak: Dict[str, float] = field(default_factory=dict)
    end: Dict[str, float] = field(default_factory=dict)
    processes: Dict[str, int] = field(default_factory=dict)
    cpu_seconds: Dict[str, float] = field(default_factory=lambda: defaultdict(float))
    machine_start: Tuple[int, int] = field(default_factory=lambda: machine_ticks())
    machine_end: Optional[Tuple[int, int]] = None

    def snapshot(self, title: str) -> str:
        """Memory now, per process: for the start of a soak."""
        lines = [
            f"  {title}: VmRSS in MB, summed over each process and its children",
            f"    {'process':<14}{'procs':>6}{'MB':>9}",
        ]
        for name in sorted(self.end, key=lambda n: -self.end[n]):
            lines.append(f"    {name:<14}{self.processes.get(name, 0):>6}{self.end[name]:>9.1f}")
        lines.append(f"    {'sum':<14}{sum(self.processes.values()):>6}{sum(self.end.values()):>9.1f}")
        return "\n".join(lines)

    def table(self, title: str) -> str:
        wall = max(1e-9, (self.ended or time.monotonic()) - self.started)

        def row(name: str, procs: int, start: float, peak: float, end: float, cpu_seconds: float) -> str:
            cpu = 100 * cpu_seconds / wall
            return f"    {name:<14}{procs:>6}{start:>9.1f}{peak:>9.1f}{end:>9.1f}{end - start:>+9.1f}{cpu:>8.1f}"

        lines = [
            f"  {title}: VmRSS in MB, summed over each process and its children (shared pages count once per process)",
            f"    {'process':<14}{'procs':>6}{'start':>9}{'peak':>9}{'end':>9}{'growth':>9}{'CPU %':>8}",
        ]
        for name in sorted(self.start, key=lambda n: -self.peak.get(n, 0)):
            lines.append(
                row(
                    name,
                    self.processes.get(name, 0),
                    self.start[name],
                    self.peak.get(name, 0.0),
                    self.end.get(name, 0.0),
                    self.cpu_seconds.get(name, 0.0),
                )
            )
        lines.append(
            row(
                "sum",
                sum(self.processes.values()),
                sum(self.start.values()),
                sum(self.peak.values()),
                sum(self.end.values()),
                sum(self.cpu_seconds.values()),
            )
            + f"   (CPU % of one core, average; {os.cpu_count()} cores)"
        )
        (busy_end, total_end), (busy_start, total_start) = self.machine_end or machine_ticks(), self.machine_start
        cores = os.cpu_count() or 1
        lines.append(
            f"    machine: {100 * cores * (busy_end - busy_start) / max(1, total_end - total_start):.0f}% of {100 * cores}% busy"
            " (the stack above, the bench itself, and whatever else runs on this machine)"
        )
        return "\n".join(lines)


class Sampler(threading.Thread):
    """Reads VmRSS and CPU ticks of every process of the stack (and its children) every 0.5 s.

    Children count because several parts fork workers (nginx, Postgres backends). CPU
    shows which part is the bottleneck when latency goes up."""

    def __init__(self, pids: Callable[[], Dict[str, int]], interval: float = 0.5) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self._pids, self._interval = pids, interval
        self._lock = threading.Lock()
        self._sampling = threading.Lock()
        self._windows: List[Window] = []
        self._last_ticks: Dict[int, int] = {}
        self._known: Dict[str, int] = {}
        self._stop = threading.Event()

    def sample(self) -> None:
        with self._sampling:  # the thread and open()/close() both sample; CPU deltas must not count twice
            self._sample()

    def _sample(self) -> None:
        try:
            self._known = dict(self._pids())
        except Exception:  # a part restarting: keep the pids known before
            pass
        table = process_table()
        children: Dict[int, List[int]] = defaultdict(list)
        for pid, (parent, _) in table.items():
            children[parent].append(pid)
        now_mb: Dict[str, float] = {}
        counts: Dict[str, int] = {}
        cpu: Dict[str, float] = defaultdict(float)
        ticks_now: Dict[int, int] = {}
        for name, root in self._known.items():
            if root not in table:
                now_mb[name], counts[name] = 0.0, 0
                continue
            tree = descendants(root, children)
            now_mb[name] = sum(rss_kb(pid) for pid in tree) / 1024
            counts[name] = len(tree)
            for pid in tree:
                ticks = table[pid][1]
                ticks_now[pid] = ticks
                if pid in self._last_ticks:  # a process seen first now is counted from now on
                    cpu[name] += max(0, ticks - self._last_ticks[pid]) / CLK_TCK
        self._last_ticks = ticks_now
        with self._lock:
            for window in self._windows:
                for name, mb in now_mb.items():
                    window.start.setdefault(name, mb)
                    window.peak[name] = max(window.peak.get(name, 0.0), mb)
                    window.end[name] = mb
                    window.processes[name] = counts[name]
                    window.cpu_seconds[name] += cpu.get(name, 0.0)

    def open(self) -> Window:
        window = Window()
        with self._lock:
            self._windows.append(window)
        self.sample()
        return window

    def close(self, window: Window) -> Window:
        self.sample()
        with self._lock:
            if window in self._windows:
                self._windows.remove(window)
        window.ended = time.monotonic()
        window.machine_end = machine_ticks()
        return window

    def run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.sample()
            except Exception:  # never let the sampler die mid-run
                logging.getLogger(__name__).exception("memory sampler")

    def stop(self) -> None:
        self._stop.set()


# --- results --------------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (as bench/channels_bench.py)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


@dataclass
class Outcome:
    sent: float  # monotonic time the message was sent
    channel: str
    latency: Optional[float] = None  # seconds, for an answered message
    error: Optional[str] = None  # kind of failure
    limited: Optional[str] = None  # refused by a rate limit (429 or the widget's equivalent)


class Recorder:
    """Collects every message's outcome; summaries pick a time window and channels."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: List[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def between(self, start: float, end: float, channel: Optional[str] = None) -> List[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if start <= o.sent < end and (channel is None or o.channel == channel)]


@dataclass
class Summary:
    channel: str
    users: int
    seconds: float
    outcomes: List[Outcome]
    warmup_errors: int = 0
    client_cpu: Optional[float] = None  # share of one core the load generator itself used
    transport: str = ""

    @property
    def latencies_ms(self) -> List[float]:
        return [o.latency * 1000 for o in self.outcomes if o.latency is not None and not o.error and not o.limited]

    @property
    def errors(self) -> Counter:
        return Counter(o.error for o in self.outcomes if o.error)

    @property
    def limited(self) -> Counter:
        return Counter(o.limited for o in self.outcomes if o.limited)

    def line(self) -> str:
        ms = self.latencies_ms
        errors, limited = sum(self.errors.values()), sum(self.limited.values())
        channel = self.channel + (f" ({self.transport})" if self.transport else "")
        text = (
            f"  {channel:<20} users {self.users:>3}  msgs {len(ms):>5}  {len(ms) / self.seconds:6.1f} msg/s"
            f"  p50 {percentile(ms, 0.50):6.0f}  p95 {percentile(ms, 0.95):6.0f}  p99 {percentile(ms, 0.99):6.0f}"
            f"  max {max(ms, default=math.nan):6.0f} ms  errors {errors}"
        )
        if self.warmup_errors:
            text += f" (+{self.warmup_errors} in warm-up)"
        text += f"  429s {limited}"
        if self.client_cpu is not None:
            text += f"  bench CPU {100 * self.client_cpu:.0f}%"
        return text

    def details(self) -> List[str]:
        lines = [f"      error x{count}: {kind}" for kind, count in self.errors.most_common(5)]
        lines += [f"      rate-limited x{count}: {kind}" for kind, count in self.limited.most_common(3)]
        return lines


# --- the virtual users ----------------------------------------------------------------------------------------------


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


# --- runs -----------------------------------------------------------------------------------------------------------


def widget_transport(choice: str) -> List[str]:
    websocket_client = importlib.util.find_spec("websocket") is not None
    if choice == "websocket" or (choice == "auto" and websocket_client):
        if not websocket_client:
            raise SystemExit("--widget-transport websocket needs the websocket-client package (pip install websocket-client)")
        return ["websocket"]
    return ["polling"]


def bench_run(
    target: Target, sampler: Sampler, channel: str, users: int, args: argparse.Namespace, abort: threading.Event
) -> Summary:
    recorder = Recorder()
    started = time.monotonic()
    measure_from = started + args.warmup
    measure_to = measure_from + args.duration
    load = Load(target, recorder, measure_to, abort, args.think, widget_transport(args.widget_transport), args.many)
    window = sampler.open()
    cpu_before = time.process_time()
    threads = start_users(load, [channel], users, f"{channel}{users}")
    join(threads, abort)
    sampler.close(window)
    wall = max(1e-9, time.monotonic() - started)
    summary = Summary(
        channel,
        users,
        args.duration,
        recorder.between(measure_from, measure_to),
        warmup_errors=sum(1 for o in recorder.between(started, measure_from) if o.error),
        client_cpu=(time.process_time() - cpu_before) / wall,
        transport="/".join(load.transport) if channel == "widget" else "",
    )
    print(summary.line(), flush=True)
    for line in summary.details():
        print(line, flush=True)
    print(window.table(f"processes during {channel} x {users}"), flush=True)
    print(cpu_per_message(window, recorder.between(started, math.inf)), flush=True)
    return summary


def cpu_per_message(window: Window, outcomes: Sequence[Outcome]) -> str:
    """The stack's CPU time per answered message: what the machine's other load cannot
    distort much, and what bounds throughput on dedicated cores."""
    answered = sum(1 for o in outcomes if o.latency is not None and not o.error and not o.limited)
    if not answered:
        return "    stack CPU per answered message: no message answered"
    per_message = sum(window.cpu_seconds.values()) / answered
    top = sorted(window.cpu_seconds.items(), key=lambda item: -item[1])[:3]
    parts = ", ".join(f"{name} {1000 * seconds / answered:.0f}" for name, seconds in top)
    cores = os.cpu_count() or 1
    return (
        f"    stack CPU per answered message (warm-up included): {1000 * per_message:.0f} ms ({parts})"
        f" -> at most ~{cores / per_message:.0f} msg/s with all {cores} cores free for the stack"
    )


def soak(target: Target, sampler: Sampler, args: argparse.Namespace, abort: threading.Event) -> List[Summary]:
    """M minutes of mixed REST and widget load: does latency drift, does anything grow."""
    channels = [c for c in args.channels if c in CHANNELS]
    transport = widget_transport(args.widget_transport)
    print(
        f"Soak: {args.soak:g} min, {args.users} users ({', '.join(channels)} in turn), think {args.think:g} s,"
        f" widget over {'/'.join(transport)}",
        flush=True,
    )
    warm = Load(target, Recorder(), time.monotonic() + args.warmup, abort, args.think, transport, args.many)
    join(start_users(warm, channels, len(channels), "soak-warmup"), abort)
    window = sampler.open()
    print(window.snapshot("memory at start (idle, after warm-up)"), flush=True)
    recorder = Recorder()
    started, cpu_before = time.monotonic(), time.process_time()
    load = Load(target, recorder, started + args.soak * 60, abort, args.think, transport, args.many)
    threads = start_users(load, channels, args.users, "soak")
    summaries: List[Summary] = []
    minute = 0
    while minute < math.ceil(args.soak) and not abort.is_set():
        begin, end = started + 60 * minute, min(started + 60 * (minute + 1), load.stop_at)
        while time.monotonic() < end + REQUEST_TIMEOUT / 2 and any(t.is_alive() for t in threads) and not abort.is_set():
            time.sleep(0.5)  # the minute's slow answers may still come in
        summary = Summary(f"minute {minute + 1:>3}", args.users, end - begin, recorder.between(begin, end))
        summaries.append(summary)
        memory = sampler.open()
        sampler.close(memory)
        rasa = " ".join(f"{n} {mb:.0f}" for n, mb in sorted(memory.end.items()) if n.startswith("rasa"))
        print(f"{summary.line()}  | RSS MB {rasa}", flush=True)
        for line in summary.details():
            print(line, flush=True)
        minute += 1
    join(threads, abort)
    cpu_used = time.process_time() - cpu_before
    sampler.close(window)
    wall = time.monotonic() - started
    total = Summary("soak total", args.users, wall, recorder.between(started, load.stop_at), client_cpu=cpu_used / wall)
    print(total.line(), flush=True)
    for line in total.details():
        print(line, flush=True)
    print(window.table("memory from start to end of the soak (growth = end - start)"), flush=True)
    print(cpu_per_message(window, recorder.between(started, math.inf)), flush=True)
    return summaries + [total]


def show_conversations(target: Target) -> None:
    """Prints the bot's answers to every scripted message: check nothing starts a booking."""
    for number, turns in enumerate(CONVERSATIONS, 1):
        sender = f"show-{uuid.uuid4().hex}"
        print(f"conversation {number}")
        for text in turns:
            answer = requests.post(
                f"{target.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
            ).json()
            first = " | ".join((m.get("text") or "").replace("\n", " ")[:70] for m in answer)
            print(f"  > {text}\n    {first}")


# --- command line ---------------------------------------------------------------------------------------------------


def numbers(text: str) -> List[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def names(text: str) -> List[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in CHANNELS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown channel(s) {unknown}; known: {sorted(CHANNELS)}")
    return chosen


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--target", choices=("production", "dev"), default="production", help="stack to start (default production)"
    )
    parser.add_argument("--channels", type=names, default=["rest", "widget"], help="comma-separated: rest,widget")
    parser.add_argument("--concurrency", type=numbers, default=[1, 8, 32], help="concurrent users per run, e.g. 1,8,32")
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per channel and concurrency")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring (not counted)")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between messages, +-50%%; 0 = closed loop")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="run a soak of mixed load instead of the benchmark")
    parser.add_argument("--users", type=int, default=8, help="concurrent users in the soak")
    parser.add_argument(
        "--widget-transport",
        choices=("auto", "websocket", "polling"),
        default="auto",
        help="auto: websocket when the websocket-client package is installed, else polling",
    )
    parser.add_argument(
        "--source-addresses",
        choices=("per-user", "one"),
        default="per-user",
        help="per-user: each new user connects from its own 127.a.b.1 (as real users have their own addresses);"
        " one: everything from 127.0.0.1 (meets nginx's per-address limits as one client)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the production stack's temp dir (logs) even without errors")
    parser.add_argument("--show", action="store_true", help="only print the bot's answers to the scripted conversations")
    args = parser.parse_args(argv)
    args.many = args.source_addresses == "per-user"
    return args


def describe(args: argparse.Namespace, target: Target) -> None:
    transport = widget_transport(args.widget_transport)
    print(f"Target: {target.label} stack at {target.base_url} (widget Origin {target.origin})")
    print(
        f"Load: {len(CONVERSATIONS)} scripted conversations of {min(map(len, CONVERSATIONS))}-{max(map(len, CONVERSATIONS))}"
        f" turns, a fresh user per conversation; think {args.think:g} s +-50 %; timeout {REQUEST_TIMEOUT:g} s;"
        f" warm-up {args.warmup:g} s before each run"
    )
    if "widget" in args.channels:
        note = (
            "" if transport == ["websocket"] else "  NOTE: websocket-client is not installed, so NOT websocket as in production"
        )
        print(f"Widget clients: python-socketio over {'/'.join(transport)}{note}")
    print(
        "Client addresses: "
        + ("a loopback address of its own per user (127.a.b.1)" if args.many else "all from 127.0.0.1 (one client for nginx)")
    )
    print(f"Machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


def report(summaries: List[Summary], overall: Window, many: bool) -> None:
    print("\nSummary")
    for summary in summaries:
        print(summary.line())
    for summary in summaries:
        if summary.users == TARGET_USERS:
            p95 = percentile(summary.latencies_ms, 0.95)
            errors = sum(summary.errors.values()) + summary.warmup_errors
            met = errors == 0 and p95 < TARGET_P95_MS
            print(
                f"  target {summary.channel} at {TARGET_USERS} users: 0 errors and p95 < {TARGET_P95_MS:.0f} ms -> "
                f"{'met' if met else 'MISSED'} ({errors} errors, p95 {p95:.0f} ms)"
            )
    limited = Counter()
    for summary in summaries:
        limited.update(summary.limited)
    if any("nginx" in kind for kind in limited):
        print(
            "  WARNING: nginx's per-address limit refused messages or connections"
            + ("" if many else " (all the load comes from 127.0.0.1: try --source-addresses per-user)")
        )
    print(overall.table("processes over all runs"), flush=True)


@contextlib.contextmanager
def started_target(args: argparse.Namespace) -> Iterator[Target]:
    """Starts the stack to measure and always stops it, also on Ctrl-C or an error."""
    base_dir = Path(tempfile.mkdtemp(prefix="vejviser-load-", dir="/tmp"))
    base_dir.chmod(0o711)  # PostgreSQL runs as its own user and must reach its data dir inside
    started = time.monotonic()
    keep = args.keep
    try:
        if args.target == "production":
            try:
                from bot.launch.production.stack import ProductionStack
            except ImportError as exc:
                raise SystemExit(f"no production stack ({exc}); try --target dev") from exc

            options: Dict[str, Any] = {}
            if "local_sms_gateway" in inspect.signature(ProductionStack).parameters:
                options["local_sms_gateway"] = True  # the SMS channel needs a gateway to start; never the real one here
            secrets_env = throwaway_secrets(required_secrets(ProductionStack))
            stack = ProductionStack(base_dir, extra_env=secrets_env, durable=True, **options)
            try:
                stack.start()
                print(f"Production stack up in {time.monotonic() - started:.1f} s (logs: {stack.log_dir})", flush=True)
                yield Target.from_stack(stack)
            except BaseException:
                keep = True  # the logs tell why
                raise
            finally:
                stack.stop()
        else:
            from tests.harness.services import Assistant

            assistant = Assistant(base_dir, MODEL)
            try:
                print(f"Dev stack up in {time.monotonic() - started:.1f} s (logs: {base_dir})", flush=True)
                yield Target.from_assistant(assistant)
            except BaseException:
                keep = True
                raise
            finally:
                assistant.stop()
    finally:
        if keep or args.keep:
            print(f"Kept {base_dir}", flush=True)
        else:
            shutil.rmtree(base_dir, ignore_errors=True)


def interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for name in ("engineio.client", "socketio.client", "websocket"):  # failures are counted, not logged
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # `kill` / a CI timeout: stop the stack as Ctrl-C does.
    signal.signal(signal.SIGTERM, interrupted)
    abort = threading.Event()
    failures = 0
    try:
        with started_target(args) as target:
            if args.show:
                show_conversations(target)
                return 0
            describe(args, target)
            sampler = Sampler(target.pids)
            sampler.start()
            overall = sampler.open()
            try:
                if args.soak:
                    summaries = soak(target, sampler, args, abort)
                    failures = sum(sum(s.errors.values()) for s in summaries[-1:])
                else:
                    summaries = []
                    for channel in args.channels:
                        for users in args.concurrency:
                            summaries.append(bench_run(target, sampler, channel, users, args, abort))
                    sampler.close(overall)
                    report(summaries, overall, args.many)
                    failures = sum(sum(s.errors.values()) + s.warmup_errors for s in summaries)
            finally:
                abort.set()
                sampler.stop()
            if failures:
                args.keep = True  # keep the stack's logs to find out why (read by started_target on exit)
    except KeyboardInterrupt:
        abort.set()
        print("Interrupted; stack stopped.", flush=True)
        return 130
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
