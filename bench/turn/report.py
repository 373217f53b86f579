"""out/bench-turn.json, the printed table and out/bench-turn.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

# (key, column title, better when): the keys out/bench-turn.json holds per assistant.
COLUMNS = [
    ("cpu_ms_per_msg", "CPU ms/msg (median)", "lower"),
    ("cpu_ms_per_msg_mean", "CPU ms/msg (mean)", "lower"),
    ("p50_ms_c1", "p50 ms, 1 conv.", "lower"),
    ("p95_ms_c1", "p95 ms, 1 conv.", "lower"),
    ("p95_ms_c8", "p95 ms, 8 conv.", "lower"),
    ("msgs_per_s_c8", "msgs/s, 8 conv.", "higher"),
    ("rss_mb", "peak RSS MB", "lower"),
]
TITLES = {"ours": "ours (config.yml)", "rasa_default": "Rasa default (rasa init)"}


def table(results: Dict[str, Dict[str, float]]) -> str:
    names = list(results)
    lines = [f"{'':24}" + "".join(f"{TITLES.get(n, n):>28}" for n in names)]
    for key, title, _ in COLUMNS:
        lines.append(f"{title:24}" + "".join(f"{results[n][key]:>28.1f}" for n in names))
    return "\n".join(lines)


def markdown(results: Dict[str, Dict[str, float]]) -> str:
    names = list(results)
    lines = ["| | " + " | ".join(TITLES.get(n, n) for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    for key, title, _ in COLUMNS:
        lines.append(f"| {title} (`{key}`) | " + " | ".join(f"{results[n][key]:.1f}" for n in names) + " |")
    return "\n".join(lines)


def write_json(results: Dict[str, Dict[str, float]], meta: Dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**results, "meta": meta}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_chart(results: Dict[str, Dict[str, float]], path: Path) -> None:
    """One small bar chart per measure, the assistants side by side."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    names = list(results)
    figure, grid = plt.subplots(2, (len(COLUMNS) + 1) // 2, figsize=(12, 6.4))
    axes = list(grid.flat)
    for unused in axes[len(COLUMNS) :]:
        unused.axis("off")
    for axis, (key, title, better) in zip(axes, COLUMNS, strict=False):
        values = [results[n][key] for n in names]
        bars = axis.bar([TITLES.get(n, n).split(" (")[0] for n in names], values, color=["#1f6f8b", "#b0b0b0"][: len(names)])
        axis.bar_label(bars, labels=[f"{v:.0f}" if v >= 100 else f"{v:.3g}" for v in values], fontsize=8)
        axis.set_title(f"{title}\n({better} is better)", fontsize=9)
        axis.tick_params(axis="x", labelsize=8, rotation=15)
        axis.tick_params(axis="y", labelsize=8)
    figure.suptitle("make bench-turn: Rasa process per message, REST channel", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
