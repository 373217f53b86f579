"""Hand-off to a person: when the user asks for one, after the bot failed to understand twice,
and after a crisis answer.

During opening hours a person takes over in this same chat: the bot says so and how long
it may take, and goes quiet (bot.rasa.policies.handoff_policy) until staff hand the conversation
back or the user says "tilbage"/"stop". Outside opening hours the user may book a talk or
leave a message (handoff_message_form) and is told when someone answers; after a crisis
outside hours the case is marked urgent without more questions.

Each hand-off is written to the slot `handoff_request`, which the staff desk reads from the
tracker store (bot/services/desk; the fields are listed in `handoff_request`)."""

from __future__ import annotations

import abc
import time
import uuid
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.core.booking_text import when_text
from bot.core.contact_details import find_email, find_phone
from bot.core.profile import MunicipalityProfile, current_profile

REASONS = ("asked_for_person", "not_understood", "crisis", "caseworker_only")
LIVE, MESSAGE, NOTED = "live", "message", "noted"
# The channel answers SMS users on their own number; no contact detail is asked there.
ANSWERS_ON_SAME_CHANNEL = {"sms"}


def handoff_request(
    previous: Optional[Dict[str, Any]], reason: str, mode: str, channel: str, now: float, **details: Any
) -> Dict[str, Any]:
    """The value of the `handoff_request` slot. A request still open in this conversation keeps
    its id (the desk adds to the same case); urgency is never taken back."""
    keep = isinstance(previous, dict) and not previous.get("user_left") and not previous.get("ended")
    request = {
        "id": previous["id"] if keep else uuid.uuid4().hex,
        "reason": reason,
        "mode": mode,
        "urgent": reason == "crisis" or bool(keep and previous.get("urgent")),
        "at": previous["at"] if keep else now,
        "channel": channel,
        "message": None,
        "contact_channel": None,
        "phone": None,
        "email": None,
        "consent": False,
        "consent_text": None,
    }
    if keep:
        # A message or contact detail already given is not lost when the user asks again.
        for key in ("message", "contact_channel", "phone", "email", "consent", "consent_text"):
            request[key] = previous.get(key)
    request.update(details)
    return request


def reason_of(tracker: Tracker) -> str:
    reason = tracker.get_slot("handoff_reason")
    if reason in REASONS:
        return reason
    if (tracker.latest_message.get("intent") or {}).get("name") == "crisis":
        return "crisis"
    return "asked_for_person"


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


