"""action_answer_question, called as the action server calls it, with real profiles."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker

from actions.knowledge import ActionAnswerQuestion, entry_button, general_answers, knowledge_entries
from bot.core.knowledge.entries import parse_entry
from bot.core.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
AALBORG = load_profile(ROOT / "profiles" / "aalborg.yml")
THRESHOLDS = {"answer": 0.5, "margin": 0.2, "clarify": 0.15}


def entry(entry_id, topic="ask_su", **changes):
    data = {
        "id": entry_id,
        "topic": topic,
        "title": f"Om {entry_id}",
        "questions": [f"{entry_id} {n}" for n in range(5)],
        "answer": [f"Svar om {entry_id}."],
        "source": f"https://www.su.dk/{entry_id}",
        "checked": dt.date(2026, 12, 3),
    }
    data.update(changes)
    return parse_entry(data, "test.yml")


ENTRIES = {
    e.id: e
    for e in [
        entry("su_start", offer="book"),
        entry("su_amount"),
        entry("fgu_skoleydelse", topic="ask_fgu", answer=["Pa FGU far du skoleydelse, ikke SU."]),
        entry("service_age", topic="ask_vejledningscafe", answer=["Vi hjælper unge fra {age_min} til {age_max} år."]),
        entry("service_local", topic="ask_contact_info", when={"profile": "ballerup"}),
        entry("cv_workshop", topic="ask_cv_help", answer=["Kom til vores CV-hjælp i dag."], when={"service": "cv_workshop"}),
    ]
}


def tracker(intent="ask_su", ranking=(), entities=(), slots=None, channel=None):
    latest = {
        "text": "et spørgsmål",
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "knowledge": {"ranking": [{"id": i, "score": s} for i, s in ranking], "thresholds": THRESHOLDS},
    }
    events = [{"event": "user", "text": latest["text"], "input_channel": channel}] if channel else []
    return Tracker("u", slots or {}, latest, events, False, None, {}, "action_listen")


def run(action, dispatcher, the_tracker):
    import asyncio

    return asyncio.run(action.run(dispatcher, the_tracker, {}))


@pytest.fixture
def action():
    return ActionAnswerQuestion(profile=lambda: AALBORG, entries=lambda: ENTRIES)


def texts(dispatcher):
    return [m.get("text") or m.get("response") for m in dispatcher.messages]


def test_a_confident_entry_is_answered_with_its_source_and_offer(action, dispatcher):
    run(action, dispatcher, tracker(ranking=[("su_start", 0.8), ("su_amount", 0.1)]))
    assert texts(dispatcher) == ["Svar om su_start.", "utter_knowledge_source"]
    source = dispatcher.messages[-1]
    assert source["source"] == "https://www.su.dk/su_start"
    assert source["buttons"] == [{"title": "Book en samtale", "payload": "/book_appointment"}]


def test_the_entry_answers_even_when_the_intent_was_another_topic(action, dispatcher):
    """'kan jeg få su på fgu': the intent says SU, the entry is FGU's skoleydelse."""
    run(action, dispatcher, tracker(intent="ask_su", ranking=[("fgu_skoleydelse", 0.85), ("su_start", 0.05)]))
    assert texts(dispatcher)[0] == "Pa FGU far du skoleydelse, ikke SU."


def test_two_close_entries_are_offered_as_buttons(action, dispatcher):
    run(action, dispatcher, tracker(ranking=[("su_start", 0.45), ("su_amount", 0.4)]))
    assert texts(dispatcher) == ["utter_knowledge_clarify"]
    buttons = dispatcher.messages[0]["buttons"]
    assert buttons[0] == {"title": "Om su_start", "payload": '/ask_su{"kb_entry": "su_start"}'}
    assert buttons[1]["payload"] == '/ask_su{"kb_entry": "su_amount"}'
    assert buttons[-1]["payload"] == "/out_of_scope"


def test_a_pressed_button_answers_the_entry_it_names(action, dispatcher):
    run(action, dispatcher, tracker(entities=[{"entity": "kb_entry", "value": "su_amount"}]))
    assert texts(dispatcher)[0] == "Svar om su_amount."


