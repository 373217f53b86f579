"""The production profile, started for real (tests/harness/production.py): PostgreSQL,
Redis, nginx, two Rasa processes, two action servers, booking service and desk.

Security (Rasa's API closed, action servers only for Rasa, limits, slash syntax),
consistency across the two Rasa processes, and faults: an action server killed, the
booking service down, PostgreSQL and Redis restarted, each with nothing lost and an
answer within 5 seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Dict, List

import pytest
import requests
import sqlalchemy

from bot.launch.production import secrets as production_secrets
from bot.rasa.channels.widget import SessionKeys
from tests.harness.production import conversation, new_sender, say, texts, user_texts
from tests.harness.widget_client import WidgetClient

pytestmark = [pytest.mark.model, pytest.mark.servers]
FAULT_ANSWER_SECONDS = 5.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def stack(production_stack):
    return production_stack


# --- the run command refuses default secrets (no stack needed) -----------------------------


def run_check(env: Dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in production_secrets.REQUIRED}
    return subprocess.run(
        [sys.executable, "-m", "bot.launch.production", "run", "--env-file", "/nonexistent"],
        cwd=ROOT,
        env={**clean, **env, "PYTHONPATH": ROOT},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_profile_refuses_missing_and_default_secrets(tmp_path):
    missing = run_check({})
    assert missing.returncode == 2 and "ACTION_SERVER_TOKEN is not set" in missing.stderr

    placeholders = {**production_secrets.generate(), "REDIS_PASSWORD": "change-me-please-change-me-please"}
    refused = run_check(placeholders)
    assert refused.returncode == 2 and "REDIS_PASSWORD looks like a placeholder" in refused.stderr

    same = production_secrets.generate()
    same["DESK_RASA_TOKEN"] = same["ACTION_SERVER_TOKEN"]
    assert "ACTION_SERVER_TOKEN is the same as DESK_RASA_TOKEN" in "".join(production_secrets.problems(same, None))

    local = tmp_path / "local-secrets.env"
    chosen = production_secrets.generate()
    local.write_text(f"WIDGET_SESSION_SECRET={chosen['WIDGET_SESSION_SECRET']}\n")
    assert production_secrets.problems(chosen, local) == [
        "WIDGET_SESSION_SECRET is a local development secret (var/local-secrets.env)"
    ]
    short = {**production_secrets.generate(), "POSTGRES_PASSWORD": "Ab3"}
    assert production_secrets.problems(short, None) == ["POSTGRES_PASSWORD is shorter than 24 characters"]
    assert production_secrets.problems(production_secrets.generate(), None) == []


# --- what is reachable -------------------------------------------------------------------


def test_rasa_api_and_staff_relay_are_not_reachable_from_outside(stack):
    public, rasa = stack.public_url, stack.rasa_urls[0]
    for path in ("/model", "/status", "/version", "/conversations/someone/tracker", "/domain"):
        assert requests.get(public + path, timeout=10).status_code == 404, path
        assert requests.get(rasa + path, timeout=10).status_code == 404, path  # the API is off, not only hidden
    assert requests.put(rasa + "/model", json={"model_file": "/tmp/evil.tar.gz"}, timeout=10).status_code in (404, 405)
    assert requests.post(rasa + "/conversations/x/tracker/events", json={}, timeout=10).status_code in (404, 405)
    # The staff relay exists only on the internal port, and needs the desk's token there.
    assert requests.post(public + "/webhooks/staff/take", json={"conversation_id": "x"}, timeout=10).status_code == 404
    internal = stack.env["RASA_URL"]
    assert requests.post(internal + "/webhooks/staff/take", json={"conversation_id": "x"}, timeout=10).status_code == 401
    # Rasa processes and action servers listen on the loopback interface only.
    assert all(url.startswith("http://127.0.0.1:") for url in stack.rasa_urls)


def test_action_servers_answer_only_rasa(stack):
    call = {"next_action": "action_session_start", "sender_id": "x", "tracker": {}, "domain": {}, "version": "3.6.2"}
    for port in (*stack.ports.actions, stack.ports.actions_lb):
        url = f"http://127.0.0.1:{port}"
        assert requests.post(url + "/webhook", json=call, timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer " + "x" * 40}
        assert requests.post(url + "/webhook", json=call, headers=wrong, timeout=10).status_code == 401
        assert requests.get(url + "/actions", timeout=10).status_code == 401
        assert requests.get(url + "/health", timeout=10).status_code == 200
    right = {"Authorization": f"Bearer {stack.env['ACTION_SERVER_TOKEN']}"}
    assert requests.get(f"http://127.0.0.1:{stack.ports.actions_lb}/actions", headers=right, timeout=10).status_code == 200


# --- limits ----------------------------------------------------------------------------------


def test_requests_without_a_sender_or_too_big_are_refused_clearly(stack):
    url = stack.public_url + "/webhooks/rest/webhook"
    for body in ({"message": "hej"}, {"sender": "", "message": "hej"}, {"sender": 12, "message": "hej"}, {"sender": "a"}, []):
        answer = requests.post(url, json=body, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"], body
    assert requests.post(url, data=b"\xff\xfe not json", timeout=10).status_code == 400
    huge = {"sender": new_sender(), "message": "a" * 100_000}
    assert requests.post(url, json=huge, timeout=10).status_code == 413  # nginx
    direct = requests.post(stack.rasa_urls[0] + "/webhooks/rest/webhook", json=huge, timeout=10)
    assert direct.status_code == 413  # and Rasa itself, if nginx is bypassed


def test_a_long_message_gets_a_kind_answer_and_is_not_stored(stack):
    sender = new_sender()
    answers, _ = say(stack.public_url, sender, "Hej. " + "Jeg har et langt spørgsmål om SU. " * 70)
    assert texts(answers) == ["Din besked er for lang. Skriv den kortere, højst 2.000 tegn."]
    assert conversation(stack, sender) == []
    answers, _ = say(stack.public_url, sender, "hvordan søger jeg su")
    assert any("SU" in t for t in texts(answers))


def test_one_sender_is_slowed_down_after_thirty_messages_a_minute(stack):
    sender, url = new_sender(), stack.public_url + "/webhooks/rest/webhook"
    statuses = [requests.post(url, json={"sender": sender, "message": "tak"}, timeout=30).status_code for _ in range(33)]
    assert statuses[:30] == [200] * 30
    assert statuses[30:] == [429] * 3
    limited = requests.post(url, json={"sender": sender, "message": "tak"}, timeout=30)
    assert "Vent et øjeblik" in limited.json()["text"]
    assert say(stack.public_url, new_sender(), "hej")[0], "another sender is not affected"


def test_typed_slash_commands_do_not_bypass_the_nlu(stack):
    sender = new_sender()
    say(stack.public_url, sender, "hej")
    answers, _ = say(stack.public_url, sender, '/inform{"intake_topic": "uddannelse", "age_band": "99"}')
    assert answers, "still answered"
    events = conversation(stack, sender)
    last_user = [e["data"] for e in events if e["type"] == "user"][-1]
    assert last_user["text"].startswith("inform{")  # read as words, not as an intent with entities
    assert not any(e["type"] == "slot" and e["data"].get("name") in ("intake_topic", "age_band") for e in events)

    # A button the bot offered still works as a button.
    offered = [b["payload"] for m in say(stack.public_url, sender, "hvad kan du")[0] for b in m.get("buttons", [])]
    assert offered, "the capabilities answer offers buttons"
    say(stack.public_url, sender, offered[0])
    pressed = [e["data"] for e in conversation(stack, sender) if e["type"] == "user"][-1]
    assert pressed["text"] == offered[0] and pressed["parse_data"]["intent"]["name"] == offered[0][1:].split("{")[0]


# --- two Rasa processes, one conversation ---------------------------------------------------


def test_a_conversation_alternating_between_the_two_rasa_processes_stays_whole(stack):
    sender = new_sender()
    first, second = stack.rasa_urls
    turns = [
        (first, "hej"),
        (second, "kan jeg få en samtale med en vejleder"),
        (first, '/inform{"intake_topic": "uddannelse"}'),
        (second, "17"),
    ]
    replies = [texts(say(url, sender, text)[0]) for url, text in turns]
    assert "Hvad vil du gerne tale om?" in replies[1][-1]
    # The topic was taken by process 1, the age by process 2: the form went on across both.
    assert replies[3] == ["Hvordan vil du helst tale med os?"]
    for url, text in ((first, "hvad er en fgu"), (second, "tak")):
        assert texts(say(url, sender, text)[0])
    assert user_texts(stack, sender) == [
        "hej",
        "kan jeg få en samtale med en vejleder",
        '/inform{"intake_topic": "uddannelse"}',
        "17",
        "hvad er en fgu",
        "tak",
    ]


def test_twenty_messages_at_once_from_one_user_are_all_answered_one_at_a_time(stack):
    sender = new_sender()
    say(stack.public_url, sender, "hej")
    messages = [f"hvad er en fgu {n}" for n in range(20)]
    urls = [stack.rasa_urls[n % 2] for n in range(20)]  # both processes, at the same moment
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda pair: say(pair[0], sender, pair[1], timeout=60), zip(urls, messages, strict=True)))
    assert all(answers for answers, _ in results), "every message answered"
    stored = conversation(stack, sender)
    users = [e for e in stored if e["type"] == "user"]
    assert sorted(e["data"]["text"] for e in users[1:]) == sorted(messages), "none lost, none doubled"
    # One at a time: after each user message the bot answered before the next one was read.
    kinds = [e["type"] for e in stored]
    user_positions = [i for i, kind in enumerate(kinds) if kind == "user"]
    for here, following in zip(user_positions, user_positions[1:], strict=False):
        assert "bot" in kinds[here:following], "a message was read while another was being answered"
    # In order: each answer in the HTTP reply is the one stored right after its message.
    answered = {e["data"]["text"]: n for n, e in enumerate(stored) if e["type"] == "user"}
    assert len(answered) == 21


def test_a_widget_on_one_process_gets_what_the_other_process_sends(stack):
    origin = stack.widget_origin
    first = WidgetClient(SimpleNamespace(url=stack.rasa_urls[0], allowed_origins=(origin,)))
    second = WidgetClient(SimpleNamespace(url=stack.rasa_urls[1], allowed_origins=(origin,)))
    try:
        key = first.start()["session"]
        assert first.say("hej")
        second.start(session=key)  # the same conversation in a second tab, on the other process
        sender_id = SessionKeys(stack.env["WIDGET_SESSION_SECRET"].encode()).sender_id(key)
        relay = requests.post(
            f"{stack.rasa_urls[1]}/webhooks/staff/message",
            json={"conversation_id": sender_id, "text": "Hej, det er Anna fra Vejledningscaféen", "staff_name": "Anna"},
            headers={"Authorization": f"Bearer {stack.env['DESK_RASA_TOKEN']}"},
            timeout=10,
        )
        assert relay.status_code == 200, relay.text
        # Sent by process 2, received by the browser connected to process 1 (through Redis).
        got = first.next("bot_uttered", timeout=10)
        while "Anna fra" not in got.get("text", ""):
            got = first.next("bot_uttered", timeout=10)
        assert got.get("from") == "staff"
    finally:
        first.close()
        second.close()


def test_a_hand_off_reaches_the_staff_desk_through_postgresql(stack):
    sender = new_sender()
    asked = texts(say(stack.public_url, sender, "kan jeg skrive til en vejleder")[0])
    if asked[-1].startswith("Skriv din besked"):  # outside the profile's hours: a message for staff
        say(stack.public_url, sender, "jeg har brug for hjælp til en ansøgning")
        say(stack.public_url, sender, "nej")
    desk_db = sqlalchemy.create_engine(stack.env["DESK_DATABASE_URL"])
    deadline, cases = time.monotonic() + 60, []
    while time.monotonic() < deadline and not cases:
        with desk_db.connect() as db:
            query = sqlalchemy.text("SELECT kind, status, channel FROM cases_case WHERE conversation_id = :c")
            cases = db.execute(query, {"c": sender}).fetchall()
        time.sleep(1)
    desk_db.dispose()
    assert [tuple(case) for case in cases] == [("handoff", "open", "rest")], "the desk worker made the case"
    assert requests.get(stack.desk_url + "/login/", timeout=10).status_code == 200


# --- faults: nothing lost, an answer within 5 s ----------------------------------------------


def conversation_during(stack, fault, messages: List[str], pause: float = 0.4) -> List[float]:
    """Sends `messages` one by one (each through nginx) while `fault` runs in a thread;
    returns each answer's time. Every message must be answered and stored."""
    sender = new_sender()
    say(stack.public_url, sender, "hej")
    worker = threading.Thread(target=fault)
    worker.start()
    took = []
    try:
        for text in messages:
            answers, seconds = say(stack.public_url, sender, text, timeout=30)
            assert answers, f"no answer to {text!r}"
            assert "Beklager, der gik noget galt" not in " ".join(texts(answers)), f"{text!r} was not processed"
            took.append(seconds)
            time.sleep(pause)
    finally:
        worker.join(timeout=120)
    assert user_texts(stack, sender) == ["hej", *messages], "every message is stored, in order"
    return took


