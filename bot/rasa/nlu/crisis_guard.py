"""Rasa NLU component that forces the crisis intent when a curated phrase occurs.

Crisis recall must be 1.0 and must not depend on how the statistical classifier
happened to train, so a reviewed phrase list has the last word before fallback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Pattern, Set, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.folding import fold_text

CRISIS_INTENT = "crisis"
DEFAULT_CONFIDENCE_FLOOR = 0.3


# Phones without æøå also get "a"/"o"/"e" alone: "slår" arrives as "slaar" or "slar".
_PLAIN_LETTER_SPELLINGS = (("aa", "a"), ("oe", "o"), ("ae", "a"), ("ae", "e"))


def spelling_variants(phrase: str) -> Set[str]:
    """The folded phrase plus every spelling with æ/ø/å typed as a single letter."""
    variants = {phrase}
    for folded, plain in _PLAIN_LETTER_SPELLINGS:
        variants |= {v.replace(folded, plain) for v in variants}
    return variants


def load_phrases(path: Path) -> List[str]:
    """Reads the phrase list, folded (see bot.core.folding), with its plain-letter variants."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    folded = [fold_text(str(phrase)) for phrase in data.get("phrases", []) if str(phrase).strip()]
    return sorted({variant for phrase in folded for variant in spelling_variants(phrase)})


def compile_phrases(phrases: Iterable[str]) -> Optional[Pattern[str]]:
    """One regex matching any phrase at word boundaries of a folded text."""
    alternatives = sorted({re.escape(p) for p in phrases if p}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


class CrisisMatcher:
    """Decides whether a raw user message contains a crisis phrase."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._pattern = compile_phrases(phrases)

    @classmethod
    def from_file(cls, path: Path) -> CrisisMatcher:
        return cls(load_phrases(path))

    def matches(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(fold_text(text)))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisGuard(GraphComponent, IntentClassifier):
    """Sets intent `crisis` with confidence 1.0 on a crisis phrase or a plausible crisis.

    A missed crisis costs far more than an unneeded crisis answer, so the classifier's
    crisis score only has to reach `crisis_confidence_floor`, not be the top intent.
    """

    @classmethod
    def required_components(cls) -> List[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"phrases": "bot/rasa/nlu/crisis_phrases.yml", "crisis_confidence_floor": DEFAULT_CONFIDENCE_FLOOR}

    def __init__(self, matcher: CrisisMatcher, crisis_confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR) -> None:
        self._matcher = matcher
        self._floor = crisis_confidence_floor

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisGuard:
        return cls(CrisisMatcher.from_file(Path(config["phrases"])), float(config["crisis_confidence_floor"]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and (self._matcher.matches(text) or self._model_sees_crisis(message)):
                _force_crisis(message)
        return messages

    def _model_sees_crisis(self, message: Message) -> bool:
        return any(
            entry.get("name") == CRISIS_INTENT and float(entry.get("confidence") or 0.0) >= self._floor
            for entry in message.get(INTENT_RANKING_KEY) or []
        )


def _force_crisis(message: Message) -> None:
    ranking = [
        {**entry, "confidence": float(entry.get("confidence") or 0.0) * 0.5}
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get("name") != CRISIS_INTENT
    ]
    crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
    message.set(INTENT, crisis, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [crisis] + ranking, add_to_output=True)
