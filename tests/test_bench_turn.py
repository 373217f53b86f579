"""`make bench-turn` in the test suite, so the benchmark cannot rot: its whole code path
(the harness start, the /proc readings, JSON, table and chart) against our assistant with a
handful of messages. The numbers depend on the machine and are not asserted; the keys and
their types are, since the README's table and later comparisons read them."""

from __future__ import annotations

import json
import math

import pytest

from bench.turn.conversations import CONVERSATIONS
from bench.turn.report import COLUMNS, table, write_chart, write_json
from bench.turn.run import benchmark, machine_note

pytestmark = [pytest.mark.model, pytest.mark.servers]
KEYS = ["cpu_ms_per_msg", "p50_ms_c1", "p95_ms_c1", "p95_ms_c8", "msgs_per_s_c8", "rss_mb"]


def test_the_benchmark_runs_against_ours_and_writes_its_json_and_chart(trained_model, tmp_path):
    handful = [CONVERSATIONS[0][:2], CONVERSATIONS[2][:2]]  # a greeting, a knowledge question, the intake's start
    results = benchmark(["ours"], handful, users=2)
    write_json(results, {"before": machine_note()}, tmp_path / "bench-turn.json")
    write_chart(results, tmp_path / "bench-turn.png")

    written = json.loads((tmp_path / "bench-turn.json").read_text(encoding="utf-8"))
    ours = written["ours"]
    for key in KEYS + [key for key, _, _ in COLUMNS]:
        assert isinstance(ours[key], float) and math.isfinite(ours[key]) and ours[key] >= 0, key
    assert ours["messages_c1"] == 4 and ours["messages_c8"] == 8 and ours["unanswered"] == 0
    assert ours["rss_mb"] > 0 and ours["msgs_per_s_c8"] > 0
    assert (tmp_path / "bench-turn.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "CPU ms/msg" in table(results)
