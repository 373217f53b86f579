"""The one declaration of Vejviser's processes: what to run, which port and environment each
needs, and where it answers once up. `make run` (bot/launch/local.py), the production
profile (bot/launch/production) and the tests (tests/harness/services.py) all start these
entries; each only fills in ports, files and extra environment.

Every process is `python -m <module> ...` (Rasa too: `python -m rasa run`), named by module
string only, so this package imports no service."""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    module: str
    # Formatted with the launch's values: {host}, {port}, and what the entry names ({model}, ...).
    args: Tuple[str, ...] = ()
    port_variable: Optional[str] = None  # where `make run` reads the port from
    default_port: Optional[int] = None
    health: Optional[str] = None  # path answering below 500 once the process is up
    env: Mapping[str, str] = field(default_factory=dict)  # set for this process on top of the launch's

    def argv(
        self, port: Optional[int] = None, values: Optional[Mapping[str, object]] = None, extra: Tuple[str, ...] = ()
    ) -> List[str]:
        filled = {"host": HOST, "port": port if port is not None else self.default_port, **(values or {})}
        return [sys.executable, "-m", self.module, *(arg.format(**filled) for arg in self.args), *extra]

    def health_url(self, port: Optional[int] = None) -> Optional[str]:
        if self.health is None:
            return None
        return f"http://{HOST}:{port if port is not None else self.default_port}{self.health}"


def _entries(*specs: ProcessSpec) -> Dict[str, ProcessSpec]:
    return {spec.name: spec for spec in specs}


PROCESSES: Dict[str, ProcessSpec] = _entries(
    ProcessSpec(
        "booking",
        "bot.services.booking",
        ("serve", "--host", "{host}", "--port", "{port}"),
        "BOOKING_PORT",
        5056,
        "/health",
    ),
    ProcessSpec("outbox-relay", "bot.services.outbox_relay"),
    ProcessSpec(
        "actions",
        "actions.server",
        ("--host", "{host}", "--port", "{port}"),
        "ACTIONS_PORT",
        5055,
        "/health",
    ),
    ProcessSpec(
        "sms-gateway", "bot.services.sms_gateway", ("--host", "{host}", "--port", "{port}"), "SMS_GATEWAY_PORT", 5057, "/messages"
    ),
    ProcessSpec(
        "demo-site",
        "bot.services.demo_site",
        ("--host", "{host}", "--port", "{port}", "--assistant-url", "{assistant_url}"),
        "DEMO_PORT",
        8080,
        "/",
    ),
    ProcessSpec(
        "desk",
        "bot.services.desk",
        ("serve", "--host", "{host}", "--port", "{port}"),
        "DESK_PORT",
        8090,
        "/health",
    ),
    ProcessSpec("desk-worker", "bot.services.desk", ("worker",)),
    ProcessSpec(
        "rasa",
        "rasa",
        ("run", "--model", "{model}", "--endpoints", "{endpoints}", "--credentials", "{credentials}",
         "--interface", "{host}", "--port", "{port}"),
        "RASA_PORT",
        5005,
        "/",
    ),
)

# Schema changes, run once before the servers start (several processes would race on a new database).
MIGRATIONS: Tuple[Tuple[str, ...], ...] = (
    ("bot.services.booking", "migrate"),
    ("bot.services.desk", "migrate", "--no-input"),
)


def migration_commands(python: str = sys.executable) -> List[List[str]]:
    return [[python, "-m", *migration] for migration in MIGRATIONS]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
