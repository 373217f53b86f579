"""The topics' general answers as data (data/knowledge/general/): their format and rules."""

import datetime as dt

import pytest
import yaml

from bot.core.knowledge import AnswerContext, KnowledgeError, load_general_answers
from bot.core.knowledge.__main__ import main as check
from bot.core.knowledge.entries import TOPICS
from bot.core.knowledge.general import load_general_file, parse_general_answer


def valid_answer(**changes):
    answer = {
        "topic": "ask_su",
        "source": "https://www.su.dk",
        "checked": dt.date(2026, 12, 3),
        "answer": [
            "SU er penge fra staten, når du tager en uddannelse.",
            {"text": "Du søger på minSU med MitID.", "source": "https://www.su.dk/soeg", "buttons": ["book"]},
        ],
    }
    answer.update(changes)
    return answer


def context(**changes):
    values = dict(profile_id="aalborg", services={"cv_workshop": True}, values={"unit_phone": "11 22 33 44"})
    values.update(changes)
    return AnswerContext(**values)


def test_every_question_topic_has_one_general_answer_in_the_repository():
    answers = load_general_answers()
    assert set(answers) == set(TOPICS)
    assert all(1 <= len(answer.bubbles) <= 3 for answer in answers.values())


def test_a_bubble_takes_the_topics_source_and_date_unless_it_names_its_own():
    answer = parse_general_answer(valid_answer(), "test.yml")
    assert [b.source for b in answer.bubbles] == ["https://www.su.dk", "https://www.su.dk/soeg"]
    assert all(b.checked == dt.date(2026, 12, 3) for b in answer.bubbles)


def test_buttons_are_the_offers_or_title_and_payload():
    answer = parse_general_answer(
        valid_answer(answer=[{"text": "Se mere.", "buttons": ["human", {"title": "Læs om SU", "payload": "/ask_su"}]}]),
        "test.yml",
    )
    assert answer.messages(context())[0]["buttons"] == [
        {"title": "Tal med en vejleder", "payload": "/request_human"},
        {"title": "Læs om SU", "payload": "/ask_su"},
    ]


@pytest.mark.parametrize(
    "changes, fault",
    [
        ({"source": None}, "source"),
        ({"source": "http://su.dk"}, "source"),
        ({"checked": "i går"}, "checked"),
        ({"topic": "ask_weather"}, "question intents"),
        ({"answer": []}, "1-3 bubbles"),
        ({"answer": ["a.", "b.", "c.", "d."]}, "1-3 bubbles"),
        ({"answer": ["Du kan få 7.000 kr. om måneden."]}, "holds_for"),
        ({"answer": ["Ring til {unit_boss}."]}, "placeholder"),
        ({"answer": ["Arbejdsmarkedsuddannelserne forudsætter beskæftigelsesfremmende kvalifikationsforløb."]}, "LIX"),
        ({"answer": [{"text": "Hej.", "buttons": ["ring"]}]}, "button"),
        ({"answer": [{"text": "Hej.", "buttons": [{"title": "Hej", "payload": "hej"}]}]}, "button"),
        ({"answer": [{"text": "Hej.", "colour": "red"}]}, "unknown field"),
        ({"answer": [{"text": "Hej.", "alternatives": [{"when": {"planet": "mars"}, "text": "Hej."}]}]}, "unknown condition"),
        ({"title": "SU"}, "unknown field"),
    ],
)
def test_a_broken_general_answer_is_refused_with_the_reason(changes, fault):
    with pytest.raises(KnowledgeError, match=fault):
        parse_general_answer(valid_answer(**changes), "test.yml")


def test_an_alternative_text_is_said_where_its_condition_holds():
    bubble = {
        "text": "En vejleder kan hjælpe dig.",
        "alternatives": [
            {"when": {"channel": "sms"}, "text": "Skriv til os."},
            {"when": {"service": "cv_workshop"}, "text": "Kom i vores CV-værksted."},
            {"when": {"opening_hours_verified": True}, "text": "Vi har åbent nu."},
        ],
    }
    answer = parse_general_answer(valid_answer(answer=[bubble]), "test.yml")

    def said(**changes):
        return answer.messages(context(**changes))[0]["text"]

    assert said(channel="sms") == "Skriv til os."
    assert said(channel="rest") == "Kom i vores CV-værksted."
    assert said(services={}, opening_hours_verified=True) == "Vi har åbent nu."
    assert said(services={}) == "En vejleder kan hjælpe dig."


def test_placeholders_are_filled_from_the_profile():
    answer = parse_general_answer(valid_answer(answer=["Ring på {unit_phone}."]), "test.yml")
    assert answer.messages(context())[0]["text"] == "Ring på 11 22 33 44."


def test_an_answer_whose_amounts_hold_for_a_past_year_is_stale():
    raw = valid_answer(answer=["Du må højst have 15.500 kr. i formue."], holds_for=2025)
    answer = parse_general_answer(raw, "test.yml")
    assert answer.stale_reasons(dt.date(2026, 12, 3)) == ["bubble 1: its amounts hold for 2025"]


def write(directory, name, topics):
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump({"topics": topics}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_topic_twice_or_a_topic_missing_fails_the_directory(tmp_path):
    everything = [valid_answer(topic=topic) for topic in sorted(TOPICS)]
    write(tmp_path, "a.yml", everything)
    assert set(load_general_answers(tmp_path)) == TOPICS
    write(tmp_path, "b.yml", [valid_answer(topic="ask_su")])
    with pytest.raises(KnowledgeError, match="also in a.yml"):
        load_general_answers(tmp_path)
    (tmp_path / "b.yml").unlink()
    write(tmp_path, "a.yml", everything[1:])
    with pytest.raises(KnowledgeError, match="no general answer"):
        load_general_answers(tmp_path)


def test_the_command_line_check_fails_on_a_broken_general_file(tmp_path, capsys):
    good = write(tmp_path, "good.yml", [valid_answer()])
    assert check([str(good)]) == 0 and len(load_general_file(good)) == 1
    bad = write(tmp_path, "bad.yml", [valid_answer(source=None)])
    assert check([str(bad)]) == 1
    assert "source" in capsys.readouterr().out
