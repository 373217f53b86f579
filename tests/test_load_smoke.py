"""A reduced `make bench-load` and `make soak` in the test suite: real conversations over
REST and the widget's websocket, several users at once, against the production profile.
It asserts what must hold on any machine (no errors, every message answered, nothing grows
without bound); the latency numbers are printed, not asserted (they depend on the machine:
`make bench-load` measures them)."""

from __future__ import annotations

import threading

import pytest

from bench.load.options import parse_args
from bench.load.processes import Sampler
from bench.load.runs import bench_run
from bench.load.targets import Target

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.mark.parametrize("channel", ["rest", "widget"])
def test_eight_users_at_once_get_every_answer(production_stack, channel, capsys):
    args = parse_args(["--duration", "15", "--warmup", "3", "--think", "1.0", "--widget-transport", "websocket"])
    sampler = Sampler(production_stack.pids)
    sampler.start()
    try:
        summary = bench_run(Target.from_stack(production_stack), sampler, channel, 8, args, threading.Event())
    finally:
        sampler.stop()
    with capsys.disabled():
        print("\n" + summary.line())
    assert not summary.errors, summary.details()
    assert not summary.limited, "8 users with a second between messages stay under every limit"
    assert len(summary.latencies_ms) >= 40, "about 8 users x 15 s / 1.5 s per turn were answered"
    assert summary.warmup_errors == 0
