"""python -m bench.load [--target production|dev] [--channels rest,widget]
    [--concurrency 1,8,32] [--duration 30] [--think 1.0] [--soak MINUTES]"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections import Counter
from typing import Any, List, Optional, Sequence

from bench.load.conversations import CONVERSATIONS
from bench.load.options import parse_args
from bench.load.processes import Sampler, Window
from bench.load.results import Summary, percentile
from bench.load.runs import bench_run, show_conversations, soak, widget_transport
from bench.load.targets import Target, started_target
from bench.load.users import REQUEST_TIMEOUT

TARGET_USERS, TARGET_P95_MS = 8, 300.0  # the target: 0 errors, p95 < 300 ms at 8 users


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
