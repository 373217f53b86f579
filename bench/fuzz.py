"""Fuzzing the three user-facing channels (REST, widget socket, SMS webhook) with hostile input.

Why: the channels are the only parts of the assistant that strangers on the internet can
reach. Whatever they send (nothing, 10,000 characters, emoji sequences, bidi overrides,
HTML, SQL, Rasa's slash syntax, broken UTF-8, broken protocol messages) must end in an
answer or a clear refusal (a 4xx, or an error acknowledgement on the socket), never in a
5xx, a dropped connection, a silent non-answer or a traceback in a server log.

Inputs come from a seeded `random.Random`, so a failure can be reproduced with the same
seed; only the identities (senders, phone numbers, message ids) differ per run, so a rerun
against the same stack starts fresh conversations.

    python -m bench.fuzz [--count 10000] [--channels rest,widget,sms] [--seed 1] [--target production|dev]

Exit code 1 when any input failed or a server log got an exception or ERROR line.
tests/test_fuzz_channels.py runs a reduced version in the test suite.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import logging
import queue
import random
import re
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import parse_qs, quote, urlencode

import requests
import socketio

from bot.rasa.channels.sms.replies import Keyword, keyword
from bot.rasa.channels.sms.senders import normalise_number
from tests.harness.fake_twilio import inbound_form

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "vejviser.tar.gz"

TIMEOUT = 10.0  # seconds until an answer counts as missing (the goal's limit)
MAX_BODY = 64 * 1024  # larger request bodies must be refused with 413 (nginx or Sanic)
MAX_MESSAGE_CHARS = 2000  # longer messages get one kind answer and are not processed
MAX_SENDER_CHARS = 128
INPUTS_PER_IDENTITY = 3  # a fresh sender / socket / phone number after this many (stays under the rate limit)
FIRST_FAILURES = 20

ANSWERED, REFUSED, FAILED = "answered", "refused", "failure"

# --- the input classes -----------------------------------------------------------------------

EMOJI = [
    "😀",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🏴‍☠️",
    "🇩🇰",
    "🇺🇦",
    "❤️",
    "🤷‍♀️",
    "🧑🏿‍💻",
    "1️⃣",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "\U0001f600\ufe0f",
    "☺",
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u180e"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u200e", "\u061c"]
RTL_WORDS = ["مرحبا", "שלום", "سلام عليكم", "كيف أحصل على SU؟", "אני צריך עזרה"]
WHITESPACE = [" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2003", "\u3000", "\u200a", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"]
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(document.cookie)>',
    "javascript:alert(1)",
    "<iframe src=//evil.example></iframe>",
    "<b>fed</b><i>kursiv</i>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "</script><script>alert(1)</script>",
    "{{7*7}}",
    "${7*7}",
    "<!--",
    "]]>",
    "<a href='javascript:alert(1)'>klik</a>",
    "<style>*{display:none}</style>",
]
SQL = [
    "'; DROP TABLE events;--",
    "' OR '1'='1",
    '" OR 1=1 --',
    "1; SELECT * FROM events",
    "admin'--",
    "'; UPDATE events SET sender_id='x' WHERE 1=1;--",
    "%' UNION SELECT sqlite_version()--",
    "1' AND SLEEP(5)#",
    "'); DELETE FROM sms_senders;--",
]
SLASH = [
    '/book_appointment{"topic":"x"}',
    "/restart",
    "/session_start",
    '/inform{"age_band": "99"}',
    '/inform{"age_band": ',
    "/greet",
    "/",
    "//",
    "/ /",
    "/ask_privacy",
    "/nlu_fallback",
    "/action_restart",
    "/EXTERNAL_reminder",
    '/affirm{"x": ' + "[" * 60,
    "/inform{}",
    '/inform{"topic": null, "age_band": [1, 2]}',
    "/utter_greet",
    "/stop",
    "/request_handoff",
    "/deny@0.99",
]
FORMAT = [
    "{0}",
    "%s%s%s%n",
    "{name}",
    "{{",
    "}}",
    "%(x)s",
    "{0!r:>{1}}",
    "\\N{BULLET}",
    "${jndi:ldap://x/a}",
    "%d %x %p",
    "{__class__}",
]
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\u2029"]
SURROGATES = ["\ud800", "\udfff", "\ud83d", "\ude00", "\udcff"]
INVALID_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xe6\xf8\xe5",
    b"\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
]
DANISH = [
    "hej",
    "hvordan søger jeg su",
    "hvad er en fgu",
    "jeg vil gerne have hjælp til mit cv",
    "tak",
    "kan jeg få en samtale med en vejleder",
    "hvornår har I åbent",
    "jeg er 17 år og vil gerne på efterskole",
    "ÆØÅ æøå",
    "jeg mangler et job",
    "hvad gør I med mine data",
    "Hvordan får jeg økonomisk støtte?",
    "jeg er gået ud af 9. klasse og ved ikke hvad jeg skal",
    "kan I ringe til mig",
    "farvel",
]
SMS_KEYWORDS = ["STOP", "Stop!", " stop ", "afmeld", "START", "HJÆLP", "hjaelp", "help", "MERE", "mere?"]

TEXT_KINDS = (
    "empty",
    "whitespace",
    "long",
    "emoji",
    "zero_width",
    "bidi",
    "html",
    "sql",
    "slash",
    "format",
    "control",
    "surrogate",
    "invalid_utf8",
    "cpr_like",
    "long_word",
    "danish",
    "mixed",
)


@dataclass(frozen=True)
class Sample:
    """One generated message text. `raw` holds bytes that are not valid UTF-8 (kind
    invalid_utf8); `text` is then what a lenient decoder would make of them."""

    kind: str
    text: str
    raw: Optional[bytes] = None

    def utf8(self) -> bytes:
        """The bytes to put on the wire (lone surrogates as their invalid encoding)."""
        return self.raw if self.raw is not None else self.text.encode("utf-8", "surrogatepass")


def _pick(rng: random.Random, pool: Sequence[str], low: int = 1, high: int = 4) -> str:
    return "".join(rng.choice(pool) for _ in range(rng.randint(low, high)))


def _cpr_like(rng: random.Random) -> str:
    """Made-up numbers in the CPR shape (DDMMYY-XXXX); never a real person's."""
    day, month, year, serial = rng.randint(1, 31), rng.randint(1, 12), rng.randint(0, 99), rng.randint(0, 9999)
    number = f"{day:02d}{month:02d}{year:02d}{rng.choice(['-', '', ' '])}{serial:04d}"
    return rng.choice(["{}", "mit cpr er {}", "cpr: {}", "{} hjælp", "jeg er født {} og vil søge su"]).format(number)


