"""The retrieval model behind KnowledgeRetriever, in plain scikit-learn (no Rasa).

Two linear models on word and character n-grams of the folded text:
- the entry model scores every knowledge entry, and "no entry";
- the topic model scores the intents (trained on the NLU data and the entries' variants),
  so an entry whose topic does not fit the message is pushed down.
An entry's score is softmax(entry scores / T) x topic probability ^ alpha, normalised.
T, the topic temperature and alpha are chosen on the tuning set (questions written apart
from the variants, data/knowledge/tuning/) by the lowest log-loss, so the scores can be
read as probabilities.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

NO_ENTRY = "__none__"
CALIBRATION_GRID = {"temperature": (0.1, 0.2, 0.3), "topic_temperature": (0.1, 0.3), "alpha": (0.5, 1.0)}


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\w+")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    )


def _linear(c: float):
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline([("features", _features()), ("classifier", LinearSVC(C=c, random_state=0))])


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class TrainingSet:
    """entry_texts/entry_labels: variants (and titles, answers) by entry id, and "no entry"
    examples; topic_texts/topic_labels: every text by intent; entry_topics: id -> intent."""

    entry_texts: List[str]
    entry_labels: List[str]
    topic_texts: List[str]
    topic_labels: List[str]
    entry_topics: Dict[str, str]
    # Texts that only teach (titles, answers): never held out, never scored.
    extra_texts: List[str] = field(default_factory=list)
    extra_labels: List[str] = field(default_factory=list)


@dataclass
class Calibration:
    temperature: float = 0.2
    topic_temperature: float = 0.1
    alpha: float = 0.5

    def as_dict(self) -> Dict[str, float]:
        return {"temperature": self.temperature, "topic_temperature": self.topic_temperature, "alpha": self.alpha}


class KnowledgeModel:
    def __init__(self, c: float = 0.5, calibration: Optional[Calibration] = None) -> None:
        self.c = c
        self.calibration = calibration or Calibration()
        self.entry_model = None
        self.topic_model = None
        self.entry_topics: Dict[str, str] = {}

    @property
    def classes(self) -> List[str]:
        return [str(c) for c in self.entry_model.classes_]

    def fit(self, data: TrainingSet) -> KnowledgeModel:
        self.entry_topics = dict(data.entry_topics)
        self.entry_model = _linear(self.c).fit(data.entry_texts + data.extra_texts, data.entry_labels + data.extra_labels)
        extra_topics = [data.entry_topics[label] for label in data.extra_labels]
        self.topic_model = _linear(self.c).fit(data.topic_texts + data.extra_texts, data.topic_labels + extra_topics)
        return self

    def raw_scores(self, texts: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        return self.entry_model.decision_function(list(texts)), self.topic_model.decision_function(list(texts))

    def combine(self, entry_scores: np.ndarray, topic_scores: np.ndarray, calibration: Calibration) -> np.ndarray:
        """Probabilities over `classes` (entries and "no entry")."""
        probabilities = softmax(entry_scores, calibration.temperature)
        topic_probabilities = softmax(topic_scores, calibration.topic_temperature)
        topics = [str(t) for t in self.topic_model.classes_]
        entry_topic_set = set(self.entry_topics.values())
        no_entry_topics = [i for i, t in enumerate(topics) if t not in entry_topic_set]
        factors = np.ones_like(probabilities)
        for column, name in enumerate(self.classes):
            if name == NO_ENTRY:
                factors[:, column] = topic_probabilities[:, no_entry_topics].sum(axis=1) if no_entry_topics else 1.0
            else:
                factors[:, column] = topic_probabilities[:, topics.index(self.entry_topics[name])]
        combined = probabilities * factors**calibration.alpha
        return combined / combined.sum(axis=1, keepdims=True)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.combine(*self.raw_scores(texts), self.calibration)


def calibrate(model: KnowledgeModel, texts: Sequence[str], labels: Sequence[str]) -> Tuple[np.ndarray, Calibration]:
    """The calibration of the lowest log-loss on questions the model never saw (the tuning
    set), and the probabilities it gives them; sets it on the model."""
    classes = model.classes
    entry_scores, topic_scores = model.raw_scores(texts)
    columns = np.array([classes.index(label) for label in labels])
    best: Tuple[float, Calibration, np.ndarray] = (np.inf, Calibration(), np.zeros(0))
    for values in itertools.product(*CALIBRATION_GRID.values()):
        calibration = Calibration(*values)
        probabilities = model.combine(entry_scores, topic_scores, calibration)
        loss = float(-np.log(np.clip(probabilities[np.arange(len(texts)), columns], 1e-9, 1.0)).mean())
        if loss < best[0]:
            best = (loss, calibration, probabilities)
    model.calibration = best[1]
    return best[2], best[1]