class ProfileClockAction(Action, abc.ABC):
    """An action that needs the municipality profile and the time (both replaceable in tests).
    Abstract, so rasa_sdk does not register it as an action of its own."""

    def __init__(
        self,
        profile: Callable[[], MunicipalityProfile] = current_profile,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._profile, self._clock = profile, clock

    @abc.abstractmethod
    def name(self) -> Text: ...

    def now(self, profile: MunicipalityProfile) -> datetime:
        return datetime.fromtimestamp(self._clock(), profile.hours.tz)


class ActionHandoff(ProfileClockAction):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        profile = self._profile()
        moment = self.now(profile)
        now = moment.timestamp()
        reason, channel = reason_of(tracker), channel_of(tracker)
        previous = tracker.get_slot("handoff_request")
        events: List[EventType] = [SlotSet("handoff_reason", None)]
        if tracker.get_slot("handoff_active"):
            # Staff already have (or are about to have) the conversation: only the urgency may change.
            request = handoff_request(previous, reason, LIVE, channel, now)
            return [*events, SlotSet("handoff_request", request)]
        if profile.hours.is_open(moment):
            dispatcher.utter_message(response="utter_handoff_live", wait_minutes=profile.handoff_wait_minutes)
            request = handoff_request(previous, reason, LIVE, channel, now)
            return [*events, SlotSet("handoff_active", True), SlotSet("handoff_mode", LIVE), SlotSet("handoff_request", request)]
        next_open = profile.hours.next_opening(moment)
        when = when_text(next_open) if next_open else None
        if reason == "crisis":
            response = "utter_handoff_crisis_closed" if when else "utter_handoff_crisis_closed_unknown"
            dispatcher.utter_message(response=response, next_open=when, unit_phone=profile.phone)
            request = handoff_request(previous, reason, NOTED, channel, now)
            return [*events, SlotSet("handoff_mode", NOTED), SlotSet("handoff_request", request)]
        response = "utter_handoff_closed" if when else "utter_handoff_closed_unknown"
        dispatcher.utter_message(response=response, next_open=when, unit_phone=profile.phone)
        request = handoff_request(previous, reason, MESSAGE, channel, now)
        return [*events, SlotSet("handoff_mode", MESSAGE), SlotSet("handoff_request", request)]


class ValidateHandoffMessageForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handoff_message_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if channel_of(tracker) in ANSWERS_ON_SAME_CHANNEL:
            return ["handoff_message"]
        # Consent first: a number or mail is only asked for (and so only stored) after a yes.
        if tracker.get_slot("handoff_consent") is False:
            return ["handoff_message", "handoff_consent"]
        return ["handoff_message", "handoff_consent", "handoff_contact"]

    def validate_handoff_message(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = slot_value.strip() if isinstance(slot_value, str) else ""
        if len(text) < 2:
            dispatcher.utter_message(response="utter_handoff_message_empty")
            return {"handoff_message": None}
        return {"handoff_message": text[:2000]}

    def validate_handoff_contact(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = slot_value.strip() if isinstance(slot_value, str) else ""
        if text.lower() in {"spring over", "nej", "nej tak", "ingen", "-"}:
            return {"handoff_contact": ""}
        contact = find_phone(text) or find_email(text)
        if contact is None:
            dispatcher.utter_message(response="utter_handoff_contact_invalid")
        return {"handoff_contact": contact}

    def validate_handoff_consent(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"handoff_consent": slot_value is True}


class ActionHandoffMessageDone(ProfileClockAction):
    """Puts the message (and the contact detail, if the user agreed) into the hand-off request."""

    def name(self) -> Text:
        return "action_handoff_message_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        profile = self._profile()
        moment = self.now(profile)
        previous = tracker.get_slot("handoff_request")
        reason = previous.get("reason", "asked_for_person") if isinstance(previous, dict) else "asked_for_person"
        contact = tracker.get_slot("handoff_contact") or None
        consent = bool(contact) and tracker.get_slot("handoff_consent") is True
        channel = channel_of(tracker)
        details: Dict[str, Any] = {"message": tracker.get_slot("handoff_message")}
        if consent:
            is_email = "@" in contact
            details.update(
                contact_channel="mail" if is_email else "telefon",
                email=contact if is_email else None,
                phone=None if is_email else contact,
                consent=True,
                consent_text=consent_text(domain, profile),
            )
        elif channel in ANSWERS_ON_SAME_CHANNEL:
            details.update(contact_channel="sms")
        request = handoff_request(previous, reason, MESSAGE, channel, moment.timestamp(), **details)
        next_open = profile.hours.next_opening(moment)
        if channel in ANSWERS_ON_SAME_CHANNEL or consent:
            response = "utter_handoff_message_received" if next_open else "utter_handoff_message_received_unknown"
        else:
            response = "utter_handoff_message_no_contact"
        dispatcher.utter_message(
            response=response, next_open=when_text(next_open) if next_open else None, unit_phone=profile.phone
        )
        return [
            SlotSet("handoff_request", request),
            SlotSet("handoff_message", None),
            SlotSet("handoff_contact", None),
            SlotSet("handoff_consent", None),
        ]


def consent_text(domain: Dict[Text, Any], profile: MunicipalityProfile) -> str:
    """The consent question as the user saw it, kept with the contact detail."""
    variants = (domain.get("responses") or {}).get("utter_ask_handoff_consent") or [{}]
    text = str(variants[0].get("text") or "")
    return text.replace("{closed_case_retention_days}", str(profile.closed_case_retention_days))


class ActionEndHandoff(Action):
    """The user goes back to the bot ("tilbage", "stop") while waiting for or talking with staff."""

    def name(self) -> Text:
        return "action_end_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_ended")
        events: List[EventType] = [SlotSet("handoff_active", False), SlotSet("handoff_mode", None)]
        previous = tracker.get_slot("handoff_request")
        if isinstance(previous, dict):
            events.append(SlotSet("handoff_request", {**previous, "user_left": True}))
        return events


class ActionEraseMyData(Action):
    """ "Slet mine data", confirmed: says it is done; saving this turn then deletes the whole
    conversation, the SMS number and the bookings' personal fields (bot/rasa/stores/tracker_store.py)."""

    def name(self) -> Text:
        return "action_erase_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_data_erased")
        return []
