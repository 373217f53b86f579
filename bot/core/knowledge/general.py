"""The topics' general answers: what the assistant says to a question on a topic when no
knowledge entry answers it (data/knowledge/general/*.yml, docs/knowledge-base.md).

Checked like entries: every bubble has a source and the date it was read against it,
plain language, known placeholders; an amount needs `holds_for`. A bubble may have
buttons and alternative texts (another service, the SMS channel, verified opening hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.core.knowledge.entries import (
    KNOWLEDGE_DIR,
    MAX_BUBBLES,
    OFFERS,
    TOPICS,
    AnswerContext,
    Condition,
    KnowledgeError,
    check_bubble,
    fill,
    names_amount,
    parse_checked,
    parse_holds_for,
    parse_source,
    read_list,
    stale_reasons,
)

GENERAL_DIR = KNOWLEDGE_DIR / "general"
TOPIC_FIELDS = frozenset({"topic", "source", "checked", "holds_for", "answer", "note"})
BUBBLE_FIELDS = frozenset({"text", "source", "checked", "holds_for", "buttons", "alternatives"})
# Most rules are read from a page per bubble; a topic's own source and date stand for the rest.
INHERITED = ("source", "checked", "holds_for")


@dataclass(frozen=True)
class Alternative:
    """A text that replaces the bubble's own when its condition holds."""

    when: Condition
    text: str


@dataclass(frozen=True)
class Bubble:
    text: str
    source: str
    checked: dt.date
    holds_for: Optional[int] = None
    buttons: Tuple[Tuple[str, str], ...] = ()
    alternatives: Tuple[Alternative, ...] = ()

    def text_for(self, context: AnswerContext) -> str:
        for alternative in self.alternatives:
            if alternative.when.holds(context):
                return alternative.text
        return self.text

    def all_texts(self) -> List[str]:
        return [self.text] + [alternative.text for alternative in self.alternatives]

    def button_list(self) -> List[Dict[str, str]]:
        return [{"title": title, "payload": payload} for title, payload in self.buttons]


@dataclass(frozen=True)
class GeneralAnswer:
    topic: str
    bubbles: Tuple[Bubble, ...]
    file: str
    note: str = ""

    def messages(self, context: AnswerContext) -> List[Dict[str, Any]]:
        """The bubbles as the action sends them: text with the profile's values, and buttons."""
        return [{"text": fill(bubble.text_for(context), context), "buttons": bubble.button_list()} for bubble in self.bubbles]

    def stale_reasons(self, today: dt.date) -> List[str]:
        return [
            f"bubble {number}: {reason}"
            for number, bubble in enumerate(self.bubbles, start=1)
            for reason in stale_reasons(bubble.checked, bubble.holds_for, today)
        ]


def load_general_answers(directory: Path = GENERAL_DIR) -> Dict[str, GeneralAnswer]:
    """Every topic's general answer from the `*.yml` files in `directory`: each question
    topic exactly once. Raises KnowledgeError on the first fault."""
    answers: Dict[str, GeneralAnswer] = {}
    for path in sorted(directory.glob("*.yml")):
        for answer in load_general_file(path):
            if answer.topic in answers:
                raise KnowledgeError(f"{path.name}: topic {answer.topic!r} is also in {answers[answer.topic].file}")
            answers[answer.topic] = answer
    missing = TOPICS - set(answers)
    if missing:
        raise KnowledgeError(f"{directory}: no general answer for {sorted(missing)}")
    return answers


def load_general_file(path: Path) -> List[GeneralAnswer]:
    return [parse_general_answer(raw, path.name) for raw in read_list(path, "topics")]


def parse_general_answer(raw: Any, file: str) -> GeneralAnswer:
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"{file}: every topic must be a mapping")
    topic = raw.get("topic")
    where = f"{file}: general answer {topic}"
    if topic not in TOPICS:
        raise KnowledgeError(f"{where}: `topic` {topic!r} is not one of the question intents")
    unknown = set(raw) - TOPIC_FIELDS
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {sorted(unknown)}")
    bubbles = raw.get("answer")
    if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= MAX_BUBBLES:
        raise KnowledgeError(f"{where}: `answer` needs 1-{MAX_BUBBLES} bubbles")
    defaults = {name: raw.get(name) for name in INHERITED}
    parsed = tuple(
        parse_bubble(bubble, defaults, f"{where}: bubble {number}") for number, bubble in enumerate(bubbles, start=1)
    )
    return GeneralAnswer(topic=str(topic), bubbles=parsed, file=file, note=str(raw.get("note") or ""))


def parse_bubble(raw: Any, defaults: Mapping[str, Any], where: str) -> Bubble:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"{where}: a bubble is a text or a mapping with `text`")
    unknown = set(raw) - BUBBLE_FIELDS
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {sorted(unknown)}")
    values = {name: raw.get(name, defaults.get(name)) for name in INHERITED}
    alternatives = []
    for number, alt in enumerate(raw.get("alternatives") or [], start=1):
        if not isinstance(alt, Mapping) or set(alt) != {"when", "text"}:
            raise KnowledgeError(f"{where}: alternative {number} needs exactly `when` and `text`")
        condition = Condition.from_mapping(alt["when"], where)
        alternatives.append(Alternative(condition, bubble_text(alt["text"], f"{where} alternative {number}")))
    bubble = Bubble(
        text=bubble_text(raw.get("text"), where),
        source=parse_source(values["source"], where),
        checked=parse_checked(values["checked"], where),
        holds_for=parse_holds_for(values["holds_for"], where),
        buttons=parse_buttons(raw.get("buttons"), where),
        alternatives=tuple(alternatives),
    )
    if bubble.holds_for is None and any(names_amount(text) for text in bubble.all_texts()):
        raise KnowledgeError(f"{where}: the text names an amount, so it needs `holds_for` (the year it holds for)")
    return bubble


def bubble_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: `text` must be a text")
    check_bubble(value.strip(), where)
    return value.strip()


def parse_buttons(value: Any, where: str) -> Tuple[Tuple[str, str], ...]:
    """Buttons as the offers' names (`book`, `human`) or as {title, payload}."""
    buttons = []
    for button in value or []:
        if isinstance(button, str) and button in OFFERS:
            buttons.append(OFFERS[button])
        elif isinstance(button, Mapping) and set(button) == {"title", "payload"} and str(button["payload"]).startswith("/"):
            buttons.append((str(button["title"]), str(button["payload"])))
        else:
            raise KnowledgeError(f"{where}: a button is one of {sorted(OFFERS)} or {{title, payload: /intent}}: {button!r}")
    return tuple(buttons)
