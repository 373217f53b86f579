"""Settings for the booking service, read from the environment once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from bot.core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'booking.db'}"
DEFAULT_PROFILE = ROOT / "profiles" / "aalborg.yml"
# Values that must never be used as a real token (copied from .env.example by mistake).
PLACEHOLDER_TOKENS = {"", "change-me", "changeme", "secret", "token"}
MIN_TOKEN_LENGTH = 24


class SettingsError(ValueError):
    """The environment does not describe a service that may start."""


@dataclass(frozen=True)
class BookingSettings:
    database_url: str
    api_token: str
    profile_path: Path
    slot_minutes: int = 30
    min_notice_minutes: int = 60
    horizon_days: int = 180

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> BookingSettings:
        env = os.environ if env is None else env
        token = env.get("BOOKING_API_TOKEN", "")
        if token.strip().lower() in PLACEHOLDER_TOKENS or len(token) < MIN_TOKEN_LENGTH:
            raise SettingsError(
                f"BOOKING_API_TOKEN must be a random value of at least {MIN_TOKEN_LENGTH} characters "
                "(`make run` makes one per run; production sets its own)"
            )
        try:
            return cls(
                database_url=env.get("BOOKING_DATABASE_URL") or DEFAULT_DATABASE_URL,
                api_token=token,
                profile_path=Path(env.get("VEJVISER_PROFILE") or DEFAULT_PROFILE),
                slot_minutes=int(env.get("BOOKING_SLOT_MINUTES", 30)),
                min_notice_minutes=int(env.get("BOOKING_MIN_NOTICE_MINUTES", 60)),
                horizon_days=int(env.get("BOOKING_HORIZON_DAYS", 180)),
            )
        except ValueError as bad:
            raise SettingsError(f"booking settings: {bad}") from bad
