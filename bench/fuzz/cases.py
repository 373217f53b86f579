"""One input (Case), its verdict (Outcome) and a channel's counts (ChannelReport); cases grouped
by identity and sent in parallel, over one HTTP session per thread."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import requests

TIMEOUT = 10.0  # seconds until an answer counts as missing (the goal's limit)
INPUTS_PER_IDENTITY = 3  # a fresh sender / socket / phone number after this many (stays under the rate limit)
FIRST_FAILURES = 20

ANSWERED, REFUSED, FAILED = "answered", "refused", "failure"


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


def http_outcome(response: requests.Response) -> Optional[Outcome]:
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


def kinds_sequence(rng: random.Random, count: int, kinds: Sequence[str], weights: Sequence[float]) -> List[str]:
    """`count` input classes: every class at least twice (when count allows), the rest drawn by weight."""
    base = [kind for kind in kinds for _ in range(2)][:count]
    chosen = base + rng.choices(list(kinds), weights=list(weights), k=count - len(base))
    rng.shuffle(chosen)
    return chosen


def without_body_limit(cases: List[Case]) -> List[Case]:
    """For a stack with no 64 KiB limit in front (the development assistant): a huge body
    must then get an answer or a clear 4xx, like any other input."""
    return [replace(case, expect="reply", statuses=()) if case.statuses == (413,) else case for case in cases]


def group_cases(
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


def run_groups(
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


def thread_session() -> requests.Session:
    """One HTTP session per worker thread (requests.Session is not thread-safe)."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def post(url: str, body: bytes, headers: Dict[str, str], method: str = "POST") -> Union[requests.Response, Outcome]:
    try:
        return thread_session().request(method, url, data=body, headers=headers, timeout=(5, TIMEOUT))
    except requests.Timeout:
        return Outcome(FAILED, "timeout", f"no answer within {TIMEOUT:.0f} s")
    except requests.RequestException as exc:
        _local.__dict__.pop("session", None)  # a broken keep-alive connection must not spoil the next request
        return Outcome(FAILED, "connection", f"{type(exc).__name__}: {str(exc)[:200]}")

