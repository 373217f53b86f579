"""The checks every channel makes before Rasa (bot/rasa/channels/guard.py, bot/rasa/channels/rest.py):
slash syntax only for offered buttons, message length, per-sender rate, REST bodies."""

from __future__ import annotations

import json
import time

import pytest
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered

from bot.rasa.channels.guard import SharedLimits, admit, offered_payloads, readable, too_long, without_intent_syntax
from bot.rasa.channels.rest import parse_body
from bot.rasa.channels.sms.senders import is_phone_number


def test_only_offered_buttons_pass_as_commands():
    events = [
        BotUttered("Gammel session", data={"buttons": [{"title": "Ja", "payload": "/affirm"}]}),
        SessionStarted(),
        UserUttered("hvad kan du"),
        BotUttered("Vælg et emne", data={"buttons": [{"title": "SU", "payload": "/ask_su"}]}),
        BotUttered("Hvordan?", data={"buttons": [{"title": "Sms", "payload": '/inform{"contact_channel": "sms"}'}]}),
    ]
    offered = offered_payloads(events)
    assert offered == {"/ask_su", '/inform{"contact_channel": "sms"}'}  # not the button from before the session
    assert admit("/ask_su", offered) == "/ask_su"
    assert admit('  /inform{"contact_channel": "sms"} ', offered) == '/inform{"contact_channel": "sms"}'
    assert admit("/affirm", offered) == "affirm"
    assert admit('/inform{"contact_channel": "sms", "age": 99}', offered) == 'inform{"contact_channel": "sms", "age": 99}'
    assert admit("//restart", offered) == "restart"
    assert admit("/", offered) == "?"
    assert admit("/ask_privacy", set()) == "/ask_privacy"  # the widget's own privacy button
    assert admit("hvad er 1/2 af min SU", offered) == "hvad er 1/2 af min SU"


def test_text_without_intent_syntax_never_starts_with_a_slash():
    for text in ("/x", "/ /x", "///", " / hej"):
        assert not without_intent_syntax(text).startswith("/")


def test_message_length_limit_is_2000_characters():
    assert not too_long("a" * 2000)
    assert too_long("a" * 2001)


def test_rate_limit_counts_per_channel_and_sender_in_a_window():
    limits = SharedLimits(messages=3, window_seconds=0.5)
    assert [limits.allow("rest", "a") for _ in range(4)] == [True, True, True, False]
    assert limits.allow("rest", "b") and limits.allow("widget", "a")
    time.sleep(0.6)
    assert limits.allow("rest", "a")


def test_seen_ids_are_taken_once_until_forgotten():
    limits = SharedLimits()
    assert limits.first_time("widget:a:1") and not limits.first_time("widget:a:1")
    limits.forget("widget:a:1")
    assert limits.first_time("widget:a:1")


def test_limits_fall_back_to_letting_messages_through_when_redis_is_gone():
    limits = SharedLimits(redis_url="redis://127.0.0.1:1/0", messages=1)
    assert all(limits.allow("rest", "a") for _ in range(3))
    assert limits.first_time("x") and limits.first_time("x")


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"", "JSON"),
        (b"\xff\xfe", "JSON"),
        (b"[1, 2]", "object"),
        (b'{"message": "hej"}', '"sender" is required'),
        (b'{"sender": "  ", "message": "hej"}', '"sender" is required'),
        (b'{"sender": 7, "message": "hej"}', '"sender" is required'),
        (json.dumps({"sender": "a" * 129, "message": "hej"}).encode(), "at most 128"),
        (b'{"sender": "a\\u0000b", "message": "hej"}', "printable"),
        (b'{"sender": "a"}', '"message" is required'),
        (b'{"sender": "a", "message": null}', '"message" is required'),
        (b'{"sender": "a", "message": "hej", "metadata": [1]}', '"metadata"'),
        (b"[" * 50_000 + b"]" * 50_000, "JSON"),  # nested deeper than Python's recursion limit
        (b'{"sender": "a", "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "JSON"),
    ],
)
def test_rest_bodies_without_a_usable_sender_or_message_are_refused(body, problem):
    data, why = parse_body(body)
    assert data is None and problem in why


def test_a_good_rest_body_is_taken():
    data, why = parse_body('{"sender": "a-1", "message": "hvad er SU? 😊"}'.encode())
    assert why is None and data == {"sender": "a-1", "message": "hvad er SU? 😊"}


def test_lone_surrogates_are_replaced_before_the_nlu_sees_them():
    assert readable("hej \ud800 med dig") == "hej ? med dig"
    assert readable("emoji 😀 og æøå") == "emoji 😀 og æøå"
    readable("\udfff\ud83d").encode("utf-8")  # encodable now


def test_an_sms_sender_must_be_a_phone_number_to_get_an_answer():
    assert is_phone_number("+4520304050") and is_phone_number("0045 20 30 40 50") and is_phone_number("20304050")
    assert not any(is_phone_number(x) for x in ("abc", "<script>", "😀", "", "+1", "9" * 300))
