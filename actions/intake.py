"""Intake form: what the talk is about, age, how and when to be contacted, and consent.

The steps that apply depend on the answers (no contact detail for a meeting, no time
choice when the booking service is down); `required_slots` picks them. The last step,
action_intake_done, books the time (actions/booking.py)."""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.time_steps import TimeSteps
from bot.core.contact_details import find_email, find_phone
from bot.core.dates import TimeWish
from bot.core.folding import fold_text
from bot.core.intake_terms import CHANNELS, INTAKE_TOPICS, NEEDS_EMAIL, NEEDS_PHONE

# Folded words (see bot.core.folding) that name a topic when the user types instead of tapping.
TOPIC_WORDS = {
    "penge": {"penge", "su", "gaeld", "kontanthjaelp", "uddannelseshjaelp", "oekonomi", "money"},
    "uddannelse": {"uddannelse", "skole", "gymnasium", "fgu", "hf", "eud", "eux", "education"},
    "job": {"job", "arbejde", "work"},
    "cv": {"cv", "ansoegning"},
    "læreplads": {"laereplads", "elevplads", "laerling"},
    "trivsel": {"trivsel", "har det svaert", "ked af det", "angst", "stress"},
    "andet": {"andet", "noget andet", "ved ikke"},
}
# The intent that shows what a conversation is about, for pre-filling the topic.
INTENT_TOPICS = {
    "ask_income_options": "penge",
    "ask_uddannelseshjaelp": "penge",
    "ask_su": "penge",
    "ask_debt": "penge",
    "ask_education_choice": "uddannelse",
    "ask_fgu": "uddannelse",
    "ask_dropout": "uddannelse",
    "ask_school": "uddannelse",
    "ask_disability": "uddannelse",
    "ask_job_help": "job",
    "ask_cv_help": "cv",
    "ask_apprenticeship": "læreplads",
    "ask_mental_health": "trivsel",
    "ask_substance_abuse": "trivsel",
    "ask_housing": "andet",
    "ask_vejledningscafe": "andet",
    "ask_contact_person": "andet",
}
# Folded words that name a contact channel when typed.
CHANNEL_WORDS = {
    "telefon": {"telefon", "tlf", "ring", "ringe", "opkald", "ringer", "phone", "call"},
    "sms": {"sms", "besked", "skrive", "text", "sms'e"},
    "mail": {"mail", "email", "e-mail", "e mail", "mailen"},
    "møde": {"moede", "moedes", "moeder", "komme", "kontoret", "fysisk", "ansigt til ansigt"},
    "video": {"video", "videoopkald", "teams", "facetime", "skype", "zoom"},
}
SKIP_NAME = {"-", "spring over", "skip", "ingen", "nej", "nej tak", "ingen navn", "det vil jeg ikke sige", "vil ikke sige det"}
MAX_NAME_LENGTH = 40
INTAKE_SLOTS = (
    "intake_topic",
    "age",
    "contact_channel",
    "phone_number",
    "email",
    "first_name",
    "time_wish",
    "time_hint",
    "slot_options",
    "booking_slot",
    "consent",
    "contact_reason",
)
PARENT_NOTE_BELOW_AGE = 15  # Danish age for a child's own consent to online services
PLAUSIBLE_AGES = range(5, 100)

