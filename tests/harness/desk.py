"""Helpers for the staff desk's tests: a real Rasa SQL tracker store with written
conversations, a loopback stand-in for Rasa's staff relay and the booking service that
records what it was sent, the desk's Django set up in this process, and `Desk`, the
real desk served by `python -m bot.services.desk serve` in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from tests.harness.services import BIN, ROOT, base_env, free_port, wait_for

DAY = 24 * 3600
PASSWORD = "en-lang-adgangskode-42"

# --- the tracker store ---------------------------------------------------------------


def tracker_url(path: Path) -> str:
    return f"sqlite:///{path}"


def write_conversation(db: Path, sender_id: str, events: List[Any]) -> None:
    """Stores the events as Rasa does: SQLTrackerStore.save on a tracker (appends)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(dialect="sqlite", db=str(db))
    try:
        existing = asyncio.run(store.retrieve_full_tracker(sender_id))
        earlier = list(existing.events) if existing else []
        tracker = DialogueStateTracker.from_events(sender_id, earlier + list(events), slots=[])
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


def user(text: str, intent: str = "inform", at: Optional[float] = None) -> Any:
    from rasa.shared.core.events import UserUttered

    return UserUttered(text, intent={"name": intent, "confidence": 1.0}, timestamp=at or time.time())


def bot(
    text: str, buttons: Optional[List[Dict[str, str]]] = None, staff: Optional[str] = None, at: Optional[float] = None
) -> Any:
    from rasa.shared.core.events import BotUttered

    metadata = {"staff": True, "staff_name": staff} if staff else {}
    return BotUttered(text, data={"buttons": buttons} if buttons else {}, metadata=metadata, timestamp=at or time.time())


def slot(name: str, value: Any, at: Optional[float] = None) -> Any:
    from rasa.shared.core.events import SlotSet

    return SlotSet(name, value, timestamp=at or time.time())


def handoff(
    reason: str = "asked_for_person",
    consent: bool = False,
    at: Optional[float] = None,
    request_id: Optional[str] = None,
    **extra: Any,
) -> Dict[str, Any]:
    """A handoff_request slot value as the bot sets it."""
    value = {
        "id": request_id or uuid.uuid4().hex,
        "reason": reason,
        "mode": "live",
        "urgent": reason == "crisis",
        "at": at or time.time(),
        "channel": "widget",
        "message": None,
        "contact_channel": None,
        "phone": None,
        "email": None,
        "consent": consent,
        "consent_text": None,
    }
    value.update(extra)
    return value


# --- Rasa's staff relay and the booking service, stood in ------------------------------


