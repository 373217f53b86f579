"""Scores a trained Rasa model on a split that was never used for training.

tests/nlu_heldout/ was written blind (its author saw neither the training data nor
the model's errors): it is the split the quality gate and `make bench` report.
tests/nlu_dev/ is the first, harder split; its errors guided a round of new training
data, so its score is optimistic. `make bench` prints it beside the held-out one.
Shared by the quality gate in `make test` and the side-by-side `make bench`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Dict, List, Tuple

from bot.core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
HELDOUT_DIR = ROOT / "tests" / "nlu_heldout"
DEV_DIR = ROOT / "tests" / "nlu_dev"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
CRISIS = "crisis"
REJECTED = {FALLBACK, OUT_OF_SCOPE}


def load_heldout(directory: Path = HELDOUT_DIR) -> List[Tuple[str, str]]:
    """(text, gold intent) pairs; entity annotations are stripped by Rasa's reader."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    pairs: List[Tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        data = RasaYAMLReader().read(str(path))
        pairs += [(m.get("text"), m.get("intent")) for m in data.intent_examples]
    return pairs


@dataclass
class NluScores:
    """What the held-out split says about one model."""

    gold: List[str]
    predicted: List[str]
    latencies_ms: List[float]
    errors: List[Tuple[str, str, str]] = field(default_factory=list)

    def _f1(self, intent: str) -> float:
        pairs = list(zip(self.gold, self.predicted, strict=True))
        tp = sum(g == p == intent for g, p in pairs)
        fp = sum(p == intent and g != intent for g, p in pairs)
        fn = sum(g == intent and p != intent for g, p in pairs)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.predicted, strict=True)) / len(self.gold)

    @property
    def macro_f1(self) -> float:
        intents = sorted(set(self.gold))
        return sum(self._f1(i) for i in intents) / len(intents)

    def _share(self, gold_filter: Callable[[str], bool], hit: Callable[[str], bool]) -> float:
        chosen = [p for g, p in zip(self.gold, self.predicted, strict=True) if gold_filter(g)]
        return sum(hit(p) for p in chosen) / len(chosen) if chosen else float("nan")

    @property
    def crisis_recall(self) -> float:
        return self._share(lambda g: g == CRISIS, lambda p: p == CRISIS)

    @property
    def out_of_scope_rejection(self) -> float:
        return self._share(lambda g: g == OUT_OF_SCOPE, lambda p: p in REJECTED)

    @property
    def false_rejection(self) -> float:
        return self._share(lambda g: g != OUT_OF_SCOPE, lambda p: p in REJECTED)

    @property
    def latency_median_ms(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def latency_p95_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_rows(self) -> Dict[str, float]:
        return {
            "intent accuracy": self.accuracy,
            "macro-F1": self.macro_f1,
            "crisis recall": self.crisis_recall,
            "out-of-scope rejection": self.out_of_scope_rejection,
            "false rejection": self.false_rejection,
            "parse latency median (ms)": self.latency_median_ms,
            "parse latency p95 (ms)": self.latency_p95_ms,
        }


async def score(parse: Callable[[str], Awaitable[Dict]], pairs: List[Tuple[str, str]]) -> NluScores:
    """Parses every held-out text one at a time and records intent and latency."""
    gold, predicted, latencies, errors = [], [], [], []
    for text, intent in pairs:
        started = time.perf_counter()
        result = await parse(text)
        latencies.append((time.perf_counter() - started) * 1000)
        name = (result.get("intent") or {}).get("name") or FALLBACK
        gold.append(intent)
        predicted.append(name)
        if name != intent:
            errors.append((text, intent, name))
    return NluScores(gold, predicted, latencies, errors)


def score_model(model_path: Path, pairs: List[Tuple[str, str]]) -> NluScores:
    """Loads a packed model and scores it on the pairs."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs every parsed text at debug level
    agent = Agent.load(str(model_path))

    async def run() -> NluScores:
        await agent.parse_message("hej")  # first parse builds lazy graph parts; not timed
        return await score(agent.parse_message, pairs)

    return asyncio.run(run())