def test_no_confident_entry_gives_the_topics_general_answer(action, dispatcher):
    run(action, dispatcher, tracker(intent="ask_su", ranking=[("su_start", 0.2), ("su_amount", 0.1)]))
    sent = texts(dispatcher)
    assert len(sent) == 3 and sent[0].startswith("SU er penge fra staten, når du tager en uddannelse, som giver SU.")
    assert sent[2].endswith("Se datoer og beløb på https://www.su.dk")
    assert [m["buttons"] for m in dispatcher.messages] == [[], [], [{"title": "Book en samtale", "payload": "/book_appointment"}]]


def test_an_entry_of_another_municipality_is_passed_over(action, dispatcher):
    run(action, dispatcher, tracker(intent="ask_contact_info", ranking=[("service_local", 0.9), ("su_start", 0.05)]))
    # Aalborg's opening hours are not verified: the answer says to call and ask.
    assert texts(dispatcher) == [
        f"{AALBORG.contact_name}: {AALBORG.address}. Ring på {AALBORG.phone} og hør, hvornår der er åbent. "
        f"Se mere på {AALBORG.website}"
    ]


def test_an_entry_for_a_service_this_municipality_does_not_run_is_passed_over(action, dispatcher, tmp_path):
    data = yaml.safe_load((ROOT / "profiles" / "aalborg.yml").read_text(encoding="utf-8"))
    data["services"]["cv_workshop"] = False
    path = tmp_path / "other.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    without_workshop = ActionAnswerQuestion(profile=lambda: load_profile(path), entries=lambda: ENTRIES)
    run(without_workshop, dispatcher, tracker(intent="ask_cv_help", ranking=[("cv_workshop", 0.9)]))
    assert texts(dispatcher)[0] == "En vejleder kan hjælpe dig med dit CV og dine ansøgninger."


def test_the_general_answer_names_the_services_this_municipality_runs(action, dispatcher):
    run(action, dispatcher, tracker(intent="ask_cv_help"))
    workshop = "Du kan få hjælp i vores CV-værksted. Her hjælper en vejleder dig med dit CV og dine ansøgninger."
    assert texts(dispatcher)[0] == workshop


def test_the_general_answer_by_sms_has_the_sms_wording(action, dispatcher):
    run(action, dispatcher, tracker(intent="ask_privacy", channel="sms"))
    assert texts(dispatcher)[1].startswith(f"Samtalen og dit nummer bliver gemt hos {AALBORG.municipality_name}.")
    web = type(dispatcher)()
    run(action, web, tracker(intent="ask_privacy", channel="rest"))
    assert texts(web)[1].startswith(f"Samtalen bliver gemt hos {AALBORG.municipality_name}.")


def test_verified_opening_hours_are_given_in_the_general_answer(dispatcher, tmp_path):
    data = yaml.safe_load((ROOT / "profiles" / "aalborg.yml").read_text(encoding="utf-8"))
    data["opening_hours"] = {**(data.get("opening_hours") or {}), "verified": True, "text": "man-fre 9-15"}
    path = tmp_path / "verified.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    verified = ActionAnswerQuestion(profile=lambda: load_profile(path), entries=lambda: ENTRIES)
    run(verified, dispatcher, tracker(intent="ask_contact_info"))
    assert f"Ring på {AALBORG.phone}. Åbent: man-fre 9-15." in texts(dispatcher)[0]


def test_a_topic_without_a_general_answer_gets_the_honest_unknown(dispatcher):
    without = ActionAnswerQuestion(profile=lambda: AALBORG, entries=lambda: ENTRIES, general=lambda: {})
    run(without, dispatcher, tracker(intent="ask_su"))
    assert texts(dispatcher) == ["utter_knowledge_unknown"]


def test_placeholders_come_from_the_profile(action, dispatcher):
    run(action, dispatcher, tracker(intent="ask_vejledningscafe", ranking=[("service_age", 0.9)]))
    assert texts(dispatcher)[0] == f"Vi hjælper unge fra {AALBORG.age_min} til {AALBORG.age_max} år."


def test_every_topic_has_a_general_answer_and_no_placeholder_is_left_unfilled(action, dispatcher):
    from bot.core.knowledge.entries import TOPICS

    assert set(general_answers()) == set(TOPICS)
    for topic in sorted(TOPICS):
        run(action, dispatcher, tracker(intent=topic))
    assert dispatcher.messages and all("{" not in m["text"] for m in dispatcher.messages)


def test_the_repositorys_entries_load_and_make_valid_buttons():
    entries = knowledge_entries()
    for e in entries.values():
        button = entry_button(e)
        assert button["payload"].startswith(f"/{e.topic}{{") and len(button["title"].split()) <= 5
