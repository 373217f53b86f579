"""Starts the real services for tests, as scripts/run.sh does, on free ports with
throw-away SQLite files, and stops them afterwards."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


def base_env(**extra: str) -> Dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT), **extra}


class BookingService:
    """The real booking service (uvicorn) on a free port with its own SQLite file."""

    def __init__(self, tmp: Path, port: Optional[int] = None, token: Optional[str] = None) -> None:
        self.tmp = tmp
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token or secrets.token_urlsafe(32)
        self.database_url = f"sqlite:///{tmp / 'booking.db'}"
        self.process: Optional[subprocess.Popen] = None
        self.start()

    def env(self) -> Dict[str, str]:
        return base_env(BOOKING_API_TOKEN=self.token, BOOKING_DATABASE_URL=self.database_url, BOOKING_URL=self.url)

    def start(self) -> None:
        log = open(self.tmp / "booking.log", "a")
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "bot.services.booking", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(f"{self.url}/health", self.process, timeout=60)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    @property
    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=self.headers, timeout=10, **kwargs)

    def post(self, path: str, key: Optional[str] = None, **kwargs) -> requests.Response:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return requests.post(f"{self.url}{path}", headers=headers, timeout=10, **kwargs)


class Assistant:
    """Rasa + action server + outbox relay + booking service, as `make run` starts them."""

    def __init__(
        self, tmp: Path, model: Path, extra_env: Optional[Dict[str, str]] = None, start_timeout: float = 180
    ) -> None:
        self.tmp = tmp
        self.booking = BookingService(tmp)
        self.rasa_port, self.actions_port = free_port(), free_port()
        # The origin of a site that may embed the widget (the demo site's port, chosen now).
        self.site_port = free_port()
        self.allowed_origins = (f"http://127.0.0.1:{self.site_port}",)
        self.outbox_path = tmp / "outbox.db"
        endpoints = tmp / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            "tracker_store:\n  type: bot.rasa.stores.tracker_store.VejviserTrackerStore\n"
            f'  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n',
            encoding="utf-8",
        )
        self.tracker_db = tmp / "tracker.db"
        env = {
            **self.booking.env(),
            "BOOKING_OUTBOX_PATH": str(self.outbox_path),
            "BOOKING_OUTBOX_INTERVAL": "1",
            "WIDGET_SESSION_SECRET": secrets.token_urlsafe(32),
            "WIDGET_ALLOWED_ORIGINS": ",".join(self.allowed_origins),
            **(extra_env or {}),
        }
        self.logs = [open(tmp / name, "w") for name in ("actions.log", "relay.log", "rasa.log")]
        self.actions = subprocess.Popen(
            [BIN / "python", "-m", "actions.server", "--port", str(self.actions_port)],
            cwd=ROOT,
            env=env,
            stdout=self.logs[0],
            stderr=subprocess.STDOUT,
        )
        self.relay = subprocess.Popen(
            [BIN / "python", "-m", "bot.services.outbox_relay"], cwd=ROOT, env=env, stdout=self.logs[1], stderr=subprocess.STDOUT
        )
        self.rasa = subprocess.Popen(
            [
                BIN / "rasa",
                "run",
                "--model",
                str(model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(ROOT / "credentials.yml"),
                "--port",
                str(self.rasa_port),
                "--interface",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.logs[2],
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(f"http://127.0.0.1:{self.actions_port}/health", self.actions, start_timeout)
            wait_for(f"http://127.0.0.1:{self.rasa_port}/", self.rasa, start_timeout)
        except Exception:
            self.stop()  # a part that did not come up must not leave the others running
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def say(self, sender: str, text: str) -> List[Dict]:
        response = requests.post(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def stop_actions(self) -> None:
        self.actions.terminate()
        self.actions.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        for process in (self.rasa, self.relay, self.actions):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=timeout)
        self.booking.stop()
        for log in self.logs:
            log.close()


class DemoSite:
    """The stand-in municipality page that embeds the widget (bot/services/demo_site/server.py)."""

    def __init__(self, assistant: "Assistant") -> None:
        self.url = f"http://127.0.0.1:{assistant.site_port}/"
        self.log = open(assistant.tmp / "demo.log", "w")
        self.process = subprocess.Popen(
            [BIN / "python", "-m", "bot.services.demo_site", "--port", str(assistant.site_port),
             "--assistant-url", assistant.url],
            cwd=ROOT,
            env=base_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.url, self.process, timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()


def texts(messages: List[Dict]) -> List[str]:
    """The text of each bot message in a REST reply."""
    return [m.get("text", "") for m in messages]
