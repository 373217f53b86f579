"""Custom actions, called as the action server calls them, with a real profile."""

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.booking import ActionIntakeDone, ValidateChangeForm, find_code
from actions.fallback import ActionDefaultAskAffirmation, guess_buttons, topic_labels
from actions.intake import ActionGoBack, ValidateIntakeForm, parse_age, parse_channel, parse_first_name
from actions.session import ActionSessionStart
from bot.core.booking.client import Booking, BookingUnavailable, SlotTaken
from bot.core.booking.outbox import Outbox
from bot.core.intake_terms import CHANNELS, INTAKE_TOPICS
from bot.core.profile import MunicipalityProfile, ProfileError, load_profile

ROOT = Path(__file__).resolve().parents[1]
AALBORG = load_profile(ROOT / "profiles" / "aalborg.yml")


def other_municipality(tmp_path: Path) -> MunicipalityProfile:
    data = yaml.safe_load((ROOT / "profiles" / "aalborg.yml").read_text(encoding="utf-8"))
    data.update(municipality_name="Ballerup Kommune", unit_name="Ungeindsatsen")
    data["contact"]["phone"] = "44 77 20 00"
    data["age_range"] = {"min": 13, "max": 30}
    data["services"]["cv_workshop"] = False
    path = tmp_path / "ballerup.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_profile(path)


async def test_session_start_introduces_the_bot_and_fills_profile_slots(dispatcher, tracker_factory):
    events = await ActionSessionStart(lambda: AALBORG).run(dispatcher, tracker_factory(), {})
    assert events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["unit_phone"] == "99 31 37 00"
    assert slots["municipality_name"] == "Aalborg Kommune"
    assert slots["offers_cv_workshop"] is True
    assert [m["response"] for m in dispatcher.messages] == ["utter_welcome", "utter_welcome_help"]
    assert dispatcher.messages[0]["municipality_name"] == "Aalborg Kommune"


async def test_another_municipality_needs_only_its_own_profile(dispatcher, tracker_factory, tmp_path):
    ballerup = other_municipality(tmp_path)
    events = await ActionSessionStart(lambda: ballerup).run(dispatcher, tracker_factory(), {})
    assert SlotSet("unit_phone", "44 77 20 00") in events
    assert SlotSet("offers_cv_workshop", False) in events
    assert SlotSet("municipality_name", "Ballerup Kommune") in events


def test_profile_without_contact_is_refused(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("municipality_name: X\nunit_name: Y\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="contact"):
        load_profile(path)


def test_verified_opening_hours_need_a_text(tmp_path):
    data = yaml.safe_load((ROOT / "profiles" / "aalborg.yml").read_text(encoding="utf-8"))
    data["opening_hours"] = {"verified": True, "text": ""}
    path = tmp_path / "hours.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="opening"):
        load_profile(path)


def test_fallback_offers_the_three_best_known_guesses_and_none_of_them():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "ask_su", "confidence": 0.4},
        {"name": "greet", "confidence": 0.3},  # no label: never offered
        {"name": "ask_income_options", "confidence": 0.2},
        {"name": "ask_debt", "confidence": 0.1},
        {"name": "ask_fgu", "confidence": 0.08},
    ]
    buttons = guess_buttons(ranking, topic_labels())
    assert buttons == [
        {"title": "SU", "payload": "/ask_su"},
        {"title": "Penge at leve af", "payload": "/ask_income_options"},
        {"title": "Gæld", "payload": "/ask_debt"},
        {"title": "Ingen af dem", "payload": "/out_of_scope"},
    ]


def test_fallback_offers_no_buttons_when_no_guess_is_worth_offering():
    assert guess_buttons([{"name": "ask_su", "confidence": 0.01}, {"name": "greet", "confidence": 0.9}], topic_labels()) == []


async def test_ask_affirmation_without_guesses_asks_for_other_words(dispatcher, tracker_factory):
    tracker = tracker_factory(intent_ranking=[{"name": "nlu_fallback", "confidence": 0.4}])
    await ActionDefaultAskAffirmation().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


async def test_ask_affirmation_action_sends_the_danish_question_with_buttons(dispatcher, tracker_factory):
    tracker = tracker_factory(intent_ranking=[{"name": "ask_su", "confidence": 0.5}])
    assert await ActionDefaultAskAffirmation().run(dispatcher, tracker, {}) == []
    (message,) = dispatcher.messages
    assert message["response"] == "utter_ask_affirmation"
    assert message["buttons"][0] == {"title": "SU", "payload": "/ask_su"}


def test_every_label_belongs_to_a_domain_intent(domain):
    assert set(topic_labels()["intents"]) <= set(domain["intents"])


@pytest.mark.parametrize(
    "value, age",
    [("17", 17), ("jeg er 17 år", 17), ("19 aar", 19), ("sytten", 17), ("toogtyve", 22), (21.0, 21),
     ("hej", None), ("22 33 44 55", None), ("0102031234", None), ("17 eller 18", None),
     ("150", None), (True, None), (17.5, None), (None, None)],
)
def test_parse_age(value, age):
    assert parse_age(value) == age


