"""Hand-off to a person: the actions with a real profile at fixed moments, and the policy
that keeps the bot quiet while staff have the conversation."""

from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions.handoff import (
    ActionEndHandoff,
    ActionHandoff,
    ActionHandoffMessageDone,
    ValidateHandoffMessageForm,
    handoff_request,
)
from bot.core.profile import load_profile
from bot.rasa.policies.crisis_policy import next_crisis_action
from bot.rasa.policies.handoff_policy import HandoffPolicy, fallback_gave_up, wants_bot_back

ROOT = Path(__file__).resolve().parents[1]
AALBORG = load_profile(ROOT / "profiles" / "aalborg.yml")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=COPENHAGEN).timestamp()  # open 09-15
SUNDAY_20 = datetime(2026, 11, 29, 20, 0, tzinfo=COPENHAGEN).timestamp()  # closed


def sdk_tracker(slots: Optional[Dict[str, Any]] = None, intent: str = "request_human", channel: str = "widget") -> Tracker:
    user = {"event": "user", "text": "kan jeg tale med en voksen", "input_channel": channel, "parse_data": {}}
    return Tracker(
        sender_id="web-abc",
        slots=slots or {},
        latest_message={"text": "kan jeg tale med en voksen", "intent": {"name": intent}, "entities": []},
        events=[user],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def slots_of(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def responses(dispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_during_opening_hours_a_person_takes_over_and_the_bot_goes_quiet(dispatcher, domain):
    events = await ActionHandoff(lambda: AALBORG, lambda: TUESDAY_10).run(dispatcher, sdk_tracker(), domain)
    slots = slots_of(events)
    assert responses(dispatcher) == ["utter_handoff_live"]
    assert dispatcher.messages[0]["wait_minutes"] == AALBORG.handoff_wait_minutes
    assert slots["handoff_active"] is True and slots["handoff_mode"] == "live"
    request = slots["handoff_request"]
    assert request["reason"] == "asked_for_person" and request["mode"] == "live" and request["channel"] == "widget"
    assert request["urgent"] is False and len(request["id"]) == 32 and request["at"] == TUESDAY_10


async def test_outside_opening_hours_the_user_may_leave_a_message_and_hears_when(dispatcher, domain):
    events = await ActionHandoff(lambda: AALBORG, lambda: SUNDAY_20).run(dispatcher, sdk_tracker(), domain)
    slots = slots_of(events)
    assert responses(dispatcher) == ["utter_handoff_closed"]
    assert dispatcher.messages[0]["next_open"] == "mandag d. 30. november kl. 09.00"
    assert slots["handoff_mode"] == "message" and "handoff_active" not in slots


async def test_a_crisis_outside_opening_hours_makes_an_urgent_case_without_questions(dispatcher, domain):
    events = await ActionHandoff(lambda: AALBORG, lambda: SUNDAY_20).run(dispatcher, sdk_tracker(intent="crisis"), domain)
    slots = slots_of(events)
    assert responses(dispatcher) == ["utter_handoff_crisis_closed"]
    assert slots["handoff_mode"] == "noted"
    assert slots["handoff_request"]["urgent"] is True and slots["handoff_request"]["reason"] == "crisis"


async def test_a_crisis_while_staff_have_the_conversation_marks_it_urgent_without_a_message(dispatcher, domain):
    earlier = handoff_request(None, "asked_for_person", "live", "widget", TUESDAY_10)
    tracker = sdk_tracker({"handoff_active": True, "handoff_request": earlier}, intent="crisis")
    events = await ActionHandoff(lambda: AALBORG, lambda: TUESDAY_10 + 60).run(dispatcher, tracker, domain)
    request = slots_of(events)["handoff_request"]
    assert dispatcher.messages == []
    assert request["id"] == earlier["id"] and request["urgent"] is True and request["at"] == TUESDAY_10


def test_a_new_request_after_the_user_left_gets_a_new_id_and_urgency_is_never_taken_back():
    first = handoff_request(None, "crisis", "noted", "widget", 1.0)
    again = handoff_request(first, "asked_for_person", "live", "widget", 2.0)
    assert again["id"] == first["id"] and again["urgent"] is True
    after_leaving = handoff_request({**again, "user_left": True}, "asked_for_person", "live", "widget", 3.0)
    assert after_leaving["id"] != first["id"] and after_leaving["urgent"] is False


def test_a_message_already_left_is_kept_when_the_user_asks_again():
    left = handoff_request(
        None, "asked_for_person", "message", "widget", 1.0, message="hjælp til su", consent=True, phone="+4520304050"
    )
    live = handoff_request(left, "asked_for_person", "live", "widget", 2.0)
    assert live["message"] == "hjælp til su" and live["phone"] == "+4520304050" and live["consent"] is True


async def test_message_form_asks_consent_before_any_contact_detail_and_nothing_by_sms(dispatcher, domain):
    form = ValidateHandoffMessageForm()
    assert await form.required_slots([], dispatcher, sdk_tracker(channel="sms"), domain) == ["handoff_message"]
    web = await form.required_slots([], dispatcher, sdk_tracker(), domain)
    assert web == ["handoff_message", "handoff_consent", "handoff_contact"]
    refused = await form.required_slots([], dispatcher, sdk_tracker({"handoff_consent": False}), domain)
    assert refused == ["handoff_message", "handoff_consent"]  # no number is asked for, so none is stored


@pytest.mark.parametrize(
    "typed, kept",
    [("20 30 40 50", "+4520304050"), ("min mail er sara@example.dk", "sara@example.dk"), ("spring over", ""), ("hmm", None)],
)
def test_message_form_reads_a_phone_number_or_an_email(dispatcher, domain, typed, kept):
    result = ValidateHandoffMessageForm().validate_handoff_contact(typed, dispatcher, sdk_tracker(), domain)
    assert result == {"handoff_contact": kept}
    assert responses(dispatcher) == ([] if kept is not None else ["utter_handoff_contact_invalid"])


async def test_a_message_with_consent_carries_the_contact_detail_and_the_consent_text(dispatcher, domain):
    earlier = handoff_request(None, "not_understood", "message", "widget", SUNDAY_20)
    slots = {
        "handoff_request": earlier,
        "handoff_message": "kan I ringe om min SU",
        "handoff_contact": "+4520304050",
        "handoff_consent": True,
    }
    events = await ActionHandoffMessageDone(lambda: AALBORG, lambda: SUNDAY_20).run(dispatcher, sdk_tracker(slots), domain)
    request = slots_of(events)["handoff_request"]
    assert request["id"] == earlier["id"] and request["reason"] == "not_understood"
    assert request["message"] == "kan I ringe om min SU"
    assert request["phone"] == "+4520304050" and request["consent"] is True and request["contact_channel"] == "telefon"
    assert "90 dage" in request["consent_text"]
    assert responses(dispatcher) == ["utter_handoff_message_received"]
    assert SdkSlotSet("handoff_contact", None) in events and SdkSlotSet("handoff_message", None) in events


async def test_without_consent_no_contact_detail_is_kept(dispatcher, domain):
    slots = {"handoff_message": "hej", "handoff_contact": "sara@example.dk", "handoff_consent": False}
    events = await ActionHandoffMessageDone(lambda: AALBORG, lambda: SUNDAY_20).run(dispatcher, sdk_tracker(slots), domain)
    request = slots_of(events)["handoff_request"]
    assert request["email"] is None and request["phone"] is None and request["consent"] is False
    assert responses(dispatcher) == ["utter_handoff_message_no_contact"]


async def test_going_back_to_the_bot_ends_the_hand_off_and_tells_the_desk(dispatcher, domain):
    request = handoff_request(None, "asked_for_person", "live", "widget", 1.0)
    events = await ActionEndHandoff().run(dispatcher, sdk_tracker({"handoff_active": True, "handoff_request": request}), domain)
    slots = slots_of(events)
    assert slots["handoff_active"] is False and slots["handoff_request"]["user_left"] is True
    assert responses(dispatcher) == ["utter_handoff_ended"]


# --- the policy -------------------------------------------------------------------


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def core_tracker(rasa_domain: Domain, *events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("web-abc", [ActionExecuted("action_listen"), *events], slots=rasa_domain.slots)


def said(text: str, intent: str) -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 0.9})


def test_while_staff_have_the_conversation_the_bot_only_listens(rasa_domain):
    tracker = core_tracker(
        rasa_domain, SlotSet("handoff_active", True), ActionExecuted("action_listen"), said("hvornår får jeg su", "ask_su")
    )
    assert HandoffPolicy.next_action(tracker) == ("action_listen", [])


@pytest.mark.parametrize("text, intent", [("tilbage", "go_back"), ("STOP", "deny"), ("Tilbage til chatbotten!", "out_of_scope")])
def test_the_user_can_take_the_conversation_back_from_staff(rasa_domain, text, intent):
    tracker = core_tracker(rasa_domain, SlotSet("handoff_active", True), ActionExecuted("action_listen"), said(text, intent))
    assert HandoffPolicy.next_action(tracker) == ("action_end_handoff", [])


def test_a_crisis_is_answered_even_while_staff_have_the_conversation(rasa_domain):
    tracker = core_tracker(
        rasa_domain, SlotSet("handoff_active", True), ActionExecuted("action_listen"), said("jeg vil ikke leve mere", "crisis")
    )
    assert HandoffPolicy.next_action(tracker) == (None, [])


def test_the_crisis_answer_is_followed_by_a_hand_off():
    answer = ["utter_crisis", "utter_crisis_numbers", "utter_crisis_more"]
    assert next_crisis_action("crisis", answer, None) == "action_handoff"
    assert next_crisis_action("crisis", [*answer, "action_handoff"], None) is None


def test_without_a_hand_off_the_policy_stands_aside(rasa_domain):
    tracker = core_tracker(rasa_domain, said("hej", "greet"))
    assert HandoffPolicy.next_action(tracker) == (None, [])


def test_when_the_fallback_gives_up_the_conversation_is_handed_off(rasa_domain):
    gave_up = [
        said("blablabla", "nlu_fallback"),
        ActionExecuted("action_two_stage_fallback"),
        BotUttered("Jeg forstår dig desværre ikke.", metadata={"utter_action": "utter_default"}),
        UserUtteranceReverted(),
    ]
    tracker = core_tracker(rasa_domain, *gave_up)
    assert fallback_gave_up(list(tracker.events))
    action, events = HandoffPolicy.next_action(tracker)
    assert action == "action_handoff" and events == [SlotSet("handoff_reason", "not_understood")]
    handed_off = core_tracker(rasa_domain, *gave_up, ActionExecuted("action_handoff"))
    assert not fallback_gave_up(list(handed_off.events))
    asked_again = core_tracker(rasa_domain, said("blablabla", "nlu_fallback"), ActionExecuted("action_two_stage_fallback"))
    assert not fallback_gave_up(list(asked_again.events))


def test_only_whole_messages_take_the_conversation_back():
    assert wants_bot_back(None, "stop")
    assert not wants_bot_back(None, "stop med at sende mig sms om job")
    assert not wants_bot_back("ask_su", "hvornår kommer min su")


def test_slet_mine_data_works_while_staff_have_the_conversation(rasa_domain):
    active = [SlotSet("handoff_active", True), ActionExecuted("action_listen")]
    asked = core_tracker(rasa_domain, *active, said("slet mine data", "delete_my_data"))
    assert HandoffPolicy.next_action(asked) == (None, [])
    confirmed = core_tracker(
        rasa_domain,
        *active,
        said("slet mine data", "delete_my_data"),
        ActionExecuted("utter_confirm_erase"),
        BotUttered("Vil du have slettet samtalen ...?"),
        ActionExecuted("action_listen"),
        said("ja", "affirm"),
    )
    assert HandoffPolicy.next_action(confirmed) == (None, [])
    other_yes = core_tracker(rasa_domain, *active, said("ja", "affirm"))
    assert HandoffPolicy.next_action(other_yes) == ("action_listen", [])


def test_a_hand_off_ended_by_staff_is_not_continued_by_a_new_request():
    ended = {**handoff_request(None, "asked_for_person", "live", "widget", 1.0), "ended": True}
    assert handoff_request(ended, "crisis", "live", "widget", 2.0)["id"] != ended["id"]


async def test_a_new_session_keeps_the_hand_off_and_does_not_greet_again(dispatcher, domain):
    from actions.session import ActionSessionStart

    request = handoff_request(None, "asked_for_person", "message", "widget", 1.0, message="ring til mig")
    tracker = sdk_tracker({"handoff_active": True, "handoff_mode": "live", "handoff_request": request})
    events = await ActionSessionStart(lambda: AALBORG).run(dispatcher, tracker, domain)
    slots = slots_of(events)
    assert slots["handoff_active"] is True and slots["handoff_request"] == request and slots["handoff_mode"] == "live"
    assert dispatcher.messages == []  # staff have the conversation: no bot welcome in the middle of it
