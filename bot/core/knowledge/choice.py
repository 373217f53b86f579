"""From a retrieval ranking to what the assistant does: answer, "Mente du ...?", or neither.

The thresholds are not set by hand: the retrieval component tunes them on its training
data when it is trained (bot/rasa/nlu/knowledge_retriever.py) and ships them with the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence, Tuple

ANSWER = "answer"
CLARIFY = "clarify"
NONE = "none"


@dataclass(frozen=True)
class Thresholds:
    """answer: the top entry's score that is enough to answer it;
    margin: how far it must lead the second, else both are offered;
    clarify: the second entry's score that is enough to offer it beside the first."""

    answer: float
    margin: float
    clarify: float

    def as_dict(self) -> dict:
        return {"answer": self.answer, "margin": self.margin, "clarify": self.clarify}

    @classmethod
    def from_dict(cls, data: dict) -> "Thresholds":
        return cls(float(data["answer"]), float(data["margin"]), float(data["clarify"]))


@dataclass(frozen=True)
class Choice:
    kind: str
    entries: Tuple[str, ...] = ()

    @property
    def entry(self) -> str:
        return self.entries[0] if self.entries else ""


def choose(
    ranking: Sequence[Tuple[str, float]],
    thresholds: Thresholds,
    applies: Callable[[str], bool] = lambda _entry: True,
) -> Choice:
    """`ranking`: (entry id, score), best first. Entries that do not apply (another
    municipality, a service switched off, another age) are passed over."""
    candidates = [(entry, score) for entry, score in ranking if applies(entry)]
    if not candidates:
        return Choice(NONE)
    first, top = candidates[0]
    second, runner_up = candidates[1] if len(candidates) > 1 else ("", 0.0)
    if top >= thresholds.answer and top - runner_up >= thresholds.margin:
        return Choice(ANSWER, (first,))
    if second and top + runner_up >= thresholds.answer and runner_up >= thresholds.clarify:
        return Choice(CLARIFY, (first, second))
    return Choice(NONE)


# What tuning may cost at most on the cross-validated training data: a confident answer
# from the wrong entry, an answer to a message no entry covers, and a "Mente du ...?" to
# such a message (a question back costs the young person one tap, a wrong answer trust).
MAX_WRONG_ANSWER_RATE = 0.02
MAX_NOT_COVERED_ANSWER_RATE = 0.03
MAX_NOT_COVERED_CLARIFY_RATE = 0.15
# What each outcome is worth: the right answer 1, a "Mente du" that offers it 0.7, a wrong
# answer -3, an answer to an uncovered message -2, a needless "Mente du" -0.3.
VALUES = {"right": 1.0, "helpful_clarify": 0.7, "wrong": -3.0, "not_covered_answer": -2.0, "needless_clarify": -0.3}


def tune_thresholds(probabilities, classes: Sequence[str], labels: Sequence[str], no_entry: str) -> Thresholds:
    """The thresholds worth most (VALUES) within the limits above.

    `probabilities`: cross-validated class scores (rows: examples, columns: `classes`);
    `labels`: each example's entry, or `no_entry` for a message no entry covers."""
    import numpy as np

    scores = np.asarray(probabilities, dtype=float).copy()
    none_column = list(classes).index(no_entry) if no_entry in classes else None
    if none_column is not None:
        scores[:, none_column] = -1.0
    order = np.argsort(-scores, axis=1)
    rows = np.arange(len(scores))
    first, second = order[:, 0], order[:, 1]
    top, runner_up = scores[rows, first], np.clip(scores[rows, second], 0.0, None)
    class_array = np.array(classes)
    label_array = np.array(labels)
    covered = label_array != no_entry
    covered_count, not_covered_count = max(1, covered.sum()), max(1, (~covered).sum())
    right_first = class_array[first] == label_array
    right_second = class_array[second] == label_array
    best, best_value = Thresholds(0.9, 0.3, 0.3), (False, -np.inf)
    for answer in np.arange(0.10, 0.951, 0.025):
        for margin in np.arange(0.0, 0.41, 0.05):
            answered = (top >= answer) & (top - runner_up >= margin)
            for clarify in np.arange(0.05, 0.41, 0.05):
                clarified = ~answered & (top + runner_up >= answer) & (runner_up >= clarify)
                wrong = (answered & covered & ~right_first).sum()
                not_covered_answered = (answered & ~covered).sum()
                not_covered_clarified = (clarified & ~covered).sum()
                if wrong > MAX_WRONG_ANSWER_RATE * covered_count:
                    continue
                # The limits for uncovered questions are wishes: the best value within them
                # wins; only when nothing meets them does the best value overall.
                within = (
                    not_covered_answered <= MAX_NOT_COVERED_ANSWER_RATE * not_covered_count
                    and not_covered_clarified <= MAX_NOT_COVERED_CLARIFY_RATE * not_covered_count
                )
                helpful = (clarified & covered & (right_first | right_second)).sum()
                value = (
                    VALUES["right"] * (answered & covered & right_first).sum()
                    + VALUES["helpful_clarify"] * helpful
                    + VALUES["wrong"] * wrong
                    + VALUES["not_covered_answer"] * not_covered_answered
                    + VALUES["needless_clarify"] * (clarified.sum() - helpful)
                )
                if (within, value) > best_value:
                    best_value = (within, value)
                    best = Thresholds(round(float(answer), 3), round(float(margin), 3), round(float(clarify), 3))
    return best


@dataclass(frozen=True)
class Outcome:
    """What the assistant does with one parsed question: `kind` is answer (entry), clarify
    (entries), topic (the topic's general answer) or unknown (an honest "I don't know")."""

    kind: str
    entries: Tuple[str, ...] = ()
    topic: str = ""


TOPIC = "topic"
UNKNOWN = "unknown"
ENTRY_ENTITY = "kb_entry"


def outcome_for(parse_data: dict, applies: Callable[[str], bool], topics: frozenset) -> Outcome:
    """The answer action's decision for a message the rules sent to it (a question topic):
    a "Mente du ...?" button's entry, else the retrieval ranking, else the topic's answer."""
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == ENTRY_ENTITY and entity.get("value") and applies(str(entity["value"])):
            return Outcome(ANSWER, (str(entity["value"]),))
    knowledge = parse_data.get("knowledge") or {}
    ranking = [(item["id"], float(item["score"])) for item in knowledge.get("ranking") or []]
    if ranking and knowledge.get("thresholds"):
        choice = choose(ranking, Thresholds.from_dict(knowledge["thresholds"]), applies)
        if choice.kind != NONE:
            return Outcome(choice.kind, choice.entries)
    intent = (parse_data.get("intent") or {}).get("name") or ""
    return Outcome(TOPIC, topic=intent) if intent in topics else Outcome(UNKNOWN)