class FakeServices:
    """One loopback HTTP server answering /webhooks/staff/* (Rasa's relay) and
    /v1/bookings (the booking service) per the contract, recording every request."""

    def __init__(self, rasa_token: str, booking_token: str) -> None:
        self.rasa_token = rasa_token
        self.booking_token = booking_token
        self.requests: List[Dict[str, Any]] = []
        # path -> (status, body) to answer instead of the contract's success
        self.overrides: Dict[str, Tuple[int, Any]] = {}
        self.bookings: List[Dict[str, Any]] = []
        self.contact_requests: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        services = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                with services.lock:
                    services.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "json": body})
                if self.headers.get("Authorization") != f"Bearer {services.rasa_token}":
                    return self._answer(401, {"error": "unauthorised"})
                if self.path in services.overrides:
                    return self._answer(*services.overrides[self.path])
                answers = {
                    "/webhooks/staff/take": {"ok": True},
                    "/webhooks/staff/message": {"delivered": True, "channel": "widget"},
                    "/webhooks/staff/handback": {"ok": True},
                    "/webhooks/staff/erase": {"erased": True},
                }
                if self.path not in answers:
                    return self._answer(404, {"error": "not_found"})
                self._answer(200, answers[self.path])

            def do_GET(self) -> None:  # noqa: N802
                if self.headers.get("Authorization") != f"Bearer {services.booking_token}":
                    return self._answer(401, {"error": "unauthorised"})
                if self.path.startswith("/v1/bookings"):
                    if "/v1/bookings" in services.overrides:
                        return self._answer(*services.overrides["/v1/bookings"])
                    return self._answer(200, services.bookings)
                if self.path.startswith("/v1/contact-requests"):
                    return self._answer(200, services.contact_requests)
                self._answer(404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sent(self, path: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.overrides.clear()
            self.bookings.clear()
            self.contact_requests.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the desk ----------------------------------------------------------------------------


def desk_env(tmp: Path, services: FakeServices, **extra: str) -> Dict[str, str]:
    """The environment the desk runs with in a test (all files under tmp)."""
    return {
        "DESK_SECRET_KEY": secrets.token_urlsafe(40),
        "DESK_RASA_TOKEN": services.rasa_token,
        "DESK_DATABASE_URL": f"sqlite:///{tmp / 'desk.db'}",
        "TRACKER_DATABASE_URL": tracker_url(tmp / "tracker.db"),
        "RASA_URL": services.url,
        "BOOKING_URL": services.url,
        "BOOKING_API_TOKEN": services.booking_token,
        "SMS_STORE_PATH": str(tmp / "sms.db"),
        **extra,
    }


_django_ready = False


def setup_django(env: Dict[str, str]) -> None:
    """Configures the desk's Django in this process (once) and migrates its database."""
    global _django_ready
    if _django_ready:
        return
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bot.services.desk.django_settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    _django_ready = True


def make_user(username: str, role: str = "advisor", password: str = PASSWORD) -> Any:
    from django.contrib.auth.models import Group, User

    found = User.objects.create_user(username, password=password)
    found.groups.add(Group.objects.get_or_create(name=role)[0])
    return found


class Desk:
    """The real desk (`python -m bot.services.desk serve`) on a free port, with env from desk_env()."""

    def __init__(self, tmp: Path, env: Dict[str, str], port: Optional[int] = None) -> None:
        self.tmp = tmp
        self.env = base_env(**env)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / "desk.log", "a")
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "bot.services.desk", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(f"{self.url}/health", self.process, timeout=60)

    def create_user(self, username: str, password: str = PASSWORD, role: str = "advisor") -> None:
        """An admin through create_admin; an advisor through create_user."""
        if role == "admin":
            command = ["create_admin", "--username", username]
        else:
            command = ["create_user", "--username", username, "--role", role]
        subprocess.run(
            [str(BIN / "python"), "-m", "bot.services.desk", *command],
            cwd=ROOT,
            env={**self.env, "DESK_ADMIN_PASSWORD": password},
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()


# --- pytest fixtures (import them into a test module to use them) -----------------------

import pytest  # noqa: E402

_services: Optional[FakeServices] = None


def start_desk_django() -> FakeServices:
    """The stand-in relay/booking server and the desk's Django in this process, set up
    once (test modules call this at import: the desk's models need Django set up)."""
    global _services
    if _services is None:
        import atexit
        import shutil
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="desk-test-"))
        atexit.register(shutil.rmtree, tmp, True)
        _services = FakeServices(secrets.token_urlsafe(30), secrets.token_urlsafe(30))
        atexit.register(_services.stop)
        setup_django(desk_env(tmp, _services))
        from django.test.utils import setup_test_environment

        setup_test_environment()
    return _services


@pytest.fixture(scope="session")
def desk_services() -> FakeServices:
    return start_desk_django()


@pytest.fixture
def desk(desk_services, tmp_path):
    """A clean desk database, a fresh tracker store file for this test, reset services.
    Yields the tracker store's path."""
    from dataclasses import replace

    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    call_command("flush", interactive=False, verbosity=0)
    desk_services.reset()
    config = replace(settings.DESK, tracker_database_url=tracker_url(tmp_path / "tracker.db"), sms_store_path=tmp_path / "sms.db")
    with override_settings(DESK=config):
        yield tmp_path / "tracker.db"