QUESTIONS = [
    "hvordan søger jeg su",
    "hvad er en fgu",
    "jeg vil gerne have hjælp til mit cv",
    "hvor finder jeg en læreplads",
    "hvad kan du",
    "jeg har gæld",
    "tak",
    "hvordan får jeg et job",
]


def test_an_action_server_killed_mid_conversation(stack):
    def kill_one() -> None:
        time.sleep(0.5)
        stack.kill("actions-1", signal.SIGKILL)

    took = conversation_during(stack, kill_one, QUESTIONS + ["kan jeg få en samtale med en vejleder"])
    assert max(took) < FAULT_ANSWER_SECONDS, took
    stack.restart_part("actions-1")


def test_postgres_restarted_mid_conversation(stack):
    def restart() -> None:
        time.sleep(0.8)
        stack.restart_postgres()

    took = conversation_during(stack, restart, QUESTIONS)
    assert max(took) < FAULT_ANSWER_SECONDS, took


def test_redis_restarted_mid_conversation(stack):
    def restart() -> None:
        time.sleep(0.8)
        stack.restart_part("redis")

    took = conversation_during(stack, restart, QUESTIONS)
    assert max(took) < FAULT_ANSWER_SECONDS, took


def test_booking_service_down_keeps_the_request_and_delivers_it_later(stack):
    booking = f"http://127.0.0.1:{stack.ports.booking}"
    headers = {"Authorization": f"Bearer {stack.env['BOOKING_API_TOKEN']}"}
    before = len(requests.get(booking + "/v1/contact-requests", headers=headers, timeout=10).json())
    sender, url = new_sender(), stack.public_url
    say(url, sender, "hej")
    say(url, sender, "kan jeg få en samtale med en vejleder")
    say(url, sender, '/inform{"intake_topic": "uddannelse"}')
    say(url, sender, "17")
    say(url, sender, '/inform{"contact_channel": "sms"}')
    say(url, sender, "20304050")
    say(url, sender, "Sara")
    offered = say(url, sender, "hurtigst muligt")[0]
    times = [b["payload"] for m in offered for b in m.get("buttons", []) if "andet" not in b["payload"]]
    say(url, sender, times[0])
    stack.kill("booking", signal.SIGKILL)
    try:
        answers, seconds = say(url, sender, "/affirm")
        assert seconds < FAULT_ANSWER_SECONDS
        assert any("ikke en fast tid" in t for t in texts(answers)), texts(answers)
    finally:
        stack.restart_part("booking")
    deadline = time.monotonic() + 90
    kept: List[Dict] = []
    while time.monotonic() < deadline and len(kept) <= before:
        kept = requests.get(booking + "/v1/contact-requests", headers=headers, timeout=10).json()
        time.sleep(1)
    assert len(kept) == before + 1, "the outbox relay delivered the kept request"
    assert kept[-1]["reason"] == "booking_unavailable" and kept[-1]["phone"] == "+4520304050"
