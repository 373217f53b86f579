"""The widget channel's own logic, without a server: session keys, history, settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.rasa.channels import widget
from bot.rasa.channels.widget import bot_payload, history_of, js_literal
from bot.rasa.channels.widget_session import SessionKeys, WidgetConfigError, WidgetSettings

SECRET = "x" * 32


def test_an_issued_key_is_long_random_and_accepted():
    keys = SessionKeys(SECRET.encode())
    first, second = keys.issue(), keys.issue()
    assert first != second
    assert len(first.split(".")[0]) >= 43  # 32 random bytes
    assert keys.sender_id(first).startswith("web-")
    assert keys.sender_id(first) == keys.sender_id(first)
    assert keys.sender_id(first) != keys.sender_id(second)


def test_the_tracker_id_does_not_reveal_the_key():
    keys = SessionKeys(SECRET.encode())
    key = keys.issue()
    assert key.split(".")[0] not in keys.sender_id(key)


@pytest.mark.parametrize(
    "forged",
    [None, "", 42, {"a": 1}, "abc", "a" * 43 + ".", "a" * 43 + "." + "0" * 32, "a.b.c", "x" * 500],
)
def test_keys_the_server_did_not_issue_are_refused(forged):
    assert SessionKeys(SECRET.encode()).sender_id(forged) is None


def test_a_key_from_another_server_secret_is_refused():
    key = SessionKeys(b"y" * 32).issue()
    assert SessionKeys(SECRET.encode()).sender_id(key) is None


def test_a_changed_character_breaks_the_key():
    keys = SessionKeys(SECRET.encode())
    key = keys.issue()
    flipped = ("B" if key[0] != "B" else "C") + key[1:]
    assert keys.sender_id(flipped) is None


def test_settings_need_a_real_secret():
    with pytest.raises(WidgetConfigError, match="WIDGET_SESSION_SECRET"):
        WidgetSettings.from_env({"WIDGET_SESSION_SECRET": "short"})


@pytest.mark.parametrize("origins", ["*", "www.aalborg.dk", "https://www.aalborg.dk/unge", "javascript:alert(1)"])
def test_settings_refuse_anything_but_plain_origins(origins):
    with pytest.raises(WidgetConfigError, match="WIDGET_ALLOWED_ORIGINS"):
        WidgetSettings.from_env({"WIDGET_SESSION_SECRET": SECRET, "WIDGET_ALLOWED_ORIGINS": origins})


def test_settings_read_the_origins():
    settings = WidgetSettings.from_env(
        {"WIDGET_SESSION_SECRET": SECRET, "WIDGET_ALLOWED_ORIGINS": "https://www.aalborg.dk/, http://127.0.0.1:8080"}
    )
    assert settings.allowed_origins == ("https://www.aalborg.dk", "http://127.0.0.1:8080")


def test_history_has_the_same_ids_as_the_live_messages():
    buttons = [{"title": "Job", "payload": "/inform"}]
    bot = BotUttered("Hvad vil du tale om?", data={"buttons": buttons}, timestamp=1700000000.123456)
    events = [
        ActionExecuted("action_listen"),
        UserUttered("<b>hej</b>", metadata={"client_id": "abcdefgh12"}, timestamp=1700000000.0),
        UserUttered('/inform{"intake_topic": "job"}', metadata={"display": "Job"}, timestamp=1700000001.5),
        bot,
    ]
    history = history_of(events)
    assert [m["from"] for m in history] == ["user", "user", "bot"]
    assert history[0] == {"id": "u-abcdefgh12", "from": "user", "text": "<b>hej</b>"}
    assert history[1]["text"] == "Job"  # a button click shows its title, not the payload
    assert history[2] == bot_payload(bot.message())
    assert history[2]["buttons"] == [{"title": "Job", "payload": "/inform"}]


def test_js_literal_cannot_close_a_script_tag():
    literal = js_literal({"intro": "</script><script>alert(1)</script>"})
    assert "</script>" not in literal and "\\u003c/script>" in literal


def fake_texts(name, **values):
    return f"{name} {values}"


def test_outside_opening_hours_the_widget_says_when_a_person_can_help(monkeypatch):
    monkeypatch.setattr(widget, "domain_text", fake_texts)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    status = widget.staffing_status(saturday)
    assert status["staffed"] is False
    assert status["message"] == "utter_widget_closed {'next_open': 'mandag d. 30. november kl. 09.00'}"


def test_in_opening_hours_the_widget_says_staff_are_in(monkeypatch):
    monkeypatch.setattr(widget, "domain_text", fake_texts)
    status = widget.staffing_status(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen")))
    assert status == {"staffed": True, "message": "utter_widget_staffed {'unit_phone': '99 31 37 00'}"}


def test_a_message_id_is_taken_once_per_conversation():
    channel = widget.WidgetInput(WidgetSettings.from_env({"WIDGET_SESSION_SECRET": SECRET}))
    assert channel.first_time("web-a", "abcdefgh12") and not channel.first_time("web-a", "abcdefgh12")
    assert channel.first_time("web-b", "abcdefgh12")  # another conversation's id is its own
    assert channel.first_time("web-a", None) and channel.first_time("web-a", None)  # no id: never a repeat
