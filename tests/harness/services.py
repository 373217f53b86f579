"""Starts the real services for tests from the process table `make run` uses
(bot/launch/processes.py), on free ports with throw-away SQLite files, and stops them afterwards."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import requests

from bot.core.paths import PROJECT_ROOT
from bot.launch.processes import PROCESSES, free_port
from bot.launch.supervise import Supervised, wait_until_up

__all__ = ["ROOT", "BIN", "free_port", "wait_for", "base_env", "BookingService", "Assistant", "DemoSite", "texts"]

ROOT = PROJECT_ROOT
BIN = Path(sys.executable).parent


def wait_for(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    wait_until_up(url, url, process, timeout)


def base_env(**extra: str) -> Dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT), **extra}


def supervised(
    name: str,
    tmp: Path,
    env: Dict[str, str],
    port: Optional[int] = None,
    log: str = "",
    timeout: float = 180,
    values: Optional[Mapping[str, object]] = None,
) -> Supervised:
    """The table's entry `name`, started on `port` with its output in tmp/<log or name>.log.
    In the test's session: interrupting the tests stops it too."""
    spec = PROCESSES[name]
    command = spec.argv(port, values)
    log_path = tmp / (log or f"{name}.log")
    return Supervised(name, command, {**env, **spec.env}, log_path, spec.health_url(port), timeout, own_session=False).start()


class BookingService:
    """The real booking service (uvicorn) on a free port with its own SQLite file."""

    def __init__(self, tmp: Path, port: Optional[int] = None, token: Optional[str] = None) -> None:
        self.tmp = tmp
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token or secrets.token_urlsafe(32)
        self.database_url = f"sqlite:///{tmp / 'booking.db'}"
        self.server: Optional[Supervised] = None
        self.start()

    @property
    def process(self) -> Optional[subprocess.Popen]:
        return self.server.process if self.server else None

    def env(self) -> Dict[str, str]:
        return base_env(BOOKING_API_TOKEN=self.token, BOOKING_DATABASE_URL=self.database_url, BOOKING_URL=self.url)

    def start(self) -> None:
        if self.server is None:
            self.server = supervised("booking", self.tmp, self.env(), self.port, timeout=60)
        else:
            self.server.start()
        self.server.wait_up()

    def stop(self) -> None:
        if self.server:
            self.server.stop()
            self.server.close()

    @property
    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=self.headers, timeout=10, **kwargs)

    def post(self, path: str, key: Optional[str] = None, **kwargs) -> requests.Response:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return requests.post(f"{self.url}{path}", headers=headers, timeout=10, **kwargs)


# Rasa loads the model in ~40 s, but a clean CI clone has been seen to need over 180 s:
# a start that is slow is not a failure of the test that needs it.
RASA_START_TIMEOUT = 420.0


class Assistant:
    """Rasa + action server + outbox relay + booking service, as `make run` starts them."""

    def __init__(
        self, tmp: Path, model: Path, extra_env: Optional[Dict[str, str]] = None, start_timeout: float = RASA_START_TIMEOUT
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
        for name in ("actions.log", "relay.log", "rasa.log"):
            (tmp / name).write_text("")  # each assistant's logs start empty
        self.actions = supervised("actions", tmp, env, self.actions_port, timeout=start_timeout)
        self.relay = supervised("outbox-relay", tmp, env, log="relay.log")
        files = {"model": model, "endpoints": endpoints, "credentials": ROOT / "credentials.yml"}
        self.rasa = supervised("rasa", tmp, env, self.rasa_port, timeout=start_timeout, values=files)
        try:
            self.actions.wait_up()
            self.rasa.wait_up()
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
        self.actions.stop()

    def stop(self, timeout: float = 30) -> None:
        for part in (self.rasa, self.relay, self.actions):
            part.stop(timeout)  # kills what does not stop in time: nothing is left behind
            part.close()
        self.booking.stop()


class DemoSite:
    """The stand-in municipality page that embeds the widget (bot/services/demo_site/server.py)."""

    def __init__(self, assistant: "Assistant") -> None:
        self.url = f"http://127.0.0.1:{assistant.site_port}/"
        (assistant.tmp / "demo.log").write_text("")
        site = {"assistant_url": assistant.url}
        port = assistant.site_port
        self.server = supervised("demo-site", assistant.tmp, base_env(), port, log="demo.log", timeout=30, values=site)
        self.server.wait_up()

    @property
    def process(self) -> Optional[subprocess.Popen]:
        return self.server.process

    def stop(self) -> None:
        self.server.stop()
        self.server.close()


def texts(messages: List[Dict]) -> List[str]:
    """The text of each bot message in a REST reply."""
    return [m.get("text", "") for m in messages]
