"""The crisis policy's decisions, on plain inputs and on a real tracker."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.policies.crisis_policy import actions_since_last_user_message, next_crisis_action


@pytest.mark.parametrize(
    "intent, said, loop, expected",
    [
        ("crisis", [], None, "utter_crisis"),
        ("crisis", ["utter_crisis"], None, "utter_crisis_numbers"),
        ("crisis", ["utter_crisis", "utter_crisis_numbers"], None, "utter_crisis_more"),
        ("crisis", ["utter_crisis", "utter_crisis_numbers", "utter_crisis_more"], None, "action_handoff"),
        ("crisis", ["utter_crisis", "utter_crisis_numbers", "utter_crisis_more", "action_handoff"], None, None),
        ("crisis", ["intake_form"], "intake_form", "utter_crisis"),
        ("crisis", ["utter_crisis", "utter_crisis_numbers", "utter_crisis_more"], "intake_form", "action_deactivate_loop"),
        ("crisis", ["utter_crisis", "utter_crisis_numbers", "utter_crisis_more", "action_deactivate_loop"],
         "intake_form", "action_handoff"),
        ("ask_su", [], None, None),
        (None, [], None, None),
    ],
)
def test_next_crisis_action(intent, said, loop, expected):
    assert next_crisis_action(intent, said, loop) == expected


def test_only_actions_after_the_latest_user_message_count():
    domain = Domain.from_yaml('version: "3.1"\nintents: [crisis, greet]\nresponses:\n  utter_crisis:\n  - text: x\n')
    tracker = DialogueStateTracker.from_events(
        "user",
        [
            ActionExecuted("action_session_start"),  # a failed session start: no action_listen
            UserUttered("hej", {"name": "greet", "confidence": 1.0}),
            ActionExecuted("utter_crisis"),
            ActiveLoop("intake_form"),
            UserUttered("jeg vil ikke leve mere", {"name": "crisis", "confidence": 1.0}),
            ActionExecuted("utter_crisis"),
        ],
        domain.slots,
    )
    assert actions_since_last_user_message(tracker) == ["utter_crisis"]