def text_sample(rng: random.Random, kind: str) -> Sample:
    """A message of one input class."""
    danish = rng.choice(DANISH)
    if kind == "empty":
        return Sample(kind, "")
    if kind == "whitespace":
        return Sample(kind, _pick(rng, WHITESPACE, 1, 40))
    if kind == "long":
        pool = rng.choice([DANISH, EMOJI, HTML + SQL, ZERO_WIDTH + BIDI + ["a"], ["x"], CONTROL, RTL_WORDS])
        size = rng.choice([MAX_MESSAGE_CHARS + 1, 2500, 5000, 10_000, 10_000, 10_000])
        text = ""
        while len(text) < size:
            text += rng.choice(pool) + rng.choice(["", " "])
        return Sample(kind, text[:size])
    if kind == "emoji":
        return Sample(kind, rng.choice(["{e}", "{d} {e}", "{e}{e}{e}", "{e} {d}"]).format(e=_pick(rng, EMOJI), d=danish))
    if kind == "zero_width":
        zw = _pick(rng, ZERO_WIDTH, 1, 6)
        return Sample(kind, rng.choice([zw, zw.join(danish), zw + danish + zw, "s" + zw + "u"]))
    if kind == "bidi":
        return Sample(
            kind, rng.choice(BIDI) + rng.choice([danish, rng.choice(RTL_WORDS), "gpj.exe"]) + rng.choice(["", "\u202c", "\u2069"])
        )
    if kind == "html":
        return Sample(kind, rng.choice(["{h}", "{d} {h}", "{h}{h}"]).format(h=rng.choice(HTML), d=danish))
    if kind == "sql":
        return Sample(kind, rng.choice(["{s}", "{d}{s}", "{s} {d}"]).format(s=rng.choice(SQL), d=danish))
    if kind == "slash":
        return Sample(kind, rng.choice(SLASH) + rng.choice(["", "", " " + danish, "\n/restart"]))
    if kind == "format":
        return Sample(kind, rng.choice(["{f}", "{d} {f}"]).replace("{d}", danish).replace("{f}", rng.choice(FORMAT)))
    if kind == "control":
        return Sample(
            kind, rng.choice(["{c}", "{d}{c}", "{c}{d}{c}"]).replace("{d}", danish).replace("{c}", _pick(rng, CONTROL, 1, 8))
        )
    if kind == "surrogate":
        return Sample(kind, rng.choice(["{s}", "hej {s}", "{s}{s}", "😀{s}su"]).replace("{s}", rng.choice(SURROGATES)))
    if kind == "invalid_utf8":
        raw = rng.choice([b"%s", b"hej %s", b"%s%s", "æ%sø".encode()]).replace(b"%s", rng.choice(INVALID_UTF8))
        return Sample(kind, raw.decode("utf-8", "replace"), raw)
    if kind == "cpr_like":
        return Sample(kind, _cpr_like(rng))
    if kind == "long_word":
        size = rng.choice([300, 1500, 1999, 2001, 4000])
        word = rng.choice(["a", "æ", "su", "Arbejdsmarkedsuddannelses", "ø"])
        return Sample(kind, (word * size)[:size])
    if kind == "danish":
        return Sample(kind, danish)
    if kind == "mixed":
        parts = [
            text_sample(
                rng, rng.choice(["emoji", "zero_width", "bidi", "html", "sql", "format", "control", "danish", "cpr_like"])
            ).text
        ]
        parts += [rng.choice(DANISH + RTL_WORDS + HTML + SQL + EMOJI) for _ in range(rng.randint(1, 3))]
        rng.shuffle(parts)
        return Sample(kind, rng.choice([" ", "", "\n"]).join(parts))
    raise ValueError(kind)


# --- cases, outcomes, reports ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One input to one channel. `expect`: "reply" (an answer or a clear 4xx), "answer" (must
    be answered), "refuse" (must be refused, with one of `statuses` for HTTP) or "ack" (SMS:
    acknowledged with 200 and nothing sent, as Twilio's status callbacks are, or a clear 4xx)."""

    channel: str
    kind: str
    data: Mapping[str, Any]
    expect: str = "reply"
    statuses: Tuple[int, ...] = ()

    def describe(self, limit: int = 160) -> str:
        shown = {k: (v if not isinstance(v, (str, bytes)) or len(v) <= limit else v[:limit]) for k, v in self.data.items()}
        text = repr(shown)
        return text if len(text) <= 2 * limit else text[: 2 * limit] + "…"


@dataclass(frozen=True)
class Outcome:
    verdict: str  # ANSWERED, REFUSED or FAILED
    label: str  # "200", "400", "ack:empty", "timeout", …
    detail: str = ""


@dataclass
class ChannelReport:
    """Counts per outcome and per input class, and the first failures with their input."""

    channel: str
    inputs: int = 0
    answered: int = 0
    refused: Counter = field(default_factory=Counter)  # label -> count (status code or error ack)
    failures: int = 0
    failure_labels: Counter = field(default_factory=Counter)
    by_kind: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failing_kinds: Counter = field(default_factory=Counter)
    first_failures: List[str] = field(default_factory=list)
    duration: float = 0.0
    _shown: Counter = field(default_factory=Counter, repr=False)

    def add(self, case: Case, outcome: Outcome) -> None:
        self.inputs += 1
        self.by_kind[case.kind][outcome.verdict] += 1
        if outcome.verdict == ANSWERED:
            self.answered += 1
        elif outcome.verdict == REFUSED:
            self.refused[outcome.label] += 1
        else:
            self.failures += 1
            self.failure_labels[outcome.label] += 1
            self.failing_kinds[case.kind] += 1
            # The first failures, at most 3 of each input class and failure type: one class that
            # always fails must not hide the others.
            shown = self._shown[(case.kind, outcome.label)]
            if len(self.first_failures) < FIRST_FAILURES and shown < 3:
                self._shown[(case.kind, outcome.label)] += 1
                detail = " ".join(outcome.detail.split())[:200]
                self.first_failures.append(f"[{case.kind}] {outcome.label}: {detail} | input {case.describe()}")

    @property
    def kinds(self) -> List[str]:
        return sorted(self.by_kind)

    def summary(self) -> str:
        rate = self.inputs / self.duration if self.duration else 0.0
        refused = ", ".join(f"{label}: {n}" for label, n in sorted(self.refused.items())) or "none"
        lines = [
            f"{self.channel}: {self.inputs} inputs in {self.duration:.1f} s ({rate:.1f}/s)",
            f"  answered {self.answered}, refused {sum(self.refused.values())} ({refused}), failures {self.failures}",
        ]
        if self.failures:
            lines.append("  failures by type: " + ", ".join(f"{k}: {n}" for k, n in self.failure_labels.most_common()))
            lines.append("  failing input classes: " + ", ".join(f"{k}: {n}" for k, n in self.failing_kinds.most_common()))
            lines += [f"  - {line}" for line in self.first_failures]
        return "\n".join(lines)


def _http_outcome(response: requests.Response) -> Optional[Outcome]:
    """The verdict for statuses that do not depend on the channel: 5xx fails, 4xx refuses
    (400 and 429 must say why in JSON on REST; checked there)."""
    if response.status_code >= 500:
        return Outcome(FAILED, f"{response.status_code}", response.text[:200])
    if 400 <= response.status_code < 500:
        return Outcome(REFUSED, str(response.status_code))
    return None


def _expectation_check(case: Case, outcome: Outcome) -> Outcome:
    """Turns an answer to an input that had to be refused (or the other way round) into a
    failure: the behaviour contract, not only "no crash"."""
    if outcome.verdict == FAILED:
        return outcome
    if case.expect == "refuse" and outcome.verdict == ANSWERED:
        return Outcome(FAILED, "contract", f"expected a refusal {list(case.statuses) or ''}, got {outcome.label} (an answer)")
    if case.expect == "refuse" and case.statuses and outcome.label.isdigit() and int(outcome.label) not in case.statuses:
        if outcome.label != "429":  # the rate limit may come first; it is a clear 4xx too
            return Outcome(FAILED, "contract", f"expected status {list(case.statuses)}, got {outcome.label}")
    if case.expect == "answer" and outcome.verdict == REFUSED and outcome.label not in ("429", "ack:rate_limited"):
        return Outcome(FAILED, "contract", f"expected an answer, got a refusal {outcome.label}")
    return outcome


def _kinds_sequence(rng: random.Random, count: int, kinds: Sequence[str], weights: Sequence[float]) -> List[str]:
    """`count` input classes: every class at least twice (when count allows), the rest drawn by weight."""
    base = [kind for kind in kinds for _ in range(2)][:count]
    chosen = base + rng.choices(list(kinds), weights=list(weights), k=count - len(base))
    rng.shuffle(chosen)
    return chosen


def _without_body_limit(cases: List[Case]) -> List[Case]:
    """For a stack with no 64 KiB limit in front (the development assistant): a huge body
    must then get an answer or a clear 4xx, like any other input."""
    return [replace(case, expect="reply", statuses=()) if case.statuses == (413,) else case for case in cases]


def _groups(
    cases: List[Case], rng: random.Random, alone: Callable[[Case], bool], leads: Callable[[Case], bool] = lambda case: False
) -> List[List[Case]]:
    """Cases in groups of 1-3 that share one identity (sender, socket, phone number).
    A case for which `alone` is true gets a group of its own; one for which `leads` is true
    starts a new group (it needs a fresh socket)."""
    groups: List[List[Case]] = []
    current: List[Case] = []
    target = rng.randint(1, INPUTS_PER_IDENTITY)
    for case in cases:
        if alone(case):
            groups.append([case])
            continue
        if leads(case) and current:
            groups.append(current)
            current, target = [], rng.randint(1, INPUTS_PER_IDENTITY)
        current.append(case)
        if len(current) >= target:
            groups.append(current)
            current, target = [], rng.randint(1, INPUTS_PER_IDENTITY)
    if current:
        groups.append(current)
    return groups


def _run_groups(
    channel: str, groups: List[List[Case]], workers: int, run_group: Callable[[List[Case]], List[Tuple[Case, Outcome]]]
) -> ChannelReport:
    report = ChannelReport(channel)
    lock = threading.Lock()
    started = time.perf_counter()

    def one(group: List[Case]) -> None:
        try:
            results = run_group(group)
        except Exception as exc:  # a bug in the fuzzer must show, not vanish in a thread
            results = [(case, Outcome(FAILED, "fuzzer-error", f"{type(exc).__name__}: {exc}")) for case in group]
        with lock:
            for case, outcome in results:
                report.add(case, _expectation_check(case, outcome))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one, groups))
    report.duration = time.perf_counter() - started
    return report


