"""Dialogue policy for the hand-off to a person (actions/handoff.py).

- While staff have the conversation (slot `handoff_active`), the bot stays quiet: every
  user message is stored for the staff desk and answered with `action_listen`, except the
  crisis answer (bot.rasa.policies.crisis_policy), which always comes, and the user's wish to
  have the bot back ("tilbage", "stop"), which ends the hand-off.
- When Rasa's fallback has given up on a message (two failed tries, or the dialogue policies
  were unsure), the conversation is handed off with the reason `not_understood`. Rasa
  reverts the user's message when it gives up, so rules cannot see that moment; this policy
  reads the raw events.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.folding import fold_text
from bot.rasa.policies.crisis_policy import actions_since_last_user_message, next_crisis_action

ACTIVE_SLOT = "handoff_active"
LISTEN, HANDOFF, END_HANDOFF = "action_listen", "action_handoff", "action_end_handoff"
FALLBACK_ACTIONS = {"action_two_stage_fallback", "action_default_fallback"}
BACK_INTENT = "go_back"
ERASE_INTENT, ERASE_QUESTION = "delete_my_data", "utter_confirm_erase"
# Folded whole messages that take the conversation back from staff to the bot.
BACK_WORDS = {
    "stop",
    "tilbage",
    "tilbage til chatbotten",
    "tilbage til chatbot",
    "tilbage til botten",
    "jeg vil tilbage til chatbotten",
    "jeg vil skrive med chatbotten igen",
    "chatbotten igen",
}


def wants_bot_back(intent: Optional[str], text: Optional[str]) -> bool:
    return intent == BACK_INTENT or fold_text(text or "") in BACK_WORDS


def action_before_user_message(tracker: DialogueStateTracker) -> Optional[str]:
    """The last action the bot took before the latest user message (ignoring action_listen)."""
    seen_user = False
    for event in reversed(tracker.applied_events()):
        if isinstance(event, UserUttered):
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted) and event.action_name != LISTEN:
            return event.action_name
    return None


def fallback_gave_up(events: List[Event]) -> bool:
    """Whether the last action was Rasa's fallback and it reverted the user's message."""
    reverted = False
    for event in reversed(events):
        if isinstance(event, UserUtteranceReverted):
            reverted = True
        elif isinstance(event, UserUttered):
            return False
        elif isinstance(event, ActionExecuted):
            return reverted and event.action_name in FALLBACK_ACTIONS
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class HandoffPolicy(Policy):
    """Keeps the bot quiet during a hand-off and hands off when the fallback gives up."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 8}  # above CrisisPolicy (7); it stands aside whenever a crisis answer is due

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action, events = self.next_action(tracker)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, events=events, is_no_user_prediction=True)

    @staticmethod
    def next_action(tracker: DialogueStateTracker) -> "tuple[Optional[str], List[Event]]":
        if fallback_gave_up(list(tracker.events)):
            return HANDOFF, [SlotSet("handoff_reason", "not_understood")]
        if not tracker.get_slot(ACTIVE_SLOT):
            return None, []
        latest = tracker.latest_message
        intent = latest.intent.get("name") if latest else None
        if next_crisis_action(intent, actions_since_last_user_message(tracker), tracker.active_loop_name):
            return None, []
        if tracker.latest_action_name == LISTEN:
            if wants_bot_back(intent, latest.text if latest else None):
                return END_HANDOFF, []
            if intent == ERASE_INTENT or action_before_user_message(tracker) == ERASE_QUESTION:
                return None, []  # "slet mine data" works at any time; the rules ask and erase
        return LISTEN, []
