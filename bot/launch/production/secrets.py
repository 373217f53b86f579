"""The production profile starts only with real secrets from the environment.

Refused: a missing or short value, a placeholder ("change-me", "secret", ...), a value of
too few different characters (bot.core.settings.secret_problem, strictly), the same value
for two secrets, and a value from the local development secrets file (var/local-secrets.env:
`make run` writes it, and those values sit on a developer's disk).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot.core.paths import VAR_DIR
from bot.core.settings import secret_problem

# name -> minimum length
REQUIRED: Dict[str, int] = {
    "WIDGET_SESSION_SECRET": 32,
    "SMS_SENDER_KEY": 32,
    "TWILIO_AUTH_TOKEN": 24,
    "DESK_SECRET_KEY": 40,
    "DESK_RASA_TOKEN": 32,
    "BOOKING_API_TOKEN": 32,
    "ACTION_SERVER_TOKEN": 32,
    "POSTGRES_PASSWORD": 24,
    "REDIS_PASSWORD": 24,
}
LOCAL_SECRETS = VAR_DIR / "local-secrets.env"


def read_env_file(path: Path) -> Dict[str, str]:
    values: Dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip().strip('"').strip("'")
    return values


def problems(env: Mapping[str, str], local_file: Optional[Path] = LOCAL_SECRETS) -> List[str]:
    """Why these secrets must not run production; empty when they may."""
    found: List[str] = []
    local_values = set(read_env_file(local_file).values()) if local_file else set()
    seen: Dict[str, str] = {}
    for name, minimum in REQUIRED.items():
        value = env.get(name) or ""
        problem = secret_problem(value, minimum, strict=True)
        if problem:
            found.append(f"{name} {problem}")
        elif value in local_values:
            found.append(f"{name} is a local development secret (var/local-secrets.env)")
        if value and value in seen:
            found.append(f"{name} is the same as {seen[value]}: every secret must be its own")
        seen.setdefault(value, name)
    return found


def generate() -> Dict[str, str]:
    """A fresh random value for every required secret."""
    return {name: secrets.token_urlsafe(max(32, minimum)) for name, minimum in REQUIRED.items()}
