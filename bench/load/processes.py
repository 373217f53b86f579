"""Memory (VmRSS) and CPU per process of the stack, sampled from /proc while the load runs."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

CLK_TCK = os.sysconf("SC_CLK_TCK")


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

