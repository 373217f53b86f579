"""Redaction before storage and "slet mine data", against the real stores: Rasa's SQL tracker
store (our subclass, loaded from endpoints.yml as Rasa loads it), the SMS store, the outbox
and a running booking service."""

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.core.booking.client import BookingClient
from bot.core.booking.outbox import Outbox, deliver_due
from bot.core.stores.conversations import ConversationStore
from bot.rasa.channels import registry
from bot.rasa.channels.sms.channel import SmsInput
from bot.rasa.channels.sms.settings import SmsSettings
from bot.rasa.stores.tracker_store import VejviserTrackerStore
from tests.harness.services import ROOT, BookingService

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def store(tmp_path) -> VejviserTrackerStore:
    config = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]
    config["db"] = str(tmp_path / "tracker.db")
    made = create_tracker_store(EndpointConfig.from_dict(config), DOMAIN)
    # Rasa falls back to an in-memory store (with only a warning) when it cannot load ours.
    assert isinstance(made, VejviserTrackerStore)
    return made


@pytest.fixture
def outbox_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "outbox.db"
    monkeypatch.setenv("BOOKING_OUTBOX_PATH", str(path))
    return path


def rows(store: VejviserTrackerStore, sender_id: str):
    with store.session_scope() as session:
        found = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).all()
        return [(row.type_name, json.loads(row.data)) for row in found]


async def conversation(store, sender_id: str, *texts: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(
        sender_id, [ActionExecuted("action_session_start"), SessionStarted()], slots=DOMAIN.slots
    )
    for text in texts:
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(
            UserUttered(text, intent={"name": "inform", "confidence": 1.0}, parse_data={"text": text}, input_channel="sms")
        )
        tracker.update(BotUttered("Tak."))
    await store.save(tracker)
    return tracker


async def test_cpr_numbers_are_masked_before_the_tracker_store_writes_them(store):
    await conversation(store, "web-1", "mit cpr er 010203-1234", "og min brors 0102031234 tak")
    stored = json.dumps(rows(store, "web-1"), ensure_ascii=False)
    assert "010203" not in stored and "1234" not in stored
    assert stored.count("[CPR-nummer fjernet]") == 4  # text and parse_data of both messages
    texts = [data["text"] for kind, data in rows(store, "web-1") if kind == "user"]
    assert texts == ["mit cpr er [CPR-nummer fjernet]", "og min brors [CPR-nummer fjernet] tak"]


async def test_ordinary_numbers_are_stored_as_written(store):
    await conversation(store, "web-2", "jeg er 17 og mit nummer er 20 30 40 50")
    assert [d["text"] for k, d in rows(store, "web-2") if k == "user"] == ["jeg er 17 og mit nummer er 20 30 40 50"]


async def test_confirmed_erasure_deletes_every_session_of_the_conversation_and_nothing_else(store, outbox_path):
    tracker = await conversation(store, "sms-abc", "hej", "slet mine data")
    tracker.update(SessionStarted())  # a second session: erasure covers all of them
    tracker.update(SlotSet("handoff_request", {"id": "x", "message": "ring til mig"}))
    await store.save(tracker)
    await conversation(store, "web-other", "hej")
    waiting = Outbox(outbox_path)  # contact requests still waiting for the booking service
    waiting.put("contact-abc", "contact_request", {"conversation_id": "sms-abc", "phone": "+4520304050"})
    waiting.put("contact-other", "contact_request", {"conversation_id": "web-other", "phone": "+4520304051"})
    tracker.update(ActionExecuted("action_erase_my_data"))
    tracker.update(BotUttered("Nu er samtalen og dine oplysninger slettet."))
    await store.save(tracker)
    assert rows(store, "sms-abc") == []
    assert len(rows(store, "web-other")) > 0
    assert await store.retrieve("sms-abc") is None
    entries = Outbox(outbox_path).due()
    assert sorted((e.kind, e.payload["conversation_id"]) for e in entries) == [
        ("contact_request", "web-other"),
        ("erasure", "sms-abc"),
    ]
    assert ConversationStore(store.engine).erasures()[0][1] == "sms-abc"  # for the staff desk


async def test_erasure_makes_the_sms_channel_forget_the_number(store, tmp_path, outbox_path, monkeypatch):
    settings = SmsSettings.load(
        {
            "TWILIO_AUTH_TOKEN": "t" * 32,
            "SMS_SENDER_KEY": "k" * 32,
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_FROM_NUMBER": "+4570000000",
        },
        {"store_path": str(tmp_path / "sms.db")},
    )
    sms = SmsInput(settings)
    monkeypatch.setitem(registry._channels, "sms", sms)
    sms.service.store.remember_number("sms-abc", "+4520304050")
    sms.service.store.remember_number("sms-keep", "+4520304051")
    await conversation(store, "sms-abc", "hej")
    assert await store.erase("sms-abc") > 0
    assert sms.service.store.number_for("sms-abc") is None
    assert sms.service.store.number_for("sms-keep") == "+4520304051"


def test_the_booking_service_blanks_and_cancels_an_erased_conversations_bookings(tmp_path, outbox_path):
    service = BookingService(tmp_path)
    try:
        start = service.get("/v1/slots", params={"topic": "penge"}).json()["slots"][0]["start"]
        booked = service.post(
            "/v1/bookings",
            key="k-erase-1",
            json={
                "start": start,
                "topic": "penge",
                "channel": "sms",
                "age": 19,
                "phone": "20 30 40 50",
                "first_name": "Sara",
                "consent": True,
                "consent_text": "Ok?",
                "conversation_id": "sms-abc",
            },
        )
        assert booked.status_code == 201, booked.text
        other = service.post(
            "/v1/bookings",
            key="k-erase-2",
            json={
                "start": service.get("/v1/slots", params={"topic": "penge"}).json()["slots"][0]["start"],
                "topic": "penge",
                "channel": "sms",
                "age": 19,
                "phone": "20 30 40 51",
                "consent": True,
                "consent_text": "Ok?",
                "conversation_id": "sms-keep",
            },
        )
        assert other.status_code == 201, other.text
        outbox = Outbox(outbox_path)
        outbox.put("erase-sms-abc-1", "erasure", {"conversation_id": "sms-abc"})
        client = BookingClient(base_url=service.url, token=service.token)
        assert deliver_due(outbox, client) == (1, 0)
        bookings = {b["code"]: b for b in service.get("/v1/bookings").json()}
        erased, kept = bookings[booked.json()["code"]], bookings[other.json()["code"]]
        assert erased["status"] == "cancelled" and erased["phone"] is None and erased["first_name"] is None
        assert erased["conversation_id"] is None
        assert kept["status"] == "booked" and kept["phone"] == "+4520304051" and kept["conversation_id"] == "sms-keep"
        # Asking again (the relay retried) changes nothing more and is not an error.
        assert client.erase_conversation("sms-abc") == 0
    finally:
        service.stop()


def test_erasure_queue_survives_in_the_outbox_file(outbox_path):
    from bot.rasa.stores.tracker_store import queue_booking_erasure

    queue_booking_erasure("web-9")
    with sqlite3.connect(outbox_path) as db:
        assert db.execute("SELECT kind, payload FROM outbox").fetchall() == [("erasure", '{"conversation_id": "web-9"}')]
