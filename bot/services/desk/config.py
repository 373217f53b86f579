"""The desk's settings: one typed object read from the environment at start-up, failing
fast on a missing or weak secret (there is no default secret anywhere in the repo)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import unquote, urlsplit

from bot.core.paths import PROJECT_ROOT
from bot.core.stores.location import is_url as sms_store_is_url
from bot.core.stores.sms import DEFAULT_PATH as SMS_DEFAULT_PATH

ROOT = PROJECT_ROOT
MIN_SECRET_KEY_LENGTH = 32
MIN_RASA_TOKEN_LENGTH = 24
PLACEHOLDERS = {"", "change-me", "changeme", "secret", "token"}


class DeskConfigError(ValueError):
    """The environment does not describe a desk that may start."""


def _sqlite_path(url: str) -> Path:
    """The file of a sqlite:///path URL; a relative path is taken from the repo root."""
    path = Path(url.split("///", 1)[1])
    return path if path.is_absolute() else ROOT / path


def django_database(url: str) -> Dict[str, Any]:
    """Django's DATABASES entry for sqlite:///path or postgresql://user:pass@host:port/name."""
    if url.startswith("sqlite:///"):
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_sqlite_path(url)),
            # IMMEDIATE: the web process and the worker both write; no lock upgrades mid-transaction.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
        }
    raise DeskConfigError("DESK_DATABASE_URL must be sqlite:///path or postgresql://user:pass@host:port/name")


def tracker_url(url: str) -> str:
    """The tracker store's SQLAlchemy URL, a relative SQLite path resolved from the repo root
    (Rasa runs there with endpoints.yml's var/rasa_tracker.db)."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///{_sqlite_path(url)}"
    return url


def _sms_store_url(env: Mapping[str, str]) -> str:
    """SMS_STORE_URL as Rasa uses it ("" when the channel keeps its SQLite file); fails fast on
    a URL the store cannot open. A relative SQLite path is taken from the repo root, as Rasa's."""
    url = env.get("SMS_STORE_URL", "").strip()
    if url and not sms_store_is_url(url):
        raise DeskConfigError("SMS_STORE_URL must be sqlite:///path or postgresql://user:pass@host:port/name")
    return tracker_url(url) if url else ""


def _secret(env: Mapping[str, str], name: str, minimum: int) -> str:
    value = env.get(name, "")
    if value.strip().lower() in PLACEHOLDERS or len(value) < minimum:
        raise DeskConfigError(f"{name} must be a random value of at least {minimum} characters")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as bad:
        raise DeskConfigError(f"{name} must be a whole number") from bad
    if value < 1:
        raise DeskConfigError(f"{name} must be at least 1")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "0").strip().lower()
    if raw not in ("0", "1", "true", "false", ""):
        raise DeskConfigError(f"{name} must be 0 or 1")
    return raw in ("1", "true")


@dataclass(frozen=True)
class DeskConfig:
    secret_key: str = field(repr=False)
    database_url: str
    tracker_database_url: str
    rasa_url: str
    rasa_token: str = field(repr=False)
    booking_url: str
    booking_token: str = field(repr=False)
    allowed_hosts: Tuple[str, ...]
    secure_cookies: bool
    session_minutes: int
    conversation_retention_days: int
    closed_case_retention_days: int
    sms_store_path: Path
    # SMS_STORE_URL: the SMS channel's database when Rasa keeps it in PostgreSQL; wins over the path.
    sms_store_url: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "DeskConfig":
        env = os.environ if env is None else env
        secret_key = _secret(env, "DESK_SECRET_KEY", MIN_SECRET_KEY_LENGTH)
        rasa_token = _secret(env, "DESK_RASA_TOKEN", MIN_RASA_TOKEN_LENGTH)
        database_url = env.get("DESK_DATABASE_URL") or "sqlite:///var/desk.db"
        django_database(database_url)  # fails fast on a URL we cannot use
        # Only the municipality profile sets the periods: the bot tells users the same numbers.
        from bot.core.profile import ProfileError, current_profile

        try:
            profile = current_profile()
        except ProfileError as error:  # the desk refuses to start on an invalid profile
            raise DeskConfigError(str(error)) from None
        conversation_days, closed_days = profile.conversation_retention_days, profile.closed_case_retention_days
        sms_path = Path(env.get("SMS_STORE_PATH") or SMS_DEFAULT_PATH)
        return cls(
            secret_key=secret_key,
            database_url=database_url,
            tracker_database_url=tracker_url(env.get("TRACKER_DATABASE_URL") or "sqlite:///var/rasa_tracker.db"),
            rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=rasa_token,
            booking_url=(env.get("BOOKING_URL") or "http://127.0.0.1:5056").rstrip("/"),
            booking_token=env.get("BOOKING_API_TOKEN", ""),
            allowed_hosts=tuple(
                h.strip() for h in (env.get("DESK_ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",") if h.strip()
            ),
            secure_cookies=_flag(env, "DESK_SECURE_COOKIES"),
            session_minutes=_int(env, "DESK_SESSION_MINUTES", 30),
            conversation_retention_days=conversation_days,
            closed_case_retention_days=closed_days,
            sms_store_path=sms_path if sms_path.is_absolute() else ROOT / sms_path,
            sms_store_url=_sms_store_url(env),
        )
