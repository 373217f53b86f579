"""Real conversations over the REST channel against the real Rasa and action servers.

The services are started here (as `make run` starts them, tests/harness/services.py)
on free ports with throw-away SQLite files, and stopped afterwards.
"""

import uuid

import pytest

from tests.harness.knowledge import entry_texts, general_messages
from tests.harness.services import Assistant, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("servers"), trained_model)
    yield running
    running.stop()


def new_user() -> str:
    return uuid.uuid4().hex


def test_first_message_says_it_is_a_chatbot_and_links_privacy(servers):
    replies = servers.say(new_user(), "hej")
    assert "chatbot" in replies[0]["text"]
    assert sum("chatbot" in m.get("text", "") for m in replies) == 1  # introduced once, not repeated
    assert "Aalborg Kommune" in replies[0]["text"]
    payloads = [b["payload"] for m in replies for b in m.get("buttons", [])]
    assert "/ask_privacy" in payloads


def test_phone_style_su_question_gets_the_su_answer_with_link(servers):
    user = new_user()
    servers.say(user, "hej")
    replies = texts(servers.say(user, "hvordn søger ja su"))
    assert any("https://www.su.dk" in t for t in replies)
    assert any("minSU" in t for t in replies)


def test_answers_use_the_municipality_profile(servers):
    user = new_user()
    servers.say(user, "hej")
    replies = texts(servers.say(user, "hvad er jeres adresse og tlf"))
    assert any("Sønderbro 12, 9000 Aalborg" in t and "99 31 37 00" in t for t in replies)


def test_a_request_that_names_the_topic_goes_straight_to_the_age(servers):
    user = new_user()
    servers.say(user, "hej")
    assert texts(servers.say(user, "jeg vil gerne booke en samtale om job"))[-1] == "Hvor gammel er du? Skriv bare tallet."


def test_intake_with_interruption_then_the_next_step(servers):
    user = new_user()
    servers.say(user, "hej")
    assert "Hvad vil du gerne tale om?" in texts(servers.say(user, "kan jeg få en samtale med en vejleder"))[0]
    assert texts(servers.say(user, '/inform{"intake_topic": "job"}')) == ["Hvor gammel er du? Skriv bare tallet."]
    interrupted = texts(servers.say(user, "hvad er fgu"))
    assert "FGU" in interrupted[0]
    assert interrupted[-1] == "Hvor gammel er du? Skriv bare tallet."
    assert texts(servers.say(user, "19")) == ["Hvordan vil du helst tale med os?"]


def test_intake_asks_again_kindly_when_the_topic_is_not_understood(servers):
    user = new_user()
    servers.say(user, "hej")
    servers.say(user, "kan jeg få en samtale med en vejleder")
    replies = servers.say(user, "17")
    assert replies[0]["text"].startswith("Det fangede jeg ikke")
    assert replies[-1]["text"] == "Lad os finde en vejleder til dig. Hvad vil du gerne tale om?"
    assert texts(servers.say(user, "noget med min gæld")) == ["Hvor gammel er du? Skriv bare tallet."]


def test_crisis_inside_the_intake_comes_first_and_ends_the_form(servers):
    user = new_user()
    servers.say(user, "hej")
    servers.say(user, "jeg vil gerne booke en tid")
    replies = texts(servers.say(user, "jeg har lyst til at slå mig selv ihjel"))
    assert replies[0].startswith("Det lyder rigtig svært")
    assert "112" in replies[1] and "70 201 201" in replies[1]
    after = texts(servers.say(user, "hvad er su"))
    assert not any("Hvor gammel" in t for t in after)


# "støtte" (support) is honestly ambiguous: SPS/STU, money, ... The model falls back on it.
UNCLEAR = "støtte"


def test_two_stage_fallback_asks_mente_du_then_rephrase_then_hands_off(servers):
    user = new_user()
    servers.say(user, "hej")
    first = servers.say(user, UNCLEAR)
    assert first[0]["text"] == "Det ved jeg ikke sikkert. Mente du en af dem her?"
    guesses = [b["payload"] for b in first[0]["buttons"][:-1]]
    assert guesses and all(p.startswith("/ask_") for p in guesses)
    assert first[0]["buttons"][-1] == {"title": "Ingen af dem", "payload": "/out_of_scope"}
    assert texts(servers.say(user, "/out_of_scope"))[0].startswith("Det ved jeg ikke sikkert. Prøv at skrive")
    assert texts(servers.say(user, UNCLEAR))[0] == "Det ved jeg ikke sikkert. Mente du en af dem her?"
    gave_up = texts(servers.say(user, "/out_of_scope"))
    assert gave_up[0] == "Jeg forstår dig desværre ikke. Jeg giver dig videre til en medarbejder."
    # Then the hand-off itself: live or a message, depending on the time of day.
    assert gave_up[1].startswith(("Jeg giver dig videre til en medarbejder her i chatten", "Der er ingen medarbejdere"))


