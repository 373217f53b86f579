"""The desk's settings: one typed object built at start-up from the environment's desk
settings (bot/core/settings.py), failing fast on a missing or weak secret (there is no
default secret anywhere in the repo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import unquote, urlsplit

from bot.core.paths import PROJECT_ROOT
from bot.core.settings import DeskSettings, SettingsError
from bot.core.stores.location import is_url as sms_store_is_url

ROOT = PROJECT_ROOT
# The same error as every other settings problem (the desk's entry points catch this name).
DeskConfigError = SettingsError


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


def _sms_store_url(url: str) -> str:
    """SMS_STORE_URL as Rasa uses it ("" when the channel keeps its SQLite file); fails fast on
    a URL the store cannot open. A relative SQLite path is taken from the repo root, as Rasa's."""
    url = url.strip()
    if url and not sms_store_is_url(url):
        raise DeskConfigError("SMS_STORE_URL must be sqlite:///path or postgresql://user:pass@host:port/name")
    return tracker_url(url) if url else ""


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
        read = DeskSettings.from_env(env)
        django_database(read.database_url)  # fails fast on a URL we cannot use
        # Only the municipality profile sets the periods: the bot tells users the same numbers.
        from bot.core.profile import ProfileError, current_profile

        try:
            profile = current_profile()
        except ProfileError as error:  # the desk refuses to start on an invalid profile
            raise DeskConfigError(str(error)) from None
        sms_path = read.sms_store_path
        return cls(
            secret_key=read.secret_key,
            database_url=read.database_url,
            tracker_database_url=tracker_url(read.tracker_database_url),
            rasa_url=read.rasa_url,
            rasa_token=read.rasa_token,
            booking_url=read.booking_url,
            booking_token=read.booking_token,
            allowed_hosts=tuple(h.strip() for h in read.allowed_hosts.split(",") if h.strip()),
            secure_cookies=read.secure_cookies,
            session_minutes=read.session_minutes,
            conversation_retention_days=profile.conversation_retention_days,
            closed_case_retention_days=profile.closed_case_retention_days,
            sms_store_path=sms_path if sms_path.is_absolute() else ROOT / sms_path,
            sms_store_url=_sms_store_url(read.sms_store_url),
        )
