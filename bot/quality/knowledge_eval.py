"""Scores the trained model on the blind knowledge held-out set (tests/knowledge_heldout/).

Each held-out question names the entry that answers it, or `entry: null` when no entry
does (with the `topic` whose general answer would still be fine, or null). A question is
parsed by the whole NLU pipeline and then routed as the assistant routes it: a question
topic goes to the answer action's decision (bot.core.knowledge.choice.outcome_for), the
fallback to the honest "I don't know", any other intent to its own flow. Shared by the
gate in `make test` and `make bench`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import yaml

from bot.core.knowledge.choice import ANSWER, CLARIFY, TOPIC, UNKNOWN, Outcome, outcome_for
from bot.core.knowledge.entries import TOPICS, AnswerContext, Entry
from bot.core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
HELDOUT_DIR = ROOT / "tests" / "knowledge_heldout"
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class HeldoutQuestion:
    text: str
    entry: Optional[str]
    topic: Optional[str]  # for questions no entry covers: the topic whose general answer is fine


def load_questions(directory: Path = HELDOUT_DIR) -> List[HeldoutQuestion]:
    questions = []
    for path in sorted(directory.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            questions.append(HeldoutQuestion(str(item["text"]), item.get("entry"), item.get("topic")))
    return questions


def route(parse_data: dict, applies: Callable[[str], bool]) -> Outcome:
    """What the assistant does with the message, as its rules and policies do it."""
    intent = (parse_data.get("intent") or {}).get("name") or FALLBACK
    if intent in TOPICS:
        return outcome_for(parse_data, applies, TOPICS)
    if intent == FALLBACK:
        return Outcome(UNKNOWN)
    return Outcome("other", topic=intent)


@dataclass
class KnowledgeScores:
    """What the held-out set says about one model."""

    covered: List[Tuple[HeldoutQuestion, Outcome]] = field(default_factory=list)
    not_covered: List[Tuple[HeldoutQuestion, Outcome]] = field(default_factory=list)
    latencies_ms: List[float] = field(default_factory=list)
    entry_topics: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def _share(items, hit) -> float:
        return sum(1 for item in items if hit(*item)) / len(items) if items else float("nan")

    @property
    def top1(self) -> float:
        return self._share(self.covered, lambda q, o: o.kind in (ANSWER, CLARIFY) and o.entries[0] == q.entry)

    @property
    def top2(self) -> float:
        return self._share(self.covered, lambda q, o: o.kind in (ANSWER, CLARIFY) and q.entry in o.entries[:2])

    @property
    def answered_right(self) -> float:
        return self._share(self.covered, lambda q, o: o.kind == ANSWER and o.entries[0] == q.entry)

    @property
    def wrong_specific(self) -> float:
        """A confident answer from the wrong entry."""
        return self._share(self.covered, lambda q, o: o.kind == ANSWER and o.entries[0] != q.entry)

    @property
    def not_covered_wrong_topic(self) -> float:
        """A question no entry covers, answered with an entry or another topic's general text."""

        def wrong(question: HeldoutQuestion, outcome: Outcome) -> bool:
            if outcome.kind == ANSWER:
                return True
            return outcome.kind == TOPIC and outcome.topic != question.topic

        return self._share(self.not_covered, wrong)

    @property
    def latency_p95_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")

    def as_rows(self) -> Dict[str, float]:
        return {
            "covered questions": len(self.covered),
            "not-covered questions": len(self.not_covered),
            "top-1 (first entry offered is right)": self.top1,
            "top-2 (right entry among the first two)": self.top2,
            "answered directly and right": self.answered_right,
            "wrong specific answer": self.wrong_specific,
            "not covered: wrong topic's answer": self.not_covered_wrong_topic,
            "parse latency median (ms)": statistics.median(self.latencies_ms) if self.latencies_ms else float("nan"),
            "parse latency p95 (ms)": self.latency_p95_ms,
        }

    def per_topic(self) -> Dict[str, Dict[str, float]]:
        grouped: Dict[str, list] = defaultdict(list)
        for question, outcome in self.covered:
            grouped[self.entry_topics.get(question.entry, "?")].append((question, outcome))
        table = {}
        for topic, items in sorted(grouped.items()):
            part = KnowledgeScores(covered=items)
            table[topic] = {"n": len(items), "top1": part.top1, "top2": part.top2, "wrong": part.wrong_specific}
        return table

    def confusions(self) -> Counter:
        """(gold topic, what was given: an entry's topic, or the outcome kind) -> count."""
        pairs: Counter = Counter()
        for question, outcome in self.covered:
            gold = self.entry_topics.get(question.entry, "?")
            given = self.entry_topics.get(outcome.entries[0], "?") if outcome.entries else f"({outcome.kind})"
            pairs[(gold, given)] += 1
        return pairs

    def errors(self) -> List[Tuple[str, str, str]]:
        wrong = []
        for question, outcome in self.covered:
            if not (outcome.entries and outcome.entries[0] == question.entry):
                wrong.append((question.text, question.entry, f"{outcome.kind}:{','.join(outcome.entries) or outcome.topic}"))
        for question, outcome in self.not_covered:
            if outcome.kind == ANSWER or (outcome.kind == TOPIC and outcome.topic != question.topic):
                wrong.append((question.text, "(none)", f"{outcome.kind}:{','.join(outcome.entries) or outcome.topic}"))
        return wrong


async def score(parse, questions: List[HeldoutQuestion], entries: Dict[str, Entry], context: AnswerContext) -> KnowledgeScores:
    def applies(entry_id: str) -> bool:
        entry = entries.get(entry_id)
        return entry is not None and entry.applies(context)

    scores = KnowledgeScores(entry_topics={e.id: e.topic for e in entries.values()})
    for question in questions:
        started = time.perf_counter()
        parsed = await parse(question.text)
        scores.latencies_ms.append((time.perf_counter() - started) * 1000)
        outcome = route(parsed, applies)
        (scores.covered if question.entry else scores.not_covered).append((question, outcome))
    return scores


def score_model(model_path: Path, questions: List[HeldoutQuestion], entries: Dict[str, Entry], context: AnswerContext):
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model_path))

    async def run() -> KnowledgeScores:
        await agent.parse_message("hej")  # first parse builds lazy graph parts; not timed
        return await score(agent.parse_message, questions, entries, context)

    return asyncio.run(run())


def write_confusion_picture(scores: KnowledgeScores, path: Path) -> None:
    """Topic-level confusion of the covered questions as a PNG heat map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = scores.confusions()
    gold = sorted({g for g, _ in pairs})
    given = sorted({g for _, g in pairs}, key=lambda name: (name.startswith("("), name))
    grid = [[pairs.get((g, p), 0) for p in given] for g in gold]
    figure, axes = plt.subplots(figsize=(max(8, len(given) * 0.55), max(6, len(gold) * 0.45)))
    axes.imshow(grid, cmap="Blues")
    axes.set_xticks(range(len(given)), given, rotation=70, ha="right", fontsize=8)
    axes.set_yticks(range(len(gold)), gold, fontsize=8)
    for row, values in enumerate(grid):
        for column, value in enumerate(values):
            if value:
                axes.text(column, row, str(value), ha="center", va="center", fontsize=7)
    axes.set_xlabel("entry given (its topic), or what happened instead")
    axes.set_ylabel("topic of the right entry")
    axes.set_title("Knowledge held-out set: where the questions went")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
