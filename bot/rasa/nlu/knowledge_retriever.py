"""Rasa NLU component: picks the knowledge-base entry that answers the message.

Why an own component and not Rasa's ResponseSelector: the answers live as data that staff
edit (data/knowledge/, read by the action server at run time), not as retrieval intents
baked into the domain; a linear model on n-grams trains in seconds, gives calibrated
scores for "answer / Mente du ...? / neither", and costs well under a millisecond per
message. It runs after the intent classifier, the crisis guard and the fallback:

- it adds `knowledge` to the parse data: the best entries with their scores and the
  thresholds tuned when it was trained; the action server decides with them
  (bot/core/knowledge/choice.py), after passing over entries that do not apply;
- when the intent was rejected (nlu_fallback, out_of_scope) but one entry is confident
  enough to answer, it sets the intent to that entry's topic, so the question is answered, not refused. Crisis
  and every non-question intent are never touched.

Training: the question variants of every entry (titles and answers teach too), plus the
examples of the non-question intents (greetings, booking, yes/no, ...) and
`data/knowledge/_not_covered.txt` as a "no entry" class. The calibration and the
thresholds are then tuned on the tuning set, `data/knowledge/tuning/`: questions written
apart from the variants, from the answers only, some of them covered by no entry. The
held-out set (tests/knowledge_heldout/) is never seen.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.folding import fold_text
from bot.core.knowledge import Thresholds, load_entries
from bot.core.knowledge.choice import tune_thresholds
from bot.core.knowledge.entries import TOPICS
from bot.rasa.nlu.knowledge_model import NO_ENTRY, Calibration, KnowledgeModel, TrainingSet, calibrate
from bot.rasa.nlu.trusted_skops import load_trusted

logger = logging.getLogger(__name__)

KNOWLEDGE = "knowledge"
REJECTED_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
MODEL_FILE = "knowledge_retriever.skops"
META_FILE = "knowledge_retriever.json"
TRUSTED_TYPE_PREFIXES = ("sklearn.", "numpy.", "scipy.")
RANKING_LENGTH = 5
NOT_COVERED_FILE = "_not_covered.txt"


def training_set(training_data: TrainingData, knowledge_dir: Path) -> TrainingSet:
    """The entries' variants (titles and answers teach too), "no entry" examples from the
    non-question intents and `_not_covered.txt`, and every text by intent for the topic model."""
    data = TrainingSet([], [], [], [], {})
    entries = load_entries(knowledge_dir)
    for entry in entries:
        data.entry_topics[entry.id] = entry.topic
        for question in entry.questions:
            data.entry_texts.append(fold_text(question))
            data.entry_labels.append(entry.id)
            data.topic_texts.append(fold_text(question))
            data.topic_labels.append(entry.topic)
        for text in (entry.title, *entry.answer):
            data.extra_texts.append(fold_text(text))
            data.extra_labels.append(entry.id)
    for example in training_data.intent_examples:
        intent, text = example.get(INTENT), example.get(TEXT)
        if not text:
            continue
        data.topic_texts.append(fold_text(text))
        data.topic_labels.append(intent)
        if intent not in TOPICS:
            data.entry_texts.append(fold_text(text))
            data.entry_labels.append(NO_ENTRY)
    not_covered = knowledge_dir / NOT_COVERED_FILE
    if not_covered.exists():
        for line in not_covered.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                data.entry_texts.append(fold_text(line))
                data.entry_labels.append(NO_ENTRY)
                data.topic_texts.append(fold_text(line))
                data.topic_labels.append("out_of_scope")
    return data


def tuning_questions(directory: Path, entry_ids: set) -> Tuple[List[str], List[str]]:
    """(folded text, entry id or "no entry") of every tuning question."""
    texts: List[str] = []
    labels: List[str] = []
    for path in sorted(directory.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            entry = item.get("entry")
            if entry and entry not in entry_ids:
                raise ValueError(f"{path.name}: tuning question names unknown entry {entry!r}")
            texts.append(fold_text(str(item["text"])))
            labels.append(entry or NO_ENTRY)
    if not texts:
        raise ValueError(f"no tuning questions in {directory}: the thresholds are tuned on them")
    return texts, labels


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnowledgeRetriever(GraphComponent, IntentClassifier):
    """Ranks knowledge-base entries for each message (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[type]:
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_dir": "data/knowledge", "tuning_dir": "data/knowledge/tuning", "C": 0.5}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[KnowledgeModel] = None,
        thresholds: Optional[Thresholds] = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._thresholds = thresholds

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> KnowledgeRetriever:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        data = training_set(training_data, Path(self._config["knowledge_dir"]))
        texts, labels = tuning_questions(Path(self._config["tuning_dir"]), set(data.entry_topics))
        self._model = KnowledgeModel(float(self._config["C"])).fit(data)
        probabilities, calibration = calibrate(self._model, texts, labels)
        self._thresholds = tune_thresholds(probabilities, self._model.classes, labels, NO_ENTRY)
        logger.info(
            "knowledge retriever: %d entries, %d examples, %d tuning questions, calibration %s, thresholds %s",
            len(data.entry_topics), len(data.entry_texts), len(texts), calibration, self._thresholds,
        )
        self.persist()
        return self._resource

    def persist(self) -> None:
        import skops.io as sio

        with self._storage.write_to(self._resource) as directory:
            sio.dump({"entry": self._model.entry_model, "topic": self._model.topic_model}, directory / MODEL_FILE)
            meta = {
                "thresholds": self._thresholds.as_dict(),
                "calibration": self._model.calibration.as_dict(),
                "topics": self._model.entry_topics,
                "C": self._model.c,
            }
            (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KnowledgeRetriever:
        with model_storage.read_from(resource) as directory:
            parts = load_trusted(directory / MODEL_FILE, TRUSTED_TYPE_PREFIXES)
            meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        model = KnowledgeModel(float(meta["C"]), Calibration(**meta["calibration"]))
        model.entry_model, model.topic_model, model.entry_topics = parts["entry"], parts["topic"], meta["topics"]
        return cls(config, model_storage, resource, model, Thresholds.from_dict(meta["thresholds"]))

    def rank(self, text: str) -> List[Tuple[str, float]]:
        """(entry id, score) for the best entries, best first; "no entry" left out."""
        if self._model is None or not text.strip():
            return []
        probabilities = self._model.probabilities([fold_text(text)])[0]
        classes = self._model.classes
        order = np.argsort(-probabilities)
        ranking = [(classes[i], float(probabilities[i])) for i in order if classes[i] != NO_ENTRY]
        return ranking[:RANKING_LENGTH]

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        from bot.core.knowledge import choose

        for message in messages:
            text = message.get(TEXT) or ""
            ranking = self.rank(text)
            message.set(
                KNOWLEDGE,
                {
                    "ranking": [{"id": entry, "score": round(score, 4)} for entry, score in ranking],
                    "thresholds": self._thresholds.as_dict(),
                },
                add_to_output=True,
            )
            intent = message.get(INTENT) or {}
            if intent.get("name") in REJECTED_INTENTS or not intent.get("name"):
                choice = choose(ranking, self._thresholds)
                if choice.kind == "answer":  # a rejected message is only rescued by a confident entry
                    topic = self._model.entry_topics.get(choice.entry)
                    score = dict(ranking)[choice.entry]
                    message.set(INTENT, {"name": topic, "confidence": score}, add_to_output=True)
        return messages