_local = threading.local()


def _session() -> requests.Session:
    """One HTTP session per worker thread (requests.Session is not thread-safe)."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _post(url: str, body: bytes, headers: Dict[str, str], method: str = "POST") -> Union[requests.Response, Outcome]:
    try:
        return _session().request(method, url, data=body, headers=headers, timeout=(5, TIMEOUT))
    except requests.Timeout:
        return Outcome(FAILED, "timeout", f"no answer within {TIMEOUT:.0f} s")
    except requests.RequestException as exc:
        _local.__dict__.pop("session", None)  # a broken keep-alive connection must not spoil the next request
        return Outcome(FAILED, "connection", f"{type(exc).__name__}: {str(exc)[:200]}")


# --- REST --------------------------------------------------------------------------------------

REST_MUTATIONS = (
    "missing_sender",
    "empty_sender",
    "sender_not_string",
    "sender_too_long",
    "sender_odd",
    "missing_message",
    "message_not_string",
    "body_not_object",
    "not_json",
    "invalid_utf8_body",
    "deep_nesting",
    "huge_json",
    "wrong_content_type",
    "extra_fields",
    "metadata_not_object",
    "wrong_method",
)


def _json_body(rng: random.Random, value: Any) -> bytes:
    """JSON as clients send it: sometimes ASCII-escaped, sometimes raw UTF-8 (lone surrogates
    always escaped, as JavaScript's JSON.stringify does)."""
    if rng.random() < 0.5:
        return json.dumps(value).encode()
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r"[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text).encode()


def rest_cases(count: int, seed: int) -> List[Case]:
    """`count` REST inputs. The sender is filled in at run time (SENDER in the body)."""
    rng = random.Random(seed)
    kinds = _kinds_sequence(rng, count, TEXT_KINDS + REST_MUTATIONS, [2.0] * len(TEXT_KINDS) + [1.0] * len(REST_MUTATIONS))
    return [_rest_case(rng, kind) for kind in kinds]


SENDER = "FUZZSENDERPLACEHOLDER"  # replaced in the body by the run's sender id (ASCII) when sent


def _rest_case(rng: random.Random, kind: str) -> Case:
    sender_json = json.dumps(SENDER)
    hello = rng.choice(DANISH)
    ctype = "application/json"

    def case(
        body: bytes, expect: str = "reply", statuses: Tuple[int, ...] = (), content_type: str = ctype, method: str = "POST"
    ) -> Case:
        data = {"body": body, "content_type": content_type, "method": method}
        if len(body) > MAX_BODY:
            expect, statuses = "refuse", (413,)
        return Case("rest", kind, data, expect, statuses)

    if kind in TEXT_KINDS:
        sample = text_sample(rng, kind)
        if sample.raw is not None:  # not UTF-8, so not JSON (RFC 8259): a clear 400
            return case(b'{"sender": ' + sender_json.encode() + b', "message": "' + sample.raw + b'"}', "refuse", (400,))
        body = _json_body(rng, {"sender": SENDER, "message": sample.text})
        return case(body, "answer" if len(sample.text) > MAX_MESSAGE_CHARS else "reply")
    if kind == "missing_sender":
        return case(_json_body(rng, {"message": hello}), "refuse", (400,))
    if kind == "empty_sender":
        return case(_json_body(rng, {"sender": rng.choice(["", " ", "\t\n", "\u00a0"]), "message": hello}), "refuse", (400,))
    if kind == "sender_not_string":
        value = rng.choice([None, 5, 0, -1, 1.5, True, False, [], ["a"], {}, {"id": "a"}, 10**30])
        return case(_json_body(rng, {"sender": value, "message": hello}), "refuse", (400,))
    if kind == "sender_too_long":
        size = rng.choice([MAX_SENDER_CHARS + 1, 500, 5000, 20_000])
        return case(_json_body(rng, {"sender": ("s" * size), "message": hello}), "refuse", (400,))
    if kind == "sender_odd":
        # Strings within the length limit; either accepted as a conversation id or refused clearly.
        odd = rng.choice(
            [
                "../../etc/passwd",
                "<script>x</script>",
                "'; DROP TABLE events;--",
                "😀👨‍👩‍👧",
                "\u202eabc",
                "a\u200bb",
                "\ud800",
                "a\x00b",
                "default",
                "%s{0}",
            ]
        )
        return case(_json_body(rng, {"sender": odd + "-" + SENDER, "message": hello}))
    if kind == "missing_message":
        return case(_json_body(rng, {"sender": SENDER}), "refuse", (400,))
    if kind == "message_not_string":
        value = rng.choice([None, 5, 0, 1.5, True, [], ["hej"], {}, {"text": "hej"}])
        return case(_json_body(rng, {"sender": SENDER, "message": value}), "refuse", (400,))
    if kind == "body_not_object":
        body = rng.choice([b"null", b"5", b'"hej"', b"true", b"[]", b'[{"sender": "a", "message": "hej"}]', b"1e999", b"{}"])
        return case(body, "refuse", (400,))
    if kind == "not_json":
        body = rng.choice(
            [
                b"",
                b"hej",
                b"{",
                b'{"sender": "a", "message": "hej"',
                b"sender=a&message=hej",
                b"<xml/>",
                b"{'sender': 'a', 'message': 'hej'}",
                b'{"sender": "a", "message": "hej",}',
                b"NaN",
                b"\x00\x01\x02",
                bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))),
            ]
        )
        return case(body, "refuse", (400,))
    if kind == "invalid_utf8_body":
        raw = rng.choice(INVALID_UTF8)
        body = rng.choice(
            [raw, b'{"sender": ' + sender_json.encode() + b', "message": "hej' + raw + b'"}', b"\xef\xbb\xbf" + raw]
        )
        return case(body, "refuse", (400,))
    if kind == "deep_nesting":
        depth = rng.choice([1000, 5000, 20_000, 30_000])
        nested = "[" * depth + "]" * depth
        where = rng.choice(["metadata", "message", "body"])
        if where == "body":
            return case(nested.encode(), "refuse", (400,))
        body = '{"sender": ' + sender_json + ', "message": ' + ('"hej"' if where == "metadata" else nested)
        body += (', "metadata": {"x": ' + nested + "}" if where == "metadata" else "") + "}"
        return case(body.encode(), "refuse" if where == "message" else "reply", (400,) if where == "message" else ())
    if kind == "huge_json":
        filler = rng.choice(["message", "metadata", "junk"])
        big = "x" * rng.choice([MAX_BODY + 1024, 200_000, 1_000_000])
        value: Dict[str, Any] = {"sender": SENDER, "message": big if filler == "message" else hello}
        if filler != "message":
            value[filler] = {"x": big} if filler == "metadata" else big
        return case(json.dumps(value).encode(), "refuse", (413,))
    if kind == "wrong_content_type":
        body = _json_body(rng, {"sender": SENDER, "message": hello})
        content_type = rng.choice(
            [
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "",
                "application/xml",
                "application/json; charset=latin-1",
            ]
        )
        return case(body, content_type=content_type)
    if kind == "extra_fields":
        extra = rng.choice(
            [
                {"metadata": {}},
                {"metadata": {"a": [1, {"b": None}]}},
                {"input_channel": "sms"},
                {"stream": True},
                {"sender_id": "other"},
                None,  # a 4,400-digit number: Python's json refuses to turn it into an int
            ]
        )
        if extra is None:
            return case(_json_body(rng, {"sender": SENDER, "message": hello})[:-1] + b', "x": ' + b"9" * 4400 + b"}")
        return case(_json_body(rng, {"sender": SENDER, "message": hello, **extra}))
    if kind == "metadata_not_object":
        value = rng.choice(["x", 5, [], True, [{"a": 1}]])
        return case(_json_body(rng, {"sender": SENDER, "message": hello, "metadata": value}), "refuse", (400,))
    if kind == "wrong_method":
        method = rng.choice(["GET", "PUT", "DELETE", "PATCH"])
        return case(_json_body(rng, {"sender": SENDER, "message": hello}), "refuse", (404, 405), method=method)
    raise ValueError(kind)


