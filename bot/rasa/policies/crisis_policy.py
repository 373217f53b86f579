"""Dialogue policy that puts the crisis answer first, in any state of the conversation.

Rules already answer a crisis, but a rule only matches when the tracker looks as the
rule expects. When the action server is down at the start of a conversation, Rasa
logs the failed session start without the usual `action_listen`, and no rule
matches. This policy looks only at the latest user intent and at what the bot has
said since, so the crisis answer never depends on the action server or the database.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

CRISIS_INTENT = "crisis"
CRISIS_ANSWER = ("utter_crisis", "utter_crisis_numbers", "utter_crisis_more")
DEACTIVATE_LOOP = "action_deactivate_loop"
HANDOFF_ACTION = "action_handoff"


def next_crisis_action(
    latest_intent: Optional[str], actions_since_user: List[str], active_loop: Optional[str]
) -> Optional[str]:
    """The next step of the crisis answer, or None when there is nothing to add."""
    if latest_intent != CRISIS_INTENT:
        return None
    said = [a for a in actions_since_user if a in CRISIS_ANSWER]
    if len(said) < len(CRISIS_ANSWER):
        return CRISIS_ANSWER[len(said)]
    if active_loop and DEACTIVATE_LOOP not in actions_since_user:
        return DEACTIVATE_LOOP  # a form must not ask its next question after a crisis
    if HANDOFF_ACTION not in actions_since_user:
        # Then a person is told (urgent case); the answer above never waits for this action.
        return HANDOFF_ACTION
    return None


def actions_since_last_user_message(tracker: DialogueStateTracker) -> List[str]:
    actions: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            actions.append(event.action_name)
    return list(reversed(actions))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class CrisisPolicy(Policy):
    """Predicts the crisis answer with full confidence and the highest priority."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}  # above RulePolicy (6)

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
        action = next_crisis_action(
            tracker.latest_message.intent.get("name") if tracker.latest_message else None,
            actions_since_last_user_message(tracker),
            tracker.active_loop_name,
        )
        if not action:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # Marked like a form's own next step, which otherwise outranks every policy.
        return self._prediction(probabilities, is_no_user_prediction=True)
