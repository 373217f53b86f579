"""Intake form: what the talk is about and the young person's age."""

import re
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common.profile import MunicipalityProfile, current_profile
from bot.nlu.folding import fold_text

INTAKE_TOPICS = ("penge", "uddannelse", "job", "cv", "læreplads", "trivsel", "andet")
# Folded words (see bot.nlu.folding) that name a topic when the user types instead of tapping.
TOPIC_WORDS = {
    "penge": {"penge", "su", "gaeld", "kontanthjaelp", "uddannelseshjaelp", "oekonomi", "money"},
    "uddannelse": {"uddannelse", "skole", "gymnasium", "fgu", "hf", "eud", "eux", "education"},
    "job": {"job", "arbejde", "work"},
    "cv": {"cv", "ansoegning"},
    "læreplads": {"laereplads", "elevplads", "laerling"},
    "trivsel": {"trivsel", "har det svaert", "ked af det", "angst", "stress"},
    "andet": {"andet", "noget andet", "ved ikke"},
}
PARENT_NOTE_BELOW_AGE = 15  # Danish age for a child's own consent to online services
PLAUSIBLE_AGES = range(5, 100)

_NUMBER_WORDS = {
    "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19, "tyve": 20,
    "enogtyve": 21, "toogtyve": 22, "treogtyve": 23, "fireogtyve": 24,
    "femogtyve": 25, "seksogtyve": 26, "syvogtyve": 27, "otteogtyve": 28,
    "niogtyve": 29, "tredive": 30,
}
# A lone 1-3 digit number; longer digit runs (phone or CPR numbers) are never an age.
_AGE_DIGITS = re.compile(r"(?<![\d.,/-])(\d{1,3})(?![\d.,/-]*\d)")


def parse_age(value: Any) -> Optional[int]:
    """Reads an age from a slot value or a message ("17", "jeg er 17 år", "sytten")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        age = int(value)
        return age if age in PLAUSIBLE_AGES and age == value else None
    if not isinstance(value, str):
        return None
    text = value.lower()
    numbers = _AGE_DIGITS.findall(text)
    if len(numbers) == 1:
        age = int(numbers[0])
        return age if age in PLAUSIBLE_AGES else None
    if numbers:
        return None  # several numbers: ask again rather than guess
    words = [_NUMBER_WORDS[w] for w in re.findall(r"[a-zæøå]+", text) if w in _NUMBER_WORDS]
    return words[0] if len(words) == 1 else None


def parse_topic(value: Any) -> Optional[str]:
    """A known topic from a button value or typed text ("noget med penge"), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    if value.strip().lower() in INTAKE_TOPICS:
        return value.strip().lower()
    folded = f" {fold_text(value)} "
    found = [topic for topic, words in TOPIC_WORDS.items() if any(f" {w} " in folded for w in words)]
    return found[0] if len(found) == 1 else None


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_intake_form"

    def validate_intake_topic(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        topic = parse_topic(slot_value)
        if topic is None:
            dispatcher.utter_message(response="utter_invalid_intake_topic")
        return {"intake_topic": topic}

    def validate_age(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        age = parse_age(slot_value)
        if age is None:
            dispatcher.utter_message(response="utter_invalid_age")
        return {"age": age}


class ActionIntakeDone(Action):
    """Tells the young person the next step, or where to go if outside the age range."""

    def __init__(self, profile: Callable[[], MunicipalityProfile] = current_profile) -> None:
        self._profile = profile

    def name(self) -> Text:
        return "action_intake_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        profile = self._profile()
        age = parse_age(tracker.get_slot("age"))  # re-validated: slots can be set by anyone
        ages = {"age_min": profile.age_min, "age_max": profile.age_max}
        if age is None:
            dispatcher.utter_message(response="utter_invalid_age")
        elif age < profile.age_min:
            dispatcher.utter_message(response="utter_intake_too_young", **ages)
        elif age > profile.age_max:
            dispatcher.utter_message(response="utter_intake_too_old", **ages)
        else:
            if age < PARENT_NOTE_BELOW_AGE:
                dispatcher.utter_message(response="utter_intake_parent_note")
            dispatcher.utter_message(response="utter_intake_next_step", **profile.slot_values())
        return []
