"""Knowledge entries: the format of `data/knowledge/*.yml`, read and checked.

Also which entries apply to a municipality profile and a young person, how an entry's
bubbles are rendered, and which entries are stale. The checks of a bubble, a source and a
date are shared with the topics' general answers (general.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.core.paths import PROJECT_ROOT
from bot.core.plain_language import measure

ROOT = PROJECT_ROOT
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"

MAX_BUBBLES = 3
MAX_LIX = 35
MAX_WORDS_PER_BUBBLE = 60
MIN_QUESTIONS = 5
MAX_TITLE_WORDS = 5
STALE_AFTER_DAYS = 180

# The intents an entry may belong to: the question topics of shared/spec/topics.md.
TOPICS = frozenset(
    {
        "ask_income_options", "ask_uddannelseshjaelp", "ask_su", "ask_cv_help", "ask_apprenticeship",
        "ask_job_help", "ask_education_choice", "ask_fgu", "ask_vejledningscafe", "ask_contact_info",
        "ask_contact_person", "ask_dropout", "ask_school", "ask_disability", "ask_mental_health",
        "ask_substance_abuse", "ask_housing", "ask_debt", "ask_privacy",
    }
)
# Offers an answer may end with, as the button the young person presses.
OFFERS = {"book": ("Book en samtale", "/book_appointment"), "human": ("Tal med en vejleder", "/request_human")}
# Placeholders an answer may use; the values come from the municipality profile.
PLACEHOLDERS = frozenset(
    {
        "municipality_name", "unit_name", "contact_name", "unit_address", "unit_phone", "unit_website", "age_min", "age_max",
        "conversation_retention_days", "closed_case_retention_days", "opening_hours_text",
    }
)
# A local entry's source may be the municipality's own site, taken from the profile.
PROFILE_SOURCE = "{unit_website}"
ENTRY_FIELDS = frozenset(
    {"id", "topic", "title", "questions", "answer", "source", "checked", "holds_for", "offer", "when", "alternatives", "note"}
)
CONDITION_KEYS = frozenset({"profile", "service", "without_service", "age", "channel", "opening_hours_verified"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
# A sum of money or a limit in an answer ("15.500 kr", "7.426 kr.", "12 kg" is not money).
_AMOUNT = re.compile(r"\d[\d.]*\s*(?:kr\b|kroner)", re.I)
_URL = re.compile(r"^https://[^\s]+$")


class KnowledgeError(ValueError):
    """A knowledge file breaks the rules of the format; the message names file and entry."""


@dataclass(frozen=True)
class Condition:
    """When an entry (or one of its alternative answers) applies."""

    profiles: Tuple[str, ...] = ()
    services: Tuple[str, ...] = ()
    without_services: Tuple[str, ...] = ()
    age: Optional[Tuple[int, int]] = None
    channels: Tuple[str, ...] = ()
    opening_hours_verified: Optional[bool] = None

    @classmethod
    def from_mapping(cls, data: Optional[Mapping[str, Any]], where: str) -> "Condition":
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise KnowledgeError(f"{where}: `when` must be a mapping")
        unknown = set(data) - CONDITION_KEYS
        if unknown:
            raise KnowledgeError(f"{where}: unknown condition {sorted(unknown)}; use {sorted(CONDITION_KEYS)}")
        age = data.get("age")
        if age is not None:
            if not (isinstance(age, Sequence) and len(age) == 2 and all(isinstance(a, int) for a in age) and age[0] <= age[1]):
                raise KnowledgeError(f"{where}: `when.age` must be [lowest, highest] in whole years")
            age = (int(age[0]), int(age[1]))
        verified = data.get("opening_hours_verified")
        if verified is not None and not isinstance(verified, bool):
            raise KnowledgeError(f"{where}: `when.opening_hours_verified` must be true or false")
        return cls(
            profiles=_names(data.get("profile")),
            services=_names(data.get("service")),
            without_services=_names(data.get("without_service")),
            age=age,
            channels=_names(data.get("channel")),
            opening_hours_verified=verified,
        )

    def holds(self, context: "AnswerContext") -> bool:
        if self.profiles and context.profile_id not in self.profiles:
            return False
        if any(not context.services.get(name, False) for name in self.services):
            return False
        if any(context.services.get(name, False) for name in self.without_services):
            return False
        if self.age and context.age is not None and not self.age[0] <= context.age <= self.age[1]:
            return False
        if self.channels and context.channel not in self.channels:
            return False
        if self.opening_hours_verified is not None and context.opening_hours_verified != self.opening_hours_verified:
            return False
        return True

    @property
    def is_local(self) -> bool:
        return bool(self.profiles)


def _names(value: Any) -> Tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Alternative:
    """An answer that replaces the default one when its condition holds."""

    when: Condition
    answer: Tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    title: str
    questions: Tuple[str, ...]
    answer: Tuple[str, ...]
    source: str
    checked: dt.date
    file: str
    holds_for: Optional[int] = None
    offer: Optional[str] = None
    when: Condition = field(default_factory=Condition)
    alternatives: Tuple[Alternative, ...] = ()
    note: str = ""

    def applies(self, context: "AnswerContext") -> bool:
        return self.when.holds(context)

    def answer_for(self, context: "AnswerContext") -> Tuple[str, ...]:
        for alternative in self.alternatives:
            if alternative.when.holds(context):
                return alternative.answer
        return self.answer

    def all_answers(self) -> List[Tuple[str, ...]]:
        return [self.answer] + [alternative.answer for alternative in self.alternatives]

    def staleness(self, today: dt.date) -> Tuple[Optional[int], Optional[int]]:
        return staleness(self.checked, self.holds_for, today)

    def stale_reasons(self, today: dt.date) -> List[str]:
        """Why staff should check this entry again (empty when it is current)."""
        return stale_reasons(self.checked, self.holds_for, today)


def staleness(checked: dt.date, holds_for: Optional[int], today: dt.date) -> Tuple[Optional[int], Optional[int]]:
    """(days since checked, if over the limit; the amounts' year, if past): the one rule
    that both the English reasons here and the desk's Danish ones are worded from."""
    age_days = (today - checked).days
    past_year = holds_for if holds_for is not None and holds_for < today.year else None
    return (age_days if age_days > STALE_AFTER_DAYS else None), past_year


def stale_reasons(checked: dt.date, holds_for: Optional[int], today: dt.date) -> List[str]:
    age_days, past_year = staleness(checked, holds_for, today)
    reasons = []
    if age_days is not None:
        reasons.append(f"checked {age_days} days ago (more than {STALE_AFTER_DAYS})")
    if past_year is not None:
        reasons.append(f"its amounts hold for {past_year}")
    return reasons


@dataclass(frozen=True)
class AnswerContext:
    """What decides which entries apply: the municipality profile and, when known, the age
    and the channel the message came in on."""

    profile_id: str
    services: Mapping[str, bool]
    values: Mapping[str, str]
    age: Optional[int] = None
    channel: Optional[str] = None
    opening_hours_verified: bool = False


def fill(text: str, context: AnswerContext) -> str:
    """The text with the profile's values put in for its placeholders."""
    return _PLACEHOLDER.sub(lambda match: str(context.values.get(match.group(1), match.group(0))), text)


def render(entry: Entry, context: AnswerContext) -> List[str]:
    """The entry's bubbles for this profile and person, placeholders filled."""
    return [fill(text, context) for text in entry.answer_for(context)]


def source_link(entry: Entry, context: AnswerContext) -> str:
    """The page that states the rule; a local entry may name the municipality's own site."""
    return str(context.values.get("unit_website", "")) if entry.source == PROFILE_SOURCE else entry.source


def offer_button(entry: Entry) -> Optional[Dict[str, str]]:
    if not entry.offer:
        return None
    title, payload = OFFERS[entry.offer]
    return {"title": title, "payload": payload}


# --- Reading and checking -------------------------------------------------------------


def load_entries(directory: Path = KNOWLEDGE_DIR) -> List[Entry]:
    """Every entry of every `*.yml` file in `directory`; raises KnowledgeError on the first fault."""
    entries: List[Entry] = []
    seen: Dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        for entry in load_file(path):
            if entry.id in seen:
                raise KnowledgeError(f"{path.name}: entry id {entry.id!r} is also in {seen[entry.id]}")
            seen[entry.id] = path.name
            entries.append(entry)
    return entries


def load_file(path: Path) -> List[Entry]:
    return [parse_entry(raw, path.name) for raw in read_list(path, "entries")]


def read_list(path: Path, key: str) -> List[Any]:
    """The non-empty list under `key` in a knowledge file (`entries`, or `topics`)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path.name}: not valid YAML: {error}") from error
    items = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise KnowledgeError(f"{path.name}: needs a non-empty list `{key}`")
    return items


def parse_entry(raw: Any, file: str) -> Entry:
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"{file}: every entry must be a mapping")
    entry_id = str(raw.get("id") or "")
    where = f"{file}: entry {entry_id or '(no id)'}"
    if not _ID.match(entry_id):
        raise KnowledgeError(f"{where}: `id` must be snake_case letters and digits")
    unknown = set(raw) - ENTRY_FIELDS
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {sorted(unknown)}")
    topic = raw.get("topic")
    if topic not in TOPICS:
        raise KnowledgeError(f"{where}: `topic` {topic!r} is not one of the question intents")
    title = str(raw.get("title") or "").strip()
    if not title or len(title.split()) > MAX_TITLE_WORDS:
        raise KnowledgeError(f"{where}: `title` (the button label) needs 1-{MAX_TITLE_WORDS} words")
    questions = _strings(raw.get("questions"), where, "questions")
    if len(questions) < MIN_QUESTIONS:
        raise KnowledgeError(f"{where}: needs at least {MIN_QUESTIONS} question variants, has {len(questions)}")
    if len({q.casefold() for q in questions}) != len(questions):
        raise KnowledgeError(f"{where}: a question variant is written twice")
    source = parse_source(raw.get("source"), where)
    checked = parse_checked(raw.get("checked"), where)
    holds_for = parse_holds_for(raw.get("holds_for"), where)
    offer = raw.get("offer")
    if offer is not None and offer not in OFFERS:
        raise KnowledgeError(f"{where}: `offer` must be one of {sorted(OFFERS)}")
    answer = _answer(raw.get("answer"), where)
    alternatives = []
    for number, alt in enumerate(raw.get("alternatives") or [], start=1):
        if not isinstance(alt, Mapping) or set(alt) - {"when", "answer"} or not alt.get("when"):
            raise KnowledgeError(f"{where}: alternative {number} needs exactly `when` and `answer`")
        condition = Condition.from_mapping(alt["when"], where)
        alternatives.append(Alternative(condition, _answer(alt.get("answer"), f"{where} alternative {number}")))
    entry = Entry(
        id=entry_id,
        topic=topic,
        title=title,
        questions=questions,
        answer=answer,
        source=source,
        checked=checked,
        file=file,
        holds_for=holds_for,
        offer=offer,
        when=Condition.from_mapping(raw.get("when"), where),
        alternatives=tuple(alternatives),
        note=str(raw.get("note") or ""),
    )
    if holds_for is None and any(names_amount(text) for answer in entry.all_answers() for text in answer):
        raise KnowledgeError(f"{where}: the answer names an amount, so it needs `holds_for` (the year it holds for)")
    return entry


def parse_source(value: Any, where: str) -> str:
    source = str(value or "")
    if not (_URL.match(source) or source == PROFILE_SOURCE):
        raise KnowledgeError(f"{where}: `source` must be the https link of the page that states the rule")
    return source


def parse_checked(value: Any, where: str) -> dt.date:
    checked = value
    if isinstance(checked, str):
        try:
            checked = dt.date.fromisoformat(checked)
        except ValueError:
            checked = None
    if not isinstance(checked, dt.date):
        raise KnowledgeError(f"{where}: `checked` must be the date (YYYY-MM-DD) the answer was read against its source")
    return checked


def parse_holds_for(value: Any, where: str) -> Optional[int]:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise KnowledgeError(f"{where}: `holds_for` must be a year")
    return value


def names_amount(text: str) -> bool:
    return bool(_AMOUNT.search(text))


def _strings(value: Any, where: str, name: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: `{name}` must be a list of texts")
    return tuple(v.strip() for v in value)


def _answer(value: Any, where: str) -> Tuple[str, ...]:
    bubbles = _strings(value, where, "answer")
    if not 1 <= len(bubbles) <= MAX_BUBBLES:
        raise KnowledgeError(f"{where}: the answer needs 1-{MAX_BUBBLES} bubbles")
    for number, text in enumerate(bubbles, start=1):
        check_bubble(text, f"{where}: bubble {number}")
    return bubbles


def check_bubble(text: str, where: str) -> None:
    """One message bubble: known placeholders only, plain language (LIX, length)."""
    unknown = set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS
    if unknown:
        raise KnowledgeError(f"{where} uses unknown placeholder(s) {sorted(unknown)}")
    score = measure(text)
    if score.lix > MAX_LIX:
        raise KnowledgeError(f"{where} has LIX {score.lix:.1f} (at most {MAX_LIX}): {text!r}")
    if score.words > MAX_WORDS_PER_BUBBLE:
        raise KnowledgeError(f"{where} has {score.words} words (at most {MAX_WORDS_PER_BUBBLE})")


def stale_entries(entries: Iterable[Entry], today: Optional[dt.date] = None) -> List[Tuple[Entry, List[str]]]:
    today = today or dt.date.today()
    return [(entry, reasons) for entry in entries if (reasons := entry.stale_reasons(today))]
