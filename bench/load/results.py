"""Each message's outcome, and the summary of a run: throughput, latency percentiles, errors."""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass
from typing import List, Optional, Sequence


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