def _rest_answer(response: requests.Response) -> Outcome:
    """200 with a non-empty list of messages, each with text, buttons or custom content."""
    try:
        answer = response.json()
    except ValueError:
        return Outcome(FAILED, "bad-answer", f"200 without JSON: {response.text[:120]!r}")
    if not isinstance(answer, list) or not answer:
        return Outcome(FAILED, "no-answer", f"200 with {str(answer)[:120]!r}")
    if not all(isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("custom") or m.get("image")) for m in answer):
        return Outcome(FAILED, "bad-answer", f"a message without text/buttons/custom: {str(answer)[:200]}")
    return Outcome(ANSWERED, "200")


def _rest_refusal(response: requests.Response, outcome: Outcome) -> Outcome:
    """400 and 429 must carry {"error": "..."} so a client can tell what was wrong."""
    if response.status_code in (400, 429):
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, str) or not error:
            return Outcome(FAILED, "unclear-4xx", f"{response.status_code} without a JSON error: {response.text[:120]!r}")
    return outcome


def fuzz_rest(base_url: str, count: int = 10_000, seed: int = 1, workers: int = 6, body_limit: bool = True) -> ChannelReport:
    """Sends `count` generated inputs to POST {base_url}/webhooks/rest/webhook. `body_limit`:
    bodies over 64 KiB must be refused with 413 (nginx and Sanic in the production profile)."""
    rng = random.Random(seed)
    cases = rest_cases(count, seed) if body_limit else _without_body_limit(rest_cases(count, seed))
    groups = _groups(cases, rng, alone=lambda case: False)
    url = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
    run = uuid.uuid4().hex[:8]
    counter = itertools.count()

    def run_group(group: List[Case]) -> List[Tuple[Case, Outcome]]:
        sender = f"fuzz-{run}-{next(counter)}"
        results = []
        for case in group:
            body = case.data["body"].replace(SENDER.encode(), sender.encode())
            headers = {"Content-Type": case.data["content_type"]} if case.data["content_type"] else {}
            got = _post(url, body, headers, method=case.data["method"])
            if isinstance(got, Outcome):
                results.append((case, got))
                continue
            outcome = _http_outcome(got)
            if outcome is not None:
                results.append((case, _rest_refusal(got, outcome)))
            elif got.status_code == 200:
                results.append((case, _rest_answer(got)))
            else:
                results.append((case, Outcome(FAILED, f"{got.status_code}", got.text[:120])))
        return results

    return _run_groups("rest", groups, workers, run_group)


# --- widget (socket.io) ------------------------------------------------------------------------

WIDGET_MUTATIONS = (
    "payload_not_object",
    "message_not_string",
    "missing_message",
    "missing_client_id",
    "odd_client_id",
    "odd_display",
    "repeated_client_id",
    "no_arguments",
    "extra_arguments",
    "no_session",
    "odd_session_request",
    "foreign_origin",
    "raw_invalid_utf8",
    "raw_malformed",
    "raw_too_large",
    "raw_after_close",
)
WIDGET_ALONE = ("foreign_origin", "raw_invalid_utf8", "raw_malformed", "raw_too_large", "raw_after_close")