_NUMBER_WORDS = {
    "ti": 10,
    "elleve": 11,
    "tolv": 12,
    "tretten": 13,
    "fjorten": 14,
    "femten": 15,
    "seksten": 16,
    "sytten": 17,
    "atten": 18,
    "nitten": 19,
    "tyve": 20,
    "enogtyve": 21,
    "toogtyve": 22,
    "treogtyve": 23,
    "fireogtyve": 24,
    "femogtyve": 25,
    "seksogtyve": 26,
    "syvogtyve": 27,
    "otteogtyve": 28,
    "niogtyve": 29,
    "tredive": 30,
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


def parse_channel(value: Any) -> Optional[str]:
    """A contact channel from a button value or typed text ("ring til mig", "på mail")."""
    if not isinstance(value, str) or not value.strip():
        return None
    if value.strip().lower() in CHANNELS:
        return value.strip().lower()
    folded = f" {fold_text(value)} "
    found = [ch for ch, words in CHANNEL_WORDS.items() if any(f" {w} " in folded or folded.strip().startswith(w) for w in words)]
    return found[0] if len(set(found)) == 1 else None


def parse_first_name(value: Any) -> Optional[str]:
    """A first name or nickname ("jeg hedder Sara" -> "Sara"); "" when the user skips it."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if fold_text(text) in {fold_text(w) for w in SKIP_NAME}:
        return ""
    text = re.sub(r"(?i)^(jeg hedder|mit navn er|kald mig|bare|hedder|navn:?|i'm|my name is)\s+", "", text)
    text = re.sub(r"(?i)\s+(hedder jeg|tak)$", "", text).strip(" .,!")
    if not text or len(text) > MAX_NAME_LENGTH or any(ch.isdigit() for ch in text) or "@" in text:
        return None
    if len(text.split()) > 3:
        return None  # a sentence, not a name
    return text[:1].upper() + text[1:]


def topic_shown_earlier(tracker: Tracker) -> Optional[str]:
    """The topic of the latest topic question in this conversation, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            topic = INTENT_TOPICS.get(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
            if topic:
                return topic
    return None


class ValidateIntakeForm(TimeSteps, FormValidationAction):
    def name(self) -> Text:
        return "validate_intake_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        steps = ["intake_topic", "age"]
        profile = self._profile()
        age = parse_age(tracker.get_slot("age"))
        if age is not None and not profile.age_min <= age <= profile.age_max:
            return steps  # outside the target group: action_intake_done says where to go
        steps.append("contact_channel")
        channel = tracker.get_slot("contact_channel")
        if channel in NEEDS_PHONE:
            steps.append("phone_number")
        elif channel in NEEDS_EMAIL:
            steps.append("email")
        steps += ["first_name", "time_wish"]
        if not tracker.get_slot("contact_reason"):
            steps.append("booking_slot")
        steps.append("consent")
        return steps

    async def extract_intake_topic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("intake_topic") is None and tracker.get_slot("requested_slot") is None:
            # "kan jeg booke en samtale om job": the request itself names the topic.
            topic = parse_topic(tracker.latest_message.get("text")) or topic_shown_earlier(tracker)
            if topic:
                return {"intake_topic": topic}
        return {}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        starting = tracker.get_slot("requested_slot") is None
        first_text = tracker.latest_message.get("text") or ""
        events = await super().run(dispatcher, tracker, domain)
        # The first message may already say when ("... på torsdag?"). It is kept as a hint
        # until the form reaches that step, since free times depend on the topic. (The SDK
        # returns only required slots from validation, so the hint is set here.)
        if starting and isinstance(self.read_wish(first_text), TimeWish):
            events.insert(0, SlotSet("time_hint", first_text))
        elif tracker.get_slot("time_hint") and any(e.get("name") == "time_wish" and e.get("value") for e in events):
            events.append(SlotSet("time_hint", None))
        return events

    async def extract_time_wish(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        hint = tracker.get_slot("time_hint")
        if tracker.get_slot("time_wish") is not None or not hint or tracker.get_slot("requested_slot") is None:
            return {}
        steps = await self.required_slots([], dispatcher, tracker, domain)
        before = steps[: steps.index("time_wish")] if "time_wish" in steps else None
        if before is not None and all(tracker.get_slot(s) is not None for s in before):
            return {"time_wish": hint}
        return {}

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

    def validate_contact_channel(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        channel = parse_channel(slot_value)
        if channel is None:
            dispatcher.utter_message(response="utter_invalid_contact_channel")
            return {"contact_channel": None}
        # A changed channel may need another contact detail: ask again rather than keep a stale one.
        return {
            "contact_channel": channel,
            "phone_number": tracker.get_slot("phone_number") if channel in NEEDS_PHONE else None,
            "email": tracker.get_slot("email") if channel in NEEDS_EMAIL else None,
        }

    def validate_phone_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        phone = find_phone(slot_value) if isinstance(slot_value, str) else None
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone_number")
        return {"phone_number": phone}

    def validate_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        email = find_email(slot_value) if isinstance(slot_value, str) else None
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"email": email}

    def validate_first_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # Not a name (a sentence, digits): skip it rather than store something odd.
        name = parse_first_name(slot_value)
        return {"first_name": name if name is not None else ""}

    def validate_consent(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"consent": True if slot_value is True else None}


class ActionGoBack(Action):
    """ "Tilbage" inside the intake: forgets the answer before the current question and asks it again."""

    def name(self) -> Text:
        return "action_go_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        form = ValidateIntakeForm()
        steps = await form.required_slots([], dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        filled = [s for s in steps if tracker.get_slot(s) is not None and s != requested]
        if requested in steps:
            filled = [s for s in filled if steps.index(s) < steps.index(requested)]
        if not filled:
            dispatcher.utter_message(response="utter_nothing_to_go_back_to")
            return []
        previous = filled[-1]
        dispatcher.utter_message(response="utter_go_back")
        events = [SlotSet(previous, None)]
        if previous in ("time_wish", "booking_slot"):
            events += [SlotSet(name, None) for name in ("time_wish", "booking_slot", "slot_options", "contact_reason")]
            previous = "time_wish"
        # Ask it directly: with requested_slot=None the form would start over and pre-fill
        # the topic from the conversation again.
        return events + [SlotSet("requested_slot", previous)]
