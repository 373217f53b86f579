"""`make bench-knowledge`: the trained model on the blind knowledge held-out set.

Prints the scores and the per-topic table, writes them to results/bench/knowledge.json
and the topic confusion picture to results/bench/knowledge-confusion.png.
"""

from __future__ import annotations

import json
from pathlib import Path

from actions.knowledge import answer_context
from bot.core.knowledge import load_entries
from bot.core.profile import current_profile
from bot.quality.knowledge_eval import load_questions, score_model, write_confusion_picture

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "bench"
MODEL = ROOT / "models" / "vejviser.tar.gz"


class _NoSlots:
    @staticmethod
    def get_slot(_name):
        return None


def main() -> None:
    entries = {entry.id: entry for entry in load_entries()}
    scores = score_model(MODEL, load_questions(), entries, answer_context(current_profile(), _NoSlots()))
    print("Knowledge held-out set (tests/knowledge_heldout/, blind):")
    for name, value in scores.as_rows().items():
        print(f"  {name:42s} {value:8.3f}")
    print(f"\n  {'topic':24s} {'n':>4s} {'top-1':>6s} {'top-2':>6s} {'wrong':>6s}")
    table = scores.per_topic()
    for topic, row in table.items():
        print(f"  {topic:24s} {row['n']:4d} {row['top1']:6.2f} {row['top2']:6.2f} {row['wrong']:6.2f}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "knowledge.json").write_text(json.dumps({"scores": scores.as_rows(), "per_topic": table}, indent=2), encoding="utf-8")
    write_confusion_picture(scores, OUT / "knowledge-confusion.png")
    print(f"\n  wrote {OUT / 'knowledge.json'} and {OUT / 'knowledge-confusion.png'}")


if __name__ == "__main__":
    main()
