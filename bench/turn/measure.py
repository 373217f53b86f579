"""One assistant under the message set: CPU per message, latency, throughput, peak memory.

CPU is the Rasa process's own utime+stime from /proc/<pid>/stat (its threads included,
the action server and booking service not), read around each message while only one
conversation runs, so the difference is that message's cost. The kernel counts it in
clock ticks (10 ms at the usual 100 Hz), which is why the mean is reported beside the
median. Peak memory is the Rasa process's VmHWM (high-water mark of its resident set)."""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

CLK_TCK = os.sysconf("SC_CLK_TCK")
Say = Callable[[str, str], List[Dict]]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        stat = handle.read().decode("utf-8", "replace")
    fields = stat[stat.rfind(")") + 2 :].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM line")


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


@dataclass
class Turns:
    """What one run saw: per message its wall time and (one conversation at a time) its CPU."""

    seconds: List[float] = field(default_factory=list)
    cpu_ms: List[float] = field(default_factory=list)
    unanswered: int = 0
    wall: float = 0.0


def play(say: Say, conversations: Sequence[Sequence[str]], turns: Turns, lock: threading.Lock, cpu_of=None) -> None:
    """Plays every conversation once, each under a new sender id."""
    for conversation in conversations:
        sender = "bench-turn-" + uuid.uuid4().hex
        for text in conversation:
            cpu_before = cpu_of() if cpu_of else 0.0
            started = time.perf_counter()
            reply = say(sender, text)
            took = time.perf_counter() - started
            cpu = (cpu_of() - cpu_before) * 1000 if cpu_of else None
            with lock:
                turns.seconds.append(took)
                if cpu is not None:
                    turns.cpu_ms.append(cpu)
                turns.unanswered += not reply


def one_at_a_time(say: Say, pid: int, conversations: Sequence[Sequence[str]]) -> Turns:
    turns = Turns()
    started = time.perf_counter()
    play(say, conversations, turns, threading.Lock(), cpu_of=lambda: cpu_seconds(pid))
    turns.wall = time.perf_counter() - started
    return turns


def at_once(say: Say, conversations: Sequence[Sequence[str]], users: int) -> Turns:
    """`users` threads, each playing the whole set, no think time: a closed loop."""
    turns, lock = Turns(), threading.Lock()
    failures: List[BaseException] = []

    def user() -> None:
        try:
            play(say, conversations, turns, lock)
        except BaseException as error:  # reported after the join: a thread's exception is lost otherwise
            failures.append(error)

    threads = [threading.Thread(target=user, name=f"bench-turn-user-{n}") for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    turns.wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return turns


def measure(say: Say, pid: int, conversations: Sequence[Sequence[str]], users: int) -> Dict[str, float]:
    """The numbers out/bench-turn.json holds for one assistant (after one warm-up pass)."""
    one_at_a_time(say, pid, conversations)  # warm-up: first use of each code path, lazy loading
    single = one_at_a_time(say, pid, conversations)
    many = at_once(say, conversations, users)
    c1_ms = [s * 1000 for s in single.seconds]
    return {
        "cpu_ms_per_msg": statistics.median(single.cpu_ms),
        "cpu_ms_per_msg_mean": statistics.fmean(single.cpu_ms),
        "p50_ms_c1": statistics.median(c1_ms),
        "p95_ms_c1": percentile(c1_ms, 0.95),
        "p95_ms_c8": percentile([s * 1000 for s in many.seconds], 0.95),
        "msgs_per_s_c8": len(many.seconds) / many.wall,
        "rss_mb": peak_rss_mb(pid),
        "messages_c1": len(single.seconds),
        "messages_c8": len(many.seconds),
        "unanswered": single.unanswered + many.unanswered,
    }
