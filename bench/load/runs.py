"""One measured run (a channel at a number of users), the soak, and --show."""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import threading
import time
import uuid
from typing import List, Sequence

import requests

from bench.load.conversations import CONVERSATIONS
from bench.load.processes import Sampler, Window
from bench.load.results import Outcome, Recorder, Summary
from bench.load.targets import Target
from bench.load.users import CHANNELS, REQUEST_TIMEOUT, Load, join, start_users


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