class BrowserJson:
    """JSON as a browser's socket.io client writes it: UTF-8 as is, lone surrogates escaped
    (JSON.stringify). Python's default ASCII-escapes everything, which would make a
    10,000-emoji message three times larger than a browser's."""

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        text = json.dumps(obj, ensure_ascii=False, **kwargs)
        return re.sub(r"[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)

    @staticmethod
    def loads(text: Union[str, bytes], **kwargs: Any) -> Any:
        return json.loads(text, **kwargs)


def _client_id(rng: random.Random) -> str:
    return "%032x" % rng.getrandbits(128)


def widget_cases(count: int, seed: int) -> List[Case]:
    rng = random.Random(seed)
    kinds = _kinds_sequence(rng, count, TEXT_KINDS + WIDGET_MUTATIONS, [2.0] * len(TEXT_KINDS) + [1.0] * len(WIDGET_MUTATIONS))
    return [_widget_case(rng, kind) for kind in kinds]


def _widget_packet_size(payload: Any) -> int:
    return len(("421" + BrowserJson.dumps(["user_uttered", payload], separators=(",", ":"))).encode("utf-8", "surrogatepass"))


def _widget_case(rng: random.Random, kind: str) -> Case:
    hello = rng.choice(DANISH)

    def utter(payload: Any, expect: str = "reply", op: str = "utter") -> Case:
        return Case("widget", kind, {"op": op, "payload": payload}, expect)

    if kind in TEXT_KINDS:
        sample = text_sample(rng, kind)
        if sample.raw is not None:  # a socket.io message is JSON text; broken bytes only fit a raw transport packet
            packet = b'42["user_uttered",{"message":"' + sample.raw + b'","client_id":"' + _client_id(rng).encode() + b'"}]'
            return Case("widget", kind, {"op": "raw", "packet": packet}, "refuse")
        payload = {"message": sample.text, "client_id": _client_id(rng)}
        if _widget_packet_size(payload) > MAX_BODY - 512:  # would exceed the transport's limit: its own case
            return Case(
                "widget",
                kind,
                {"op": "raw", "packet": b"42" + BrowserJson.dumps(["user_uttered", payload]).encode("utf-8", "surrogatepass")},
                "refuse",
            )
        return utter(payload, "answer" if len(sample.text) > MAX_MESSAGE_CHARS else "reply")
    if kind == "payload_not_object":
        return utter(rng.choice(["hej", "", 5, 0, 1.5, True, False, [], ["hej"], [{"message": "hej"}]]), "refuse")
    if kind == "message_not_string":
        return utter(
            {"message": rng.choice([None, 5, 1.5, True, [], ["hej"], {}, {"text": "hej"}]), "client_id": _client_id(rng)},
            "refuse",
        )
    if kind == "missing_message":
        return utter(
            rng.choice([{}, {"client_id": _client_id(rng)}, {"text": hello}, {"msg": hello, "client_id": _client_id(rng)}]),
            "refuse",
        )
    if kind == "missing_client_id":
        return utter({"message": hello})
    if kind == "odd_client_id":
        odd = rng.choice(
            [None, 5, [], {}, "", "x", "a" * 65, "😀" * 10, "<script>", "../../x", "a" * 20_000, "\u202e" * 8, "\ud800abcdefgh"]
        )
        return utter({"message": hello, "client_id": odd})
    if kind == "odd_display":
        display = rng.choice(["<img src=x onerror=alert(1)>", "a" * 10_000, "", " ", 5, None, ["x"], "\u202eJob", "0101701234"])
        return utter(
            {
                "message": rng.choice(["/affirm", '/inform{"topic": "job"}', hello]),
                "client_id": _client_id(rng),
                "display": display,
            }
        )
    if kind == "repeated_client_id":
        return utter({"message": hello, "client_id": _client_id(rng)}, op="repeat")
    if kind == "no_arguments":
        return Case("widget", kind, {"op": "no_arguments"}, "refuse")
    if kind == "extra_arguments":
        return Case(
            "widget",
            kind,
            {"op": "extra_arguments", "payload": ({"message": hello, "client_id": _client_id(rng)}, rng.choice(["x", 5, {}]))},
        )
    if kind == "no_session":
        return utter({"message": hello, "client_id": _client_id(rng)}, "refuse", op="no_session")
    if kind == "odd_session_request":
        offered = rng.choice(
            [
                None,
                "x",
                5,
                [],
                {"session": 5},
                {"session": "a.b"},
                {"session": "x" * 20_000},
                {"session": None},
                {"session": "😀." + "a" * 40},
                {},
            ]
        )
        return Case("widget", kind, {"op": "session", "payload": offered}, "answer")
    if kind == "foreign_origin":
        origin = rng.choice(
            ["https://evil.example", "null", "http://127.0.0.1.evil.example", "https://www.aalborg.dk.evil.example", "file://"]
        )
        return Case("widget", kind, {"op": "foreign_origin", "origin": origin}, "refuse")
    if kind == "raw_invalid_utf8":
        raw = rng.choice(INVALID_UTF8)
        packet = rng.choice(
            [b'42["user_uttered",{"message":"hej' + raw + b'"}]', b'42["session_request",' + raw + b"]", raw, b"4" + raw]
        )
        return Case("widget", kind, {"op": "raw", "packet": packet}, "refuse")
    if kind == "raw_malformed":
        packet = rng.choice(
            [
                b'42["user_uttered",{"message":',
                b"42[",
                b"4",
                b'42"x"',
                b"42[]",
                b"42[5]",
                b'42["user_uttered"]',
                b'421["user_uttered"]',
                b'42["user_uttered",1,2,3]',
                b'43["x"]',
                b"49",
                b"6",
                b'42/other,["user_uttered",{"message":"hej"}]',
                b'451-["user_uttered",{"_placeholder":true,"num":0}]',
                b'42["connect",{}]',
                b'42["disconnect"]',
                b"4" * 5000,
                b'42["' + b"u" * 5000 + b'",{}]',
                b"\x1e\x1e\x1e",
            ]
        )
        return Case("widget", kind, {"op": "raw", "packet": packet}, "refuse")
    if kind == "raw_after_close":  # a browser tab closing while a message is still being posted
        packet = rng.choice([b'42["user_uttered",{"message":"hej"}]', b"2", b"40", b"1"])
        return Case("widget", kind, {"op": "raw", "packet": packet, "close_first": True}, "refuse")
    if kind == "raw_too_large":
        size = rng.choice([MAX_BODY + 1024, 200_000, 1_000_000])
        return Case("widget", kind, {"op": "raw", "packet": b'42["user_uttered",{"message":"' + b"x" * size + b'"}]'}, "refuse")
    raise ValueError(kind)


class _SocketClient:
    """A socket.io client over long-polling, as the widget in an old browser speaks."""

    def __init__(self, base_url: str, origin: str) -> None:
        self.events: "queue.Queue[Tuple[str, Any]]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False, json=BrowserJson, request_timeout=TIMEOUT)
        for name in ("session_confirm", "bot_uttered", "session_required"):
            self.sio.on(name, self._collector(name))
        self.sio.connect(base_url, transports=["polling"], headers={"Origin": origin}, wait_timeout=TIMEOUT)

    def _collector(self, name: str) -> Callable[..., None]:
        return lambda data=None, *_: self.events.put((name, data))

    def drain(self) -> List[Tuple[str, Any]]:
        got = []
        while True:
            try:
                got.append(self.events.get_nowait())
            except queue.Empty:
                return got

    def wait_for(self, name: str, timeout: float) -> Optional[Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                got, data = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if got == name:
                return data

    def close(self) -> None:
        # Polling's last long request is dropped, not awaited; engine.io's client then logs an
        # ERROR about its empty queue, which is expected here (as in tests/test_widget.py).
        logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
        try:
            self.sio.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001 - closing a socket the server already dropped
            pass


class _RawPolling:
    """Engine.IO long-polling by hand, to send packets no socket.io client would write
    (broken UTF-8, malformed packets, more than the transport's size limit). Like every
    polling client it keeps a GET outstanding: the server hands its packets to that, and
    without one a server-side close waits for a reader before it finishes."""

    def __init__(self, base_url: str, origin: str) -> None:
        self.url = f"{base_url.rstrip('/')}/socket.io/"
        self.origin = origin
        self.http = requests.Session()
        self.http.headers["Origin"] = origin
        opened = self.http.get(self.url, params={"EIO": "4", "transport": "polling"}, timeout=TIMEOUT)
        opened.raise_for_status()
        self.sid = json.loads(opened.text[1:])["sid"]
        self.send(b"40")  # connect to the default namespace
        self.http.get(self.url, params=self._params(), timeout=TIMEOUT)  # the namespace's confirmation
        # No session_request: its answer would sit in the queue, and a server-side close waits
        # until a reader has taken everything queued (the malformed packets fail before the
        # widget's handlers anyway; a message gets "session_required").
        self._poller = threading.Thread(target=self._poll, daemon=True)
        self._poller.start()
        time.sleep(0.05)  # the GET is waiting at the server before anything else is posted

    def _params(self) -> Dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    def _poll(self) -> None:
        reader = requests.Session()
        reader.headers["Origin"] = self.origin
        try:
            while True:
                got = reader.get(self.url, params=self._params(), timeout=60)
                packets = got.text.split("\x1e")
                if got.status_code != 200 or "1" in packets or "6" in packets:
                    return  # the session is closed
                if "2" in packets:  # ping: answer it, the session stays open while the case runs
                    reader.post(self.url, params=self._params(), data=b"3", headers={"Content-Type": "text/plain;charset=UTF-8"})
        except requests.RequestException:
            return
        finally:
            reader.close()

    def send(self, packet: bytes) -> requests.Response:
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        return self.http.post(self.url, params=self._params(), data=packet, headers=headers, timeout=TIMEOUT)

    def close(self) -> None:
        """Closes the session if the server has not (a close packet for a session the server
        dropped would only repeat the raw_after_close case)."""
        self._poller.join(0.3)
        if self._poller.is_alive():
            try:
                self.send(b"1")
            except requests.RequestException:
                pass
        self.http.close()


def _widget_raw(base_url: str, origin: str, case: Case) -> Outcome:
    """A broken transport packet: refused with a 4xx or ignored (200), never a 5xx; whatever
    the server makes of it internally shows in its log (checked separately)."""
    try:
        raw = _RawPolling(base_url, origin)
    except (requests.RequestException, ValueError, KeyError) as exc:
        return Outcome(FAILED, "connection", f"engine.io handshake failed: {type(exc).__name__}: {str(exc)[:160]}")
    try:
        if case.data.get("close_first"):
            raw.send(b"1")
        response = raw.send(case.data["packet"])
    except requests.Timeout:
        return Outcome(FAILED, "timeout", "the transport did not answer the POST")
    except requests.RequestException as exc:
        return Outcome(FAILED, "connection", f"{type(exc).__name__}: {str(exc)[:160]}")
    finally:
        raw.close()
    outcome = _http_outcome(response)
    if outcome is not None:
        return outcome
    return Outcome(REFUSED, "ignored", "")


def _widget_foreign_origin(base_url: str, case: Case) -> Outcome:
    try:
        client = _SocketClient(base_url, case.data["origin"])
    except socketio.exceptions.ConnectionError:
        return Outcome(REFUSED, "connect-refused")
    client.close()
    return Outcome(FAILED, "contract", f"a socket from origin {case.data['origin']!r} was accepted")


def _ack_outcome(client: _SocketClient, case: Case, ack: Any) -> Outcome:
    """{"ok": true} with bot messages, {"ok": true, "repeat": true}, or {"ok": false} with a reason."""
    if not isinstance(ack, dict) or "ok" not in ack:
        return Outcome(FAILED, "bad-ack", repr(ack)[:160])
    if ack["ok"] is True:
        if ack.get("repeat"):
            return Outcome(ANSWERED, "ack:repeat")
        if client.wait_for("bot_uttered", 2.0) is None:
            return Outcome(FAILED, "no-answer", f"ack {ack!r} but no bot_uttered")
        return Outcome(ANSWERED, "ack:ok")
    reason = ack.get("error") or ack.get("reason")
    if not isinstance(reason, str) or not reason:
        return Outcome(FAILED, "unclear-ack", f"{ack!r} says neither error nor reason")
    return Outcome(REFUSED, f"ack:{reason}")


def _widget_call(client: _SocketClient, event: str, data: Any) -> Union[Any, Outcome]:
    """Emits and waits for the acknowledgement; an Outcome when none came."""
    try:
        return client.sio.call(event, data, timeout=TIMEOUT)
    except socketio.exceptions.TimeoutError:
        return Outcome(FAILED, "timeout", f"no acknowledgement within {TIMEOUT:.0f} s")
    except socketio.exceptions.SocketIOError as exc:
        return Outcome(FAILED, "connection", f"{type(exc).__name__}: {exc}")


def fuzz_widget(base_url: str, origin: str, count: int = 10_000, seed: int = 1, workers: int = 6) -> ChannelReport:
    """Sends `count` generated inputs over the widget's socket.io (a new socket and session
    for every 1-3 inputs); `origin` must be an allowed origin."""
    rng = random.Random(seed)
    cases = widget_cases(count, seed)
    groups = _groups(
        cases,
        rng,
        alone=lambda case: case.kind in WIDGET_ALONE or case.data.get("op") == "raw",
        leads=lambda case: case.data.get("op") in ("no_session", "session"),
    )

    def run_group(group: List[Case]) -> List[Tuple[Case, Outcome]]:
        op = group[0].data["op"]
        if op == "foreign_origin":
            return [(group[0], _widget_foreign_origin(base_url, group[0]))]
        if op == "raw":
            return [(group[0], _widget_raw(base_url, origin, group[0]))]
        try:
            client = _SocketClient(base_url, origin)
        except socketio.exceptions.ConnectionError as exc:
            return [(case, Outcome(FAILED, "connection", f"connect failed: {exc}")) for case in group]
        results: List[Tuple[Case, Outcome]] = []
        has_session = False
        last_payload: Any = None
        try:
            for case in group:
                op = case.data["op"]
                if op == "session" or (op != "no_session" and not has_session):
                    offered = case.data["payload"] if op == "session" else {"session": None}
                    client.drain()
                    client.sio.emit("session_request", offered)
                    confirm = client.wait_for("session_confirm", TIMEOUT)
                    ok = isinstance(confirm, dict) and isinstance(confirm.get("session"), str)
                    has_session = has_session or ok
                    if op == "session":
                        outcome = (
                            Outcome(ANSWERED, "session_confirm") if ok else Outcome(FAILED, "no-answer", "no session_confirm")
                        )
                        results.append((case, outcome))
                        continue
                client.drain()
                if op == "no_arguments":
                    got = _widget_call(client, "user_uttered", None)
                elif op == "extra_arguments":
                    got = _widget_call(client, "user_uttered", case.data["payload"])
                elif op == "repeat":
                    first = _widget_call(client, "user_uttered", case.data["payload"])
                    if isinstance(first, Outcome):
                        results.append((case, first))
                        continue
                    client.wait_for("bot_uttered", 2.0)
                    client.drain()
                    got = _widget_call(client, "user_uttered", case.data["payload"])
                else:
                    got = _widget_call(client, "user_uttered", case.data["payload"])
                last_payload = case.data.get("payload")
                outcome = got if isinstance(got, Outcome) else _ack_outcome(client, case, got)
                if op == "repeat" and outcome.label == "ack:ok":
                    outcome = Outcome(FAILED, "contract", "a message sent again with the same client_id was answered twice")
                results.append((case, outcome))
        except Exception as exc:  # noqa: BLE001 - e.g. the server dropped the socket in the middle
            done = {id(c) for c, _ in results}
            results += [
                (c, Outcome(FAILED, "connection", f"{type(exc).__name__}: {exc}; last payload {last_payload!r:.80}"))
                for c in group
                if id(c) not in done
            ]
        finally:
            client.close()
        return results

    return _run_groups("widget", groups, workers, run_group)


# --- SMS (Twilio-format webhook) ---------------------------------------------------------------

SMS_MUTATIONS = (
    "keyword",
    "missing_from",
    "missing_body",
    "missing_message_sid",
    "only_sms_sid",
    "odd_from",
    "bad_signature",
    "duplicate_message_sid",
    "invalid_utf8_form",
    "wrong_content_type",
    "huge_form",
    "query_string",
    "extra_fields",
)
ACCOUNT_SID = "AC" + "f" * 32
TO_NUMBER = "+4570000000"
# Odd spellings of the group's own number (filled in per request: a fixed number shared by
# parallel groups could be opted out by another group's STOP).
SPACED_NUMBER, ZEROS_NUMBER, RTL_NUMBER = "{spaced number}", "{00 number}", "{rtl number}"


def sms_form_bytes(body: Union[str, bytes]) -> int:
    """The size of the form as it is sent (nginx refuses more than MAX_BODY with 413)."""
    return len(urlencode(inbound_fields(body, "+4520000000", "SM" + "0" * 32), quote_via=quote).encode())


def odd_spelling(template: Union[str, bytes], number: str) -> Union[str, bytes]:
    if template == SPACED_NUMBER:
        return f"{number[:3]} {number[3:5]} {number[5:7]} {number[7:9]} {number[9:]}"
    if template == ZEROS_NUMBER:
        return "00" + number[1:]
    if template == RTL_NUMBER:
        return "\u202e" + number
    return template


def sms_cases(count: int, seed: int) -> List[Case]:
    rng = random.Random(seed)
    kinds = _kinds_sequence(rng, count, TEXT_KINDS + SMS_MUTATIONS, [2.0] * len(TEXT_KINDS) + [1.0] * len(SMS_MUTATIONS))
    return [_sms_case(rng, kind) for kind in kinds]


def _sms_case(rng: random.Random, kind: str) -> Case:
    """Data: "body" (str or raw bytes), and what to do to the form: "drop" (fields), "set"
    (fields), "sign" (ok, wrong_token, wrong_url, none, garbage, tampered), "raw" (send
    these bytes as the whole body), "query", "content_type", "repeat" (send twice)."""
    hello = rng.choice(DANISH)

    def case(body: Union[str, bytes], expect: str = "answer", statuses: Tuple[int, ...] = (), **extra: Any) -> Case:
        return Case("sms", kind, {"body": body, **extra}, expect, statuses)

    if kind in TEXT_KINDS:
        sample = text_sample(rng, kind)
        if kind == "surrogate":  # a form carries UTF-8: a lone surrogate can only arrive as its (invalid) bytes
            return case(sample.utf8(), "reply")
        body: Union[str, bytes] = sample.raw if sample.raw is not None else sample.text
        if sms_form_bytes(sample.utf8()) > MAX_BODY:  # percent-encoded emoji take 12 bytes each
            return case(body, "refuse", (413,))
        return case(body, "reply" if sample.raw is not None else "answer")
    if kind == "keyword":
        return case(rng.choice(SMS_KEYWORDS))
    # A signed webhook without a sender or message id is not an inbound SMS (Twilio's status
    # callbacks look like that): acknowledged, nothing sent. Without Body: the help text.
    if kind == "missing_from":
        return case(hello, "ack", drop=["From"], set=rng.choice([{}, {"From": ""}]))
    if kind == "missing_body":
        return case(hello, "answer", drop=["Body"])
    if kind == "missing_message_sid":
        return case(hello, "ack", drop=["MessageSid", "SmsSid", "SmsMessageSid"])
    if kind == "only_sms_sid":
        return case(hello, drop=["MessageSid"])
    if kind == "odd_from":
        odd = rng.choice(
            [
                "abc",
                "😀",
                "+",
                "0",
                SPACED_NUMBER,
                ZEROS_NUMBER,
                "<script>",
                "'; DROP TABLE x;--",
                "9" * 300,
                "+45" + "1" * 10_000,
                RTL_NUMBER,
            ]
        )
        return case(hello, "reply", set={"From": odd})
    if kind == "bad_signature":
        how = rng.choice(["wrong_token", "wrong_url", "none", "garbage", "tampered", "empty", "latin1"])
        return case(hello, "refuse", (403,), sign=how)
    if kind == "duplicate_message_sid":
        return case(hello, repeat=True)
    if kind == "invalid_utf8_form":
        raw = rng.choice(INVALID_UTF8)
        where = rng.choice(["percent", "bytes", "name"])
        return case(hello, "reply", invalid=(where, raw))
    if kind == "wrong_content_type":
        how = rng.choice(["json", "text/plain", "multipart/form-data", ""])
        return case(hello, "reply" if how != "json" else "ack", content_type=how)
    if kind == "huge_form":
        size = rng.choice([MAX_BODY + 1024, 200_000])
        return case("x" * size, "refuse", (413,))
    if kind == "query_string":
        return case(hello, query=rng.choice(["a=1", "x=%FF", "Body=overridden", "a=" + "b" * 2000]))
    if kind == "extra_fields":
        return case(
            hello,
            set=rng.choice(
                [
                    {"NumMedia": "1", "MediaUrl0": "https://evil.example/x.jpg"},
                    {"AccountSid": "ACother"},
                    {"Junk": "<script>"},
                    {"ToCountry": "😀"},
                ]
            ),
        )
    raise ValueError(kind)


def twilio_signature(token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    """Twilio's documented algorithm (names sorted, each name followed by its value, values
    of a repeated name sorted), HMAC-SHA1 with the auth token, base64."""
    data = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    return base64.b64encode(hmac.new(token.encode(), data.encode("utf-8", "surrogatepass"), hashlib.sha1).digest()).decode()


def inbound_fields(body: Union[str, bytes], sender: str, message_sid: str) -> Dict[str, Union[str, bytes]]:
    """The form fields Twilio posts for an inbound SMS (the tests' own form, to this stack's number)."""
    return inbound_form(body, sender, TO_NUMBER, ACCOUNT_SID, message_sid)


@dataclass
class _SmsRequest:
    url: str
    body: bytes
    headers: Dict[str, str]
    sender: str  # the From field as the server reads it ("" when missing)


def _sms_request(case: Case, post_url: str, public_url: str, token: str, number: str) -> _SmsRequest:
    data = case.data
    fields: Dict[str, Union[str, bytes]] = inbound_fields(data["body"], number, "SM" + uuid.uuid4().hex)
    for name in data.get("drop") or []:
        fields.pop(name, None)
    fields.update(data.get("set") or {})
    fields["From"] = odd_spelling(fields.get("From", ""), number) if "From" in fields else None
    if fields["From"] is None:
        fields.pop("From")
    invalid = data.get("invalid")
    if invalid and invalid[0] == "percent":
        fields["Body"] = b"hej " + invalid[1]  # percent-encoded below: %FF etc.
    query = data.get("query") or ""
    content_type = data.get("content_type", "application/x-www-form-urlencoded")
    if content_type == "json":
        raw = json.dumps({k: v for k, v in fields.items() if isinstance(v, str)}).encode()
        content_type = "application/json"
    else:
        raw = urlencode(fields, quote_via=quote).encode()
    if invalid and invalid[0] != "percent":
        where, bad = invalid
        if where == "bytes":
            raw = raw.replace(b"Body=", b"Body=" + bad, 1)
        else:
            raw += b"&Junk" + bad + b"=x"
    # The parameters exactly as the server reads them (Sanic's body, decoded leniently).
    seen = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    signed_url = public_url + (f"?{query}" if query else "")
    sign = data.get("sign", "ok")
    signature = {
        "ok": lambda: twilio_signature(token, signed_url, seen),
        "wrong_token": lambda: twilio_signature(token + "x", signed_url, seen),
        "wrong_url": lambda: twilio_signature(token, post_url + "/", seen),
        "tampered": lambda: twilio_signature(token, signed_url, {**seen, "Body": ["noget andet"]}),
        "garbage": lambda: "not-a-signature==",
        "empty": lambda: "",
        "latin1": lambda: "æøå" * 9,
        "none": lambda: None,
    }[sign]()
    headers = {"Content-Type": content_type} if content_type else {}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature.encode("utf-8").decode("latin-1")
    url = post_url + (f"?{query}" if query else "")
    return _SmsRequest(url, raw, headers, (seen.get("From") or [""])[0])


class _Gateway:
    """The gateway stand-in's list of sent SMS (GET {gateway}/messages)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/") + "/messages"

    def sent_to(self, number: str) -> int:
        response = _session().get(self.url, timeout=TIMEOUT)
        response.raise_for_status()
        return sum(1 for message in response.json() if message.get("to") == number)


def fuzz_sms(
    base_url: str,
    public_url: str,
    auth_token: str,
    gateway_url: str,
    count: int = 10_000,
    seed: int = 1,
    workers: int = 6,
    body_limit: bool = True,
) -> ChannelReport:
    """Posts `count` generated webhooks to {base_url}/webhooks/sms/webhook, signed over
    `public_url` (the exact URL the gateway is configured with), and checks that each valid
    message got at least one SMS at the gateway stand-in. `body_limit`: bodies over 64 KiB
    must be refused with 413 (nginx and Sanic in the production profile)."""
    rng = random.Random(seed)
    cases = sms_cases(count, seed) if body_limit else _without_body_limit(sms_cases(count, seed))
    groups = _groups(cases, rng, alone=lambda case: False)
    post_url = f"{base_url.rstrip('/')}/webhooks/sms/webhook"
    gateway = _Gateway(gateway_url)
    first_number = 20_000_000 + secrets.randbelow(70_000_000)
    numbers = itertools.count()

    def fresh_number() -> str:
        return f"+45{(first_number + next(numbers)) % 80_000_000 + 20_000_000}"

    def run_group(group: List[Case]) -> List[Tuple[Case, Outcome]]:
        number = fresh_number()
        results = []
        for case in group:
            request = _sms_request(case, post_url, public_url, auth_token, number)
            to = normalise_number(request.sender) if request.sender else ""
            before = gateway.sent_to(to) if to else 0
            got = _post(request.url, request.body, request.headers)
            repeat = None
            if case.data.get("repeat") and not isinstance(got, Outcome) and got.status_code == 200:
                between = gateway.sent_to(to)
                repeat = _post(request.url, request.body, request.headers)
                before = between
            final = repeat if repeat is not None else got
            if isinstance(final, Outcome):
                results.append((case, final))
                continue
            outcome = _http_outcome(final)
            if outcome is not None:
                results.append((case, outcome))
                continue
            if final.status_code != 200:
                results.append((case, Outcome(FAILED, str(final.status_code), final.text[:120])))
                continue
            sent = (gateway.sent_to(to) if to else 0) - before
            said = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).get("Body", [""])[0]
            if case.expect == "refuse":
                outcome = Outcome(FAILED, "contract", f"expected status {list(case.statuses)}, got 200 and {sent} SMS")
            elif case.expect == "ack":
                outcome = (
                    Outcome(ANSWERED, "acknowledged")
                    if sent == 0
                    else Outcome(FAILED, "contract", f"not an inbound SMS, but {sent} SMS were sent")
                )
            elif repeat is not None:
                outcome = (
                    Outcome(ANSWERED, "duplicate-ignored")
                    if sent == 0
                    else Outcome(FAILED, "contract", f"a repeated MessageSid sent {sent} more SMS")
                )
            elif keyword(said) is Keyword.STOP:
                outcome = (
                    Outcome(ANSWERED, "stop-confirmed")
                    if sent == 1
                    else Outcome(FAILED, "contract", f"STOP sent {sent} SMS, not the one confirmation")
                )
                number = fresh_number()  # an opted-out number gets nothing more
            elif sent < 1:
                outcome = Outcome(FAILED, "no-answer", f"200 but no SMS sent to the sender (From {request.sender[:40]!r})")
            else:
                outcome = Outcome(ANSWERED, "200+sms")
            results.append((case, outcome))
        return results

    return _run_groups("sms", groups, workers, run_group)


# --- server logs ---------------------------------------------------------------------------------

# Python tracebacks and log levels; nginx's "[error]" and worse; PostgreSQL's "ERROR:" and worse.
LOG_PROBLEM = re.compile(r"Traceback|Exception| ERROR | CRITICAL |\[(error|crit|alert|emerg)\]|\b(ERROR|FATAL|PANIC):")
LOG_LINE_START = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d|^\[\d{4}-|^\d{4}/\d\d/\d\d|^\S+ - - \[")


@dataclass(frozen=True)
class LogProblem:
    file: str
    first_lines: str
    signature: str  # the exception that ended the traceback, or the record's first line


def log_offsets(paths: Sequence[Path]) -> Dict[Path, int]:
    """Where each log ends now: only what a run adds is scanned afterwards."""
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


CHAIN_LINES = ("During handling", "The above exception")


def _indented(line: str) -> bool:
    return line.startswith((" ", "\t"))


def _record_end(lines: List[str], start: int) -> int:
    """The line after the record that starts at `start`: a header line or two, then its
    traceback (chained ones included) up to the line that names the exception."""
    end = start + 1
    in_traceback = lines[start].startswith("Traceback")
    while end < len(lines) and not LOG_LINE_START.match(lines[end]):
        line = lines[end]
        if line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and not _indented(line) and line.strip() and not line.startswith(CHAIN_LINES):
            end += 1  # the exception line; a chained traceback may follow
            if end < len(lines) and (not lines[end].strip() or lines[end].startswith(CHAIN_LINES)):
                continue
            return end
        elif not in_traceback and not _indented(line) and not line.startswith("future: "):
            return end  # a record without a traceback ends at the next unindented line (asyncio's "future:" belongs)
        end += 1
    return end


def _signature(block: List[str]) -> str:
    """What makes two log records the same problem: the traceback's root exception, else the
    start of the record's first line without its time and numbers."""
    exceptions = [line for i, line in enumerate(block) if i and not _indented(line) and _indented(block[i - 1])]
    text = exceptions[0] if exceptions else re.sub(r"^[\d/: T,.-]+", "", block[0])  # a chain's root cause first
    text = re.sub(r"\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|0x[0-9a-f]+|\d+", "#", text)
    return text[:160] if exceptions else text[:70]


# Logged at error level by design, for a refusal the contract asks for (413 from nginx).
EXPECTED_LOG_LINES = re.compile(r"\[error\].*client intended to send too large body")


def scan_logs(paths: Sequence[Path], offsets: Optional[Mapping[Path, int]] = None, context: int = 6) -> List[LogProblem]:
    """Tracebacks, exceptions and ERROR lines written since `offsets` (one entry per log
    record with its traceback, showing the first lines and the exception)."""
    problems: List[LogProblem] = []
    for path in paths:
        if not path.exists():
            continue
        with path.open("rb") as handle:
            handle.seek((offsets or {}).get(path, 0))
            lines = handle.read().decode("utf-8", "replace").splitlines()
        index = 0
        while index < len(lines):
            if not LOG_PROBLEM.search(lines[index]) or EXPECTED_LOG_LINES.search(lines[index]):
                index += 1
                continue
            end = _record_end(lines, index)
            block = [line[:300] for line in lines[index:end] if line.strip()]
            shown = block[:context] + (["…", block[-1]] if len(block) > context else [])
            problems.append(LogProblem(path.name, "\n".join(shown), _signature(block)))
            index = end
    return problems


def log_summary(problems: Sequence[LogProblem], examples: int = FIRST_FAILURES) -> str:
    """Distinct problems (by exception) with how often and in which logs they occurred, and one example each."""
    counts = Counter(p.signature for p in problems)
    files: Dict[str, set] = defaultdict(set)
    example: Dict[str, LogProblem] = {}
    for problem in problems:
        files[problem.signature].add(problem.file)
        example.setdefault(problem.signature, problem)
    lines = [f"server logs: {len(problems)} exception/ERROR entries, {len(counts)} distinct"]
    for signature, number in counts.most_common(examples):
        lines.append(f"  - {number}x in {', '.join(sorted(files[signature]))}: {signature}")
        lines += ["      " + line for line in example[signature].first_lines.splitlines()]
    return "\n".join(lines)


# --- stacks for the CLI and the test ---------------------------------------------------------------


@dataclass
class Target:
    """Where the fuzzer sends its inputs, whichever stack runs."""

    base_url: str
    widget_origin: str
    sms_public_url: str
    sms_auth_token: str
    gateway_url: str
    log_files: Callable[[], List[Path]]
    name: str
    logs_at: str = ""
    body_limit: bool = True  # bodies over 64 KiB refused with 413 (nginx, and Sanic in front of Rasa)


def sms_env(tmp: Path, gateway_url: str, token: str) -> Dict[str, str]:
    """The SMS channel's settings for a stack on this machine, against the gateway stand-in."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_FROM_NUMBER": TO_NUMBER,
        "TWILIO_API_URL": gateway_url,
        "SMS_SENDER_KEY": secrets.token_urlsafe(32),
        "SMS_STORE_PATH": str(tmp / "sms.db"),
    }


@contextmanager
def dev_target(tmp: Path) -> Iterator[Target]:
    """tests.harness.services.Assistant (one Rasa process, the same channel code) with the
    SMS channel against a local gateway stand-in, and a profile with no staff on duty (so a
    hand-off asks questions instead of the bot going quiet)."""
    from tests.harness.fake_twilio import FakeTwilio
    from tests.harness.handoff import never_staffed
    from tests.harness.services import Assistant

    gateway = FakeTwilio()
    token = secrets.token_urlsafe(24)
    try:
        # No SANIC_REQUEST_MAX_SIZE here: the assistant gives every process the same environment,
        # and the action server must take Rasa's requests (tracker and domain, often over 64 KiB).
        env = {**sms_env(tmp, gateway.url, token), "VEJVISER_PROFILE": str(never_staffed(tmp))}
        assistant = Assistant(tmp, MODEL, extra_env=env)

        try:
            yield Target(
                base_url=assistant.url,
                widget_origin=assistant.allowed_origins[0],
                sms_public_url=f"{assistant.url}/webhooks/sms/webhook",
                sms_auth_token=token,
                gateway_url=gateway.url,
                log_files=lambda: sorted(tmp.glob("*.log")),
                name="dev",
                logs_at=str(tmp),
                body_limit=False,
            )
        finally:
            assistant.stop()
    finally:
        gateway.close()


@contextmanager
def production_target(tmp: Path, keep: bool = False) -> Iterator[Target]:
    """bot.launch.production.stack.ProductionStack (nginx in front of two Rasa processes) with
    throw-away secrets, the local SMS gateway stand-in and a profile with no staff on duty,
    started as the production tests start it (tests/harness/production.py)."""
    from tests.harness.handoff import never_staffed
    from tests.harness.production import start_stack

    # Not under pytest's tmp_path: as root PostgreSQL runs as `postgres`, which must enter it.
    base = Path(tempfile.mkdtemp(prefix="vejviser-fuzz-stack-"))
    base.chmod(0o711)
    stack = start_stack(base, MODEL, extra={"VEJVISER_PROFILE": str(never_staffed(tmp))})
    try:
        env = stack.env
        yield Target(
            base_url=stack.public_url,
            widget_origin=stack.widget_origin,
            sms_public_url=env["SMS_PUBLIC_URL"],
            sms_auth_token=env["TWILIO_AUTH_TOKEN"],
            gateway_url=env["TWILIO_API_URL"],
            log_files=lambda: sorted(p for p in Path(stack.log_dir).rglob("*") if p.is_file()),
            name="production",
            logs_at=str(stack.log_dir),
        )
    finally:
        stack.stop()
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


CHANNELS = ("rest", "widget", "sms")


def fuzz_channel(target: Target, channel: str, count: int, seed: int, workers: int) -> ChannelReport:
    """One channel's run against a started stack."""
    if channel == "rest":
        return fuzz_rest(target.base_url, count, seed, workers, target.body_limit)
    if channel == "widget":
        return fuzz_widget(target.base_url, target.widget_origin, count, seed, workers)
    if channel == "sms":
        token, gateway = target.sms_auth_token, target.gateway_url
        return fuzz_sms(target.base_url, target.sms_public_url, token, gateway, count, seed, workers, target.body_limit)
    raise ValueError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")


def run_channels(
    target: Target,
    channels: Sequence[str],
    count: int,
    seed: int,
    workers: int,
    on_report: Callable[[ChannelReport], None] = lambda report: None,
) -> Tuple[List[ChannelReport], List[LogProblem]]:
    """Fuzzes the channels one after the other; then the logs' new exceptions and errors."""
    offsets = log_offsets(target.log_files())
    reports = []
    for channel in channels:
        reports.append(fuzz_channel(target, channel, count, seed, workers))
        on_report(reports[-1])
    time.sleep(1.0)  # a turn's last log lines
    return reports, scan_logs(target.log_files(), offsets)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs per channel")
    parser.add_argument("--channels", default="rest,widget,sms")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=6, help="inputs sent in parallel")
    parser.add_argument("--target", choices=("production", "dev"), default="production")
    args = parser.parse_args(argv)
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        parser.error(f"unknown channel(s) {', '.join(unknown)}; choose from {', '.join(CHANNELS)}")
    tmp = Path(tempfile.mkdtemp(prefix="vejviser-fuzz-"))
    started = time.perf_counter()
    tmp.chmod(0o711)
    stack = production_target(tmp, keep=True) if args.target == "production" else dev_target(tmp)
    with stack as target:
        up = time.perf_counter() - started
        print(
            f"{target.name} stack up in {up:.0f} s (logs in {target.logs_at}); {args.count} inputs per channel, seed {args.seed}"
        )
        reports, problems = run_channels(
            target, channels, args.count, args.seed, args.workers, on_report=lambda report: print(report.summary(), flush=True)
        )
    print(log_summary(problems))
    return 1 if problems or any(r.failures for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
