"""Booking a talk at the end of the intake, and cancelling or moving it later by code.

Every call to the booking service runs in a worker thread (asyncio.to_thread). When the
service is down, the intake goes to the outbox as a contact request and the user is told
plainly that no time is booked yet."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from abc import ABCMeta, abstractmethod
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.intake import INTAKE_SLOTS, PARENT_NOTE_BELOW_AGE, parse_age
from actions.time_steps import OTHER_TIME, TimeSteps
from bot.core.booking.client import (
    Booking,
    BookingClient,
    BookingError,
    BookingNotFound,
    BookingRejected,
    BookingRequest,
    BookingUnavailable,
    SlotTaken,
)
from bot.core.booking.outbox import CANCELLATION, CONTACT_REQUEST, Outbox
from bot.core.booking_text import button_text, channel_label, labels, when_text
from bot.core.intake_terms import NEEDS_EMAIL, NEEDS_PHONE
from bot.core.profile import MunicipalityProfile, current_profile

log = logging.getLogger(__name__)

KEY_NAMESPACE = uuid.UUID("6f1c3e0a-8d7b-4c59-9a57-1f0e4b8c2d31")
# A booking code typed in a message: 6 of the code letters/digits, maybe split "K7M-4QX".
_CODE = re.compile(
    r"(?<![A-Za-z0-9])([ACDEFHJKMNPQRTUVWXY3479]{3})[\s-]?([ACDEFHJKMNPQRTUVWXY3479]{3})(?![A-Za-z0-9])", re.IGNORECASE
)
CHANGE_SLOTS = (
    "change_kind",
    "change_confirmed",
    "booking_status",
    "booking_when",
    "booking_topic",
    "time_wish",
    "booking_slot",
    "slot_options",
    "contact_reason",
)


def find_code(text: Any) -> Optional[str]:
    """A booking code inside a message ("aflys min tid k7m-4qx"); codes hold a letter and a digit."""
    if not isinstance(text, str):
        return None
    for match in _CODE.finditer(text):
        code = (match.group(1) + match.group(2)).upper()
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code
    return None


def idempotency_key(tracker: Tracker) -> str:
    """One key per filled-in intake: the conversation and the moment the form started.

    A repeated or retried booking of the same intake therefore never books twice."""
    started = next(
        (
            e.get("timestamp")
            for e in reversed(tracker.events)
            if e.get("event") == "active_loop" and e.get("name") == "intake_form"
        ),
        None,
    )
    return str(uuid.uuid5(KEY_NAMESPACE, f"{tracker.sender_id}:{started}"))


def consent_text(domain: Dict[str, Any], retention_days: int) -> str:
    template = domain["responses"]["utter_ask_consent"][0]["text"]
    return template.replace("{retention_days}", str(retention_days))


def reset(slots: Any) -> List[EventType]:
    return [SlotSet(name, None) for name in slots]


class ActionAskBookingSlot(Action):
    """Offers the free times as buttons, plus "another time"."""

    def name(self) -> Text:
        return "action_ask_booking_slot"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        options = tracker.get_slot("slot_options") or []
        buttons = [
            {"title": button_text(datetime.fromisoformat(o)), "payload": f'/inform{{"booking_slot": "{o}"}}'} for o in options
        ]
        buttons.append({"title": labels()["other_time_button"], "payload": f'/inform{{"booking_slot": "{OTHER_TIME}"}}'})
        dispatcher.utter_message(response="utter_ask_booking_slot", buttons=buttons)
        return []


class ActionAskConsent(Action):
    def __init__(self, profile: Callable[[], MunicipalityProfile] = current_profile) -> None:
        self._profile = profile

    def name(self) -> Text:
        return "action_ask_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_consent", retention_days=self._profile().booking_retention_days)
        return []


class BookingServiceAction(Action, metaclass=ABCMeta):
    """An action that calls the booking service (dependencies injectable for tests)."""

    def __init__(
        self,
        profile: Callable[[], MunicipalityProfile] = current_profile,
        client: Callable[[], BookingClient] = BookingClient.shared,
        outbox: Callable[[], Outbox] = Outbox.shared,
    ) -> None:
        self._profile, self._client, self._outbox = profile, client, outbox

    @abstractmethod
    def name(self) -> Text:
        """Abstract, so rasa_sdk does not register this base class as an action."""


class ActionIntakeDone(BookingServiceAction):
    """Books the chosen time, or keeps a contact request when no time could be booked."""

    def name(self) -> Text:
        return "action_intake_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        profile = self._profile()
        age = parse_age(tracker.get_slot("age"))  # re-validated: slots can be set by anyone
        ages = {"age_min": profile.age_min, "age_max": profile.age_max}
        if age is None:
            dispatcher.utter_message(response="utter_invalid_age")
            return reset(INTAKE_SLOTS)
        if age < profile.age_min:
            dispatcher.utter_message(response="utter_intake_too_young", **ages)
            return reset(INTAKE_SLOTS)
        if age > profile.age_max:
            dispatcher.utter_message(response="utter_intake_too_old", **ages)
            return reset(INTAKE_SLOTS)
        if tracker.get_slot("consent") is not True:
            dispatcher.utter_message(response="utter_intake_stopped")
            return reset(INTAKE_SLOTS)
        if age < PARENT_NOTE_BELOW_AGE:
            dispatcher.utter_message(response="utter_intake_parent_note")

        channel = tracker.get_slot("contact_channel")
        request = BookingRequest(
            topic=tracker.get_slot("intake_topic"),
            channel=channel,
            age=age,
            consent_text=consent_text(domain, profile.booking_retention_days),
            phone=tracker.get_slot("phone_number") if channel in NEEDS_PHONE else None,
            email=tracker.get_slot("email") if channel in NEEDS_EMAIL else None,
            first_name=tracker.get_slot("first_name") or None,
            conversation_id=tracker.sender_id,
        )
        key = idempotency_key(tracker)
        chosen = tracker.get_slot("booking_slot")
        reason = tracker.get_slot("contact_reason")
        if reason or not chosen:
            reason = reason or "booking_unavailable"
            await self.keep_request(request, reason, key, None, deliver_now=reason != "booking_unavailable")
            dispatcher.utter_message(response="utter_contact_request_saved", channel_label=channel_label(channel))
            return reset(INTAKE_SLOTS)

        start = datetime.fromisoformat(chosen)
        try:
            booking = await asyncio.to_thread(self._client().book, request, start, key)
        except (SlotTaken, BookingRejected) as refused:
            # Taken meanwhile, or no longer bookable (the minimum notice passed): choose again.
            log.info("booking refused (%s); offering other times", type(refused).__name__)
            dispatcher.utter_message(response="utter_slot_taken")
            return [
                SlotSet("booking_slot", None),
                SlotSet("slot_options", None),
                SlotSet("time_wish", None),
                SlotSet("consent", None),
                FollowupAction("intake_form"),
            ]
        except BookingUnavailable:
            await self.keep_request(request, "booking_unavailable", key, start, deliver_now=False)
            dispatcher.utter_message(response="utter_booking_failed_saved")
            dispatcher.utter_message(response="utter_contact_request_saved", channel_label=channel_label(channel))
            return reset(INTAKE_SLOTS)
        self.confirm(dispatcher, booking, profile)
        return reset(INTAKE_SLOTS) + [SlotSet("booking_code", booking.code)]

    def confirm(self, dispatcher: CollectingDispatcher, booking: Booking, profile: MunicipalityProfile) -> None:
        dispatcher.utter_message(
            response="utter_booking_confirmed",
            booking_when=when_text(booking.start.astimezone(profile.hours.tz)),
            channel_label=channel_label(booking.channel),
            booking_code=booking.code,
        )
        if booking.channel == "møde":
            dispatcher.utter_message(response="utter_booking_meeting_place", **profile.slot_values())

    async def keep_request(
        self, request: BookingRequest, reason: str, key: str, preferred: Optional[datetime], deliver_now: bool
    ) -> None:
        """Stores the request durably first; delivers it at once only when the service is
        known to be up (a second wait on a service that just failed would keep the user waiting)."""
        outbox = self._outbox()
        payload = {**request.__dict__, "reason": reason, "preferred_start": preferred.isoformat() if preferred else None}
        await asyncio.to_thread(outbox.put, key, CONTACT_REQUEST, payload)
        if not deliver_now:
            return
        try:
            await asyncio.to_thread(self._client().request_contact, request, reason, key, preferred)
        except BookingError:
            log.warning("contact request kept in the outbox for later delivery")
        else:
            await asyncio.to_thread(outbox.delivered, key)


class ValidateChangeForm(TimeSteps, FormValidationAction):
    """Cancel or move: the code, then a yes (cancel) or a new time (move)."""

    def name(self) -> Text:
        return "validate_change_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("booking_status") in ("cancelled", "unavailable"):
            return ["booking_code"]  # nothing more to ask: action_change_booking explains
        if tracker.get_slot("change_kind") == "move":
            steps = ["booking_code", "time_wish"]
            return steps if tracker.get_slot("contact_reason") else steps + ["booking_slot"]
        return ["booking_code", "change_confirmed"]

    async def extract_booking_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        if requested is None:
            # Starting: a code in this message ("aflys K7M4QX"), else the one booked in this conversation.
            code = find_code(tracker.latest_message.get("text")) or tracker.get_slot("booking_code")
            if code:
                return {"booking_code": code}
        elif requested == "booking_code":
            # Asked for the code: a code-shaped answer is taken whatever intent the NLU saw in
            # six random characters (the from_text mapping only covers a few intents).
            code = find_code(tracker.latest_message.get("text"))
            if code:
                return {"booking_code": code}
        return {}

    async def validate_booking_code(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = find_code(slot_value)
        if code is None:
            dispatcher.utter_message(response="utter_invalid_booking_code")
            return {"booking_code": None}
        try:
            booking = await asyncio.to_thread(self._client().get, code)
        except BookingNotFound:
            dispatcher.utter_message(response="utter_booking_code_unknown")
            return {"booking_code": None}
        except BookingError:
            return {"booking_code": code, "booking_status": "unavailable"}
        profile = self._profile()
        return {
            "booking_code": booking.code,
            "booking_status": booking.status,
            "booking_topic": booking.topic,
            "booking_when": when_text(booking.start.astimezone(profile.hours.tz)),
        }

    def validate_change_confirmed(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"change_confirmed": True if slot_value is True else None}


class ActionChangeBooking(BookingServiceAction):
    """Cancels or moves the booking the change form found."""

    def name(self) -> Text:
        return "action_change_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        profile = self._profile()
        code, status = tracker.get_slot("booking_code"), tracker.get_slot("booking_status")
        kind = tracker.get_slot("change_kind") or "cancel"
        if status == "cancelled":
            dispatcher.utter_message(response="utter_booking_already_cancelled")
            return reset(CHANGE_SLOTS)
        if kind == "cancel":
            return await self.cancel(dispatcher, tracker, profile, code, status)
        return await self.move(dispatcher, tracker, profile, code, status)

    async def cancel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, profile: MunicipalityProfile, code: str, status: Optional[str]
    ) -> List[EventType]:
        if status != "unavailable" and tracker.get_slot("change_confirmed") is not True:
            dispatcher.utter_message(response="utter_change_stopped")
            return reset(CHANGE_SLOTS)
        try:
            booking = await asyncio.to_thread(self._client().cancel, code)
        except BookingNotFound:
            dispatcher.utter_message(response="utter_booking_code_unknown")
            return reset(CHANGE_SLOTS) + [SlotSet("booking_code", None)]
        except BookingError:
            # Cancelling is safe to repeat: the outbox sends it when the service is back.
            await asyncio.to_thread(self._outbox().put, f"cancel:{code}", CANCELLATION, {"code": code})
            dispatcher.utter_message(response="utter_cancel_saved")
            return reset(CHANGE_SLOTS)
        dispatcher.utter_message(
            response="utter_booking_cancelled", booking_when=when_text(booking.start.astimezone(profile.hours.tz))
        )
        return reset(CHANGE_SLOTS) + [SlotSet("booking_code", None)]

    async def move(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, profile: MunicipalityProfile, code: str, status: Optional[str]
    ) -> List[EventType]:
        chosen = tracker.get_slot("booking_slot")
        if status == "unavailable" or not chosen:
            dispatcher.utter_message(response="utter_change_failed", **profile.slot_values())
            return reset(CHANGE_SLOTS)
        try:
            booking = await asyncio.to_thread(self._client().move, code, datetime.fromisoformat(chosen))
        except (SlotTaken, BookingRejected):
            dispatcher.utter_message(response="utter_slot_taken")
            return [
                SlotSet("booking_slot", None),
                SlotSet("slot_options", None),
                SlotSet("time_wish", None),
                FollowupAction("change_form"),
            ]
        except BookingError:
            dispatcher.utter_message(response="utter_change_failed", **profile.slot_values())
            return reset(CHANGE_SLOTS)
        dispatcher.utter_message(
            response="utter_booking_moved",
            booking_when=when_text(booking.start.astimezone(profile.hours.tz)),
            booking_code=booking.code,
        )
        return reset(CHANGE_SLOTS)