def test_a_topic_button_gets_the_topics_general_answer_with_its_buttons(servers):
    """The general answers live in data/knowledge/general/; the texts reach the user as they
    read there, the profile's values filled in, each bubble with its buttons."""
    user = new_user()
    servers.say(user, "hej")
    replies = servers.say(user, "/ask_vejledningscafe")
    expected = general_messages("ask_vejledningscafe")
    assert texts(replies) == [m["text"] for m in expected]
    assert texts(replies)[0] == "Vejledningscaféen er et sted, hvor unge kan få hjælp til uddannelse, job og penge."
    assert [m.get("buttons", []) for m in replies] == [m["buttons"] for m in expected]
    assert replies[-1]["buttons"] == [{"title": "Book en samtale", "payload": "/book_appointment"}]


def test_choosing_a_guess_answers_that_topic(servers):
    user = new_user()
    servers.say(user, "hej")
    offered = [b["payload"] for b in servers.say(user, UNCLEAR)[0]["buttons"]]
    assert "/ask_disability" in offered
    assert any("https://www.spsu.dk" in t for t in texts(servers.say(user, "/ask_disability")))


# Stops the action server, so it runs last in this module.
# Questions that used to get another topic's text or nothing useful (issue 14), each with
# the knowledge entry that answers it. Before the test that stops the action server.
SPECIFIC_QUESTIONS = {
    "kan jeg få su når jeg går på fgu": "su_fgu",
    "må jeg arbejde når jeg er 14": "work_start_age_13",
    "hvad er en efterskole": "school_efterskole_what",
    "hvad er 10. klasse": "school_10_klasse_what",
    "hvad er TAMU": "fgu_tamu",
    "hvad er forskellen på eux og eud": "edu_eux_vs_eud",
    "hvad er dagpenge": "money_dagpenge_what",
    "kan jeg få boligstøtte": "housing_boligstoette_young",
    "hvad er et sabbatår": "edu_sabbatical",
    "jeg er 12 kan jeg bruge jer": "service_too_young",
}


# Known miss on the model of 2026-12-03: it answers the price entry (edu_hojskole_price).
# strict: once it is answered right, the mark must go.
KNOWN_MISSES = [
    pytest.param(
        "hvad er højskole", "edu_hojskole_what", marks=pytest.mark.xfail(strict=True, reason="answers the price entry")
    )
]


@pytest.mark.parametrize("question, entry_id", sorted(SPECIFIC_QUESTIONS.items()) + KNOWN_MISSES)
def test_a_specific_question_gets_its_own_sourced_answer(servers, question, entry_id):
    user = new_user()
    servers.say(user, "hej")
    bubbles, source = entry_texts(entry_id)
    assert texts(servers.say(user, question)) == bubbles + [source]


def test_a_question_inside_the_intake_is_answered_and_the_intake_goes_on(servers):
    user = new_user()
    servers.say(user, "hej")
    servers.say(user, "kan jeg få en samtale med en vejleder")
    servers.say(user, '/inform{"intake_topic": "penge"}')
    bubbles, source = entry_texts("su_fgu")
    replies = texts(servers.say(user, "kan jeg få su når jeg går på fgu"))
    assert replies == bubbles + [source, "Hvor gammel er du? Skriv bare tallet."]


def test_a_question_no_entry_answers_gets_no_entrys_text(servers):
    user = new_user()
    servers.say(user, "hej")
    replies = texts(servers.say(user, "hvornår skal jeg til session"))
    assert not any(t.startswith("Læs mere:") for t in replies)


def test_crisis_answer_does_not_need_the_action_server(servers):
    in_form = new_user()
    servers.say(in_form, "hej")
    servers.say(in_form, "kan jeg få en samtale med en vejleder")
    servers.stop_actions()
    for user in (new_user(), in_form):
        replies = texts(servers.say(user, "jeg vil ikke leve mere"))
        assert replies[0].startswith("Det lyder rigtig svært"), user
        assert any("112" in t for t in replies)

