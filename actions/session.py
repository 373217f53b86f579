"""Session start: fills the municipality profile's values and says what the bot is."""

from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.core.profile import MunicipalityProfile, current_profile

HANDOFF_SLOTS = ("handoff_active", "handoff_mode", "handoff_request")


class ActionSessionStart(Action):
    """Starts every new conversation with the profile's slots and the bot introduction."""

    def __init__(self, profile: Callable[[], MunicipalityProfile] = current_profile) -> None:
        self._profile = profile

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        values = self._profile().slot_values()
        # A hand-off outlives the session: a message left at night is answered next morning,
        # and the user's reply must reach the same case, not the bot.
        kept = {name: tracker.get_slot(name) for name in HANDOFF_SLOTS if tracker.get_slot(name) is not None}
        if not kept.get("handoff_active"):
            # The slots are set after this action returns, so the texts get the values directly.
            dispatcher.utter_message(response="utter_welcome", **values)
            dispatcher.utter_message(response="utter_welcome_help", **values)
        events: List[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in {**values, **kept}.items()]
        events.append(ActionExecuted("action_listen"))
        return events
