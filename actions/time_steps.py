"""The two steps both booking forms share: when the user wants a talk, and which free
time they pick. Used by validate_intake_form and validate_change_form."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.booking.client import BookingClient, BookingUnavailable, SlotQuery
from bot.core.dates import TimeProblem, TimeWish, parse_time_wish
from bot.core.folding import fold_text
from bot.core.profile import MunicipalityProfile, current_profile

OTHER_TIME = "andet"
WIDER_SEARCH_DAYS = 14
PROBLEM_RESPONSES = {
    "not_understood": "utter_time_not_understood",
    "past": "utter_time_past",
    "invalid_time": "utter_time_invalid",
    "invalid_date": "utter_time_invalid",
    "closed_day": "utter_time_closed_day",
    "outside_hours": "utter_time_outside_hours",
    "too_far": "utter_time_too_far",
}
# Ordinal words (folded) for a typed choice; digits only count alone or after "nr".
_ORDINALS = {"foerste": 0, "foerst": 0, "anden": 1, "midterste": 1, "tredje": 2}
_NUMBER_CHOICE = re.compile(r"^(?:nr|nummer|number)? ?([1-9])$")


def now_in(profile: MunicipalityProfile) -> datetime:
    return datetime.now(profile.hours.tz)


class TimeSteps:
    """Mixin for a FormValidationAction: validate_time_wish and validate_booking_slot."""

    def __init__(
        self,
        profile: Callable[[], MunicipalityProfile] = current_profile,
        client: Callable[[], BookingClient] = BookingClient.shared,
        clock: Optional[Callable[[MunicipalityProfile], datetime]] = None,
    ) -> None:
        self._profile = profile
        self._client = client
        self._clock = clock or now_in

    def topic_for_search(self, tracker: Tracker) -> str:
        return tracker.get_slot("intake_topic") or tracker.get_slot("booking_topic") or "andet"

    async def search(self, tracker: Tracker, wish: TimeWish) -> List[str]:
        """Free start times (ISO) for the wish; BookingUnavailable when the service is down."""
        query = SlotQuery(self.topic_for_search(tracker), wish.first_day, wish.last_day, wish.earliest, wish.latest, wish.at)
        slots = await asyncio.to_thread(self._client().free_slots, query)
        return [slot.start.isoformat() for slot in slots]

    async def wider_search(self, tracker: Tracker, wish: TimeWish) -> List[str]:
        wider = TimeWish(wish.first_day, wish.first_day + timedelta(days=WIDER_SEARCH_DAYS), None, None, wish.at, False)
        return await self.search(tracker, wider)

    def read_wish(self, text: Any) -> TimeWish | TimeProblem:
        profile = self._profile()
        if not isinstance(text, str) or not text.strip():
            return TimeProblem("not_understood")
        return parse_time_wish(text, self._clock(profile), profile.hours)

    async def offer_times(self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        """Reads a time wish and finds free times for it; the slot values to set."""
        wish = self.read_wish(text)
        if isinstance(wish, TimeProblem):
            dispatcher.utter_message(
                response=PROBLEM_RESPONSES.get(wish.reason, "utter_time_not_understood"), closed_day=wish.detail
            )
            return {"time_wish": None}
        try:
            options = await self.search(tracker, wish)
            if not options:
                options = await self.wider_search(tracker, wish)
                if options:
                    dispatcher.utter_message(response="utter_no_time_in_wish")
        except BookingUnavailable:
            dispatcher.utter_message(response="utter_booking_times_unavailable")
            return {"time_wish": text, "slot_options": [], "booking_slot": None, "contact_reason": "booking_unavailable"}
        if not options:
            dispatcher.utter_message(response="utter_no_free_times")
            return {"time_wish": text, "slot_options": [], "booking_slot": None, "contact_reason": "no_free_time"}
        return {"time_wish": text, "slot_options": options, "booking_slot": None, "contact_reason": None}

    async def validate_time_wish(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Dict[str, Any]:
        return await self.offer_times(slot_value, dispatcher, tracker)

    async def validate_booking_slot(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Dict[str, Any]:
        options: List[str] = tracker.get_slot("slot_options") or []
        if slot_value == OTHER_TIME:
            return {"booking_slot": None, "time_wish": None, "slot_options": None}
        chosen = pick_option(slot_value, options, self.read_wish)
        if chosen:
            return {"booking_slot": chosen}
        wish = self.read_wish(slot_value)
        if isinstance(wish, TimeWish):  # another day or time: look again
            return await self.offer_times(slot_value, dispatcher, tracker)
        dispatcher.utter_message(response="utter_invalid_booking_slot")
        return {"booking_slot": None}


def pick_option(value: Any, options: List[str], read_wish: Callable[[str], Any]) -> Optional[str]:
    """The offered time the user means: a button value, "den første", "2", or "torsdag kl 10"."""
    if not isinstance(value, str) or not options:
        return None
    if value in options:
        return value
    folded = fold_text(value)
    words = re.sub(r"[^a-z0-9 ]", " ", folded).split()
    phrase = " ".join(words)
    if phrase in ("sidste", "den sidste"):
        return options[-1]
    number = _NUMBER_CHOICE.match(phrase)
    if number and int(number.group(1)) <= len(options):
        return options[int(number.group(1)) - 1]
    for word, index in _ORDINALS.items():
        if word in words and index < len(options):
            return options[index]
    wish = read_wish(value)
    if isinstance(wish, TimeWish):
        for option in options:
            start = datetime.fromisoformat(option)
            if not wish.first_day <= start.date() <= wish.last_day:
                continue
            if wish.at is not None and start.time().replace(tzinfo=None) != wish.at:
                continue
            if wish.earliest and start.time().replace(tzinfo=None) < wish.earliest:
                continue
            return option
    return None