def test_age_validation_asks_again_kindly_on_unreadable_age(dispatcher, tracker_factory):
    result = ValidateIntakeForm().validate_age("ved ikke", dispatcher, tracker_factory(), {})
    assert result == {"age": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_age"


def test_age_validation_accepts_a_typed_age(dispatcher, tracker_factory):
    assert ValidateIntakeForm().validate_age("jeg er 16", dispatcher, tracker_factory(), {}) == {"age": 16}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "topic, expected",
    [("penge", "penge"), ("Læreplads", "læreplads"), ("noget med min gæld", "penge"), ("hjælp til mit CV", "cv"),
     ("elevplads", "læreplads"), ("ved ikke", "andet")],
)
def test_topic_validation_reads_buttons_and_typed_topics(dispatcher, tracker_factory, topic, expected):
    assert ValidateIntakeForm().validate_intake_topic(topic, dispatcher, tracker_factory(), {}) == {"intake_topic": expected}
    assert dispatcher.messages == []


@pytest.mark.parametrize("topic", ["pizza", "17", "penge og job", None, "   "])
def test_topic_validation_asks_again_when_no_single_topic_is_named(dispatcher, tracker_factory, topic):
    assert ValidateIntakeForm().validate_intake_topic(topic, dispatcher, tracker_factory(), {}) == {"intake_topic": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_intake_topic"]


START = "2026-12-03T10:00:00+01:00"
DOMAIN = {"responses": {"utter_ask_consent": [{"text": "Vi sletter det {retention_days} dage efter samtalen. Er det ok?"}]}}
BOOKED_SLOTS = {"intake_topic": "job", "contact_channel": "sms", "phone_number": "+4520304050", "first_name": "Sara",
                "booking_slot": START, "consent": True}


class FakeBookingClient:
    """Stands in for the booking service in action unit tests (the real service is
    exercised in tests/test_booking_service.py and the REST conversation tests)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.booked, self.contact_requests = error, [], []

    def book(self, request, start, key):
        if self.error:
            raise self.error
        self.booked.append((request, start, key))
        return Booking("K7MQ4X", "booked", start, start, request.channel, request.topic, "Uddannelse og job")

    def request_contact(self, request, reason, key, preferred=None):
        if self.error:
            raise self.error
        self.contact_requests.append((request, reason, key, preferred))
        return 1


def intake_done(profile, client, tmp_path):
    return ActionIntakeDone(lambda: profile, lambda: client, lambda: Outbox(tmp_path / "outbox.db"))


@pytest.mark.parametrize(
    "age, responses",
    [
        (17, ["utter_booking_confirmed"]),
        (14, ["utter_intake_parent_note", "utter_booking_confirmed"]),
        (12, ["utter_intake_too_young"]),
        (30, ["utter_intake_too_old"]),
        ("1709021234", ["utter_invalid_age"]),  # a slot set around the form is re-checked
    ],
)
async def test_intake_done_answers_by_age(dispatcher, tracker_factory, tmp_path, age, responses):
    client = FakeBookingClient()
    tracker = tracker_factory(slots={**BOOKED_SLOTS, "age": age})
    events = await intake_done(AALBORG, client, tmp_path).run(dispatcher, tracker, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == responses
    assert len(client.booked) == (1 if responses[-1] == "utter_booking_confirmed" else 0)
    assert SlotSet("intake_topic", None) in events  # the next intake starts fresh


async def test_intake_done_books_with_the_consent_text_and_tells_the_code(dispatcher, tracker_factory, tmp_path):
    client = FakeBookingClient()
    tracker = tracker_factory(slots={**BOOKED_SLOTS, "age": 19})
    events = await intake_done(AALBORG, client, tmp_path).run(dispatcher, tracker, DOMAIN)
    request, start, _key = client.booked[0]
    assert request.consent_text == "Vi sletter det 30 dage efter samtalen. Er det ok?"
    assert (request.phone, request.email, request.first_name) == ("+4520304050", None, "Sara")
    assert start == datetime.fromisoformat(START)
    assert dispatcher.messages[0]["booking_code"] == "K7MQ4X"
    assert dispatcher.messages[0]["booking_when"] == "torsdag d. 3. december kl. 10.00"
    assert SlotSet("booking_code", "K7MQ4X") in events


async def test_intake_done_uses_the_profile_age_range(dispatcher, tracker_factory, tmp_path):
    ballerup = other_municipality(tmp_path)
    tracker = tracker_factory(slots={**BOOKED_SLOTS, "age": 30})
    await intake_done(ballerup, FakeBookingClient(), tmp_path).run(dispatcher, tracker, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_booking_confirmed"]


async def test_nothing_is_booked_without_consent(dispatcher, tracker_factory, tmp_path):
    client = FakeBookingClient()
    tracker = tracker_factory(slots={**BOOKED_SLOTS, "age": 19, "consent": None})
    await intake_done(AALBORG, client, tmp_path).run(dispatcher, tracker, DOMAIN)
    assert client.booked == [] and [m["response"] for m in dispatcher.messages] == ["utter_intake_stopped"]


async def test_service_down_keeps_the_request_in_the_outbox_and_says_so(dispatcher, tracker_factory, tmp_path):
    client = FakeBookingClient(BookingUnavailable("ConnectionError"))
    tracker = tracker_factory(slots={**BOOKED_SLOTS, "age": 19})
    await intake_done(AALBORG, client, tmp_path).run(dispatcher, tracker, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_booking_failed_saved", "utter_contact_request_saved"]
    waiting = Outbox(tmp_path / "outbox.db").due()
    assert len(waiting) == 1 and waiting[0].payload["preferred_start"] == START and waiting[0].payload["phone"] == "+4520304050"


async def test_a_taken_time_offers_the_choice_again(dispatcher, tracker_factory, tmp_path):
    tracker = tracker_factory(slots={**BOOKED_SLOTS, "age": 19})
    events = await intake_done(AALBORG, FakeBookingClient(SlotTaken("taken")), tmp_path).run(dispatcher, tracker, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_slot_taken"]
    assert SlotSet("booking_slot", None) in events and {"event": "followup", "name": "intake_form", "timestamp": None} in events
    assert Outbox(tmp_path / "outbox.db").due() == []


@pytest.mark.parametrize("text, channel", [
    ("sms", "sms"), ("ring til mig", "telefon"), ("på mail tak", "mail"), ("jeg vil gerne mødes", "møde"),
    ("moedes hos jer", "møde"), ("teams", "video"), ("video", "video"), ("hmm", None),
])
def test_parse_channel(text, channel):
    assert parse_channel(text) == channel


@pytest.mark.parametrize("text, name", [
    ("Sara", "Sara"), ("jeg hedder mo", "Mo"), ("kald mig Ali", "Ali"), ("spring over", ""), ("-", ""),
    ("20304050", None), ("jeg vil gerne bare snakke om noget helt andet", None),
])
def test_parse_first_name(text, name):
    assert parse_first_name(text) == name


@pytest.mark.parametrize("text, code", [
    ("aflys min tid K7MQ4X", "K7MQ4X"), ("koden er k7m-q4x", "K7MQ4X"), ("ht9 c3w", "HT9C3W"),
    ("HJERTE", None), ("aflyse", None), ("20304050", None),
])
def test_find_code(text, code):
    assert find_code(text) == code


@pytest.mark.parametrize(
    "text, topic",
    [
        ("jeg vil gerne booke en samtale om job", {"intake_topic": "job"}),
        ("kan jeg snakke med nogen om su", {"intake_topic": "penge"}),
        ("kan jeg få en samtale med en vejleder", {}),
        ("en samtale om job og su", {}),  # two topics: asked, not guessed
    ],
)
async def test_a_topic_named_in_the_request_is_taken(dispatcher, tracker_factory, domain, text, topic):
    tracker = tracker_factory(slots={"requested_slot": None}, text=text, active_loop="intake_form")
    assert await ValidateIntakeForm().extract_intake_topic(dispatcher, tracker, domain) == topic


@pytest.mark.parametrize("intent", ["greet", "ask_su", "nlu_fallback"])
async def test_an_asked_for_code_is_taken_whatever_the_intent(dispatcher, tracker_factory, domain, intent):
    tracker = tracker_factory(
        slots={"requested_slot": "booking_code"},
        intent_ranking=[{"name": intent, "confidence": 0.6}],
        text="a3c9kx",
        active_loop="change_form",
    )
    assert await ValidateChangeForm().extract_booking_code(dispatcher, tracker, domain) == {"booking_code": "A3C9KX"}


@pytest.mark.parametrize(
    "slots, cleared, asked",
    [
        ({"intake_topic": "penge", "age": 17, "requested_slot": "contact_channel"}, ["age"], "age"),
        ({"intake_topic": "penge", "requested_slot": "age"}, ["intake_topic"], "intake_topic"),
        (
            {**BOOKED_SLOTS, "age": 17, "time_wish": "torsdag", "consent": None, "requested_slot": "consent"},
            ["booking_slot", "time_wish", "slot_options", "contact_reason"],
            "time_wish",
        ),
    ],
)
async def test_going_back_clears_the_previous_answer_and_asks_it_directly(dispatcher, tracker_factory, slots, cleared, asked):
    events = await ActionGoBack().run(dispatcher, tracker_factory(slots=slots), {})
    assert {e["name"] for e in events if e["value"] is None} == set(cleared)
    assert events[-1] == SlotSet("requested_slot", asked)  # never None: the form would pre-fill the topic again
    assert [m["response"] for m in dispatcher.messages] == ["utter_go_back"]


def test_domain_slot_values_match_the_shared_intake_terms(domain):
    assert tuple(domain["slots"]["intake_topic"]["values"]) == INTAKE_TOPICS
    assert tuple(domain["slots"]["contact_channel"]["values"]) == CHANNELS
