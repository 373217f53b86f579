"""Every setting the processes read from the environment, declared once (pydantic
`BaseSettings`), and the rule for secrets written once (`check_secret`).

Each group is read with `Group.from_env(env)`: from the mapping given, os.environ when none,
at the moment of the call (tests and the launcher hand their own mapping). An empty value
counts as unset, as .env.example leaves most of them empty. Whatever is wrong comes back as
one SettingsError naming the variable, never as pydantic's own report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Type, TypeVar

from pydantic import BaseSettings, Field, ValidationError, validator
from pydantic.fields import ModelField

from bot.core.paths import PROFILES_DIR, VAR_DIR
from bot.core.stores.sms import DEFAULT_PATH as DEFAULT_SMS_STORE_PATH

MIN_SECRET_CHARS = 24
# Words of values that are not secrets (copied from .env.example or a tutorial by mistake).
PLACEHOLDERS = frozenset(
    {"change", "change-me", "changeme", "default", "example", "password", "placeholder"}
    | {"secret", "test", "todo", "token", "xxxx"}
)
# The production profile also wants this many different characters in a secret.
MIN_DIFFERENT_CHARS = 8

DEFAULT_PROFILE = PROFILES_DIR / "aalborg.yml"
PROFILE_ENV = "VEJVISER_PROFILE"
KNOWLEDGE_DIR_ENV = "VEJVISER_KNOWLEDGE_DIR"
DEFAULT_BOOKING_URL = "http://127.0.0.1:5056"
DEFAULT_BOOKING_DATABASE_URL = f"sqlite:///{VAR_DIR / 'booking.db'}"
DEFAULT_BOOKING_OUTBOX = VAR_DIR / "booking_outbox.db"


class SettingsError(ValueError):
    """The environment does not describe a process that may start; the message names the variable."""


def secret_problem(value: Optional[str], min_chars: int = MIN_SECRET_CHARS, strict: bool = False) -> Optional[str]:
    """Why `value` is no secret ("is not set", "is shorter than 24 characters", ...), None when it is one.
    `strict` (the production profile): no placeholder word anywhere in it, and enough different characters."""
    if not value:
        return "is not set"
    if len(value) < min_chars:
        return f"is shorter than {min_chars} characters"
    lowered = value.strip().lower()
    if lowered in PLACEHOLDERS or (strict and any(word in lowered for word in PLACEHOLDERS)):
        return "looks like a placeholder, not a random secret"
    if strict and len(set(value)) < MIN_DIFFERENT_CHARS:
        return "has too few different characters to be random"
    return None


def check_secret(name: str, value: Optional[str], min_chars: int = MIN_SECRET_CHARS, hint: str = "") -> str:
    """`value` when it may be the secret `name`; SettingsError saying what to do otherwise."""
    problem = secret_problem(value, min_chars)
    if problem:
        raise SettingsError(f"{name} {problem}: it must be set to a random value of at least {min_chars} characters{hint}")
    return str(value)


def env_name(field: ModelField) -> str:
    """The environment variable a field is read from (each field names exactly one)."""
    return next(iter(field.field_info.extra["env_names"]))


def secret(*fields: str, min_chars: int = MIN_SECRET_CHARS, hint: str = "") -> Any:
    """A validator applying check_secret to `fields`, also when they are unset."""

    def check(cls: Any, value: Optional[str], field: ModelField) -> str:
        return check_secret(env_name(field), value, min_chars, hint)

    return validator(*fields, allow_reuse=True, always=True)(check)


Group = TypeVar("Group", bound="EnvSettings")


class EnvSettings(BaseSettings):
    """A group of settings; `from_env` is the one way to read one."""

    class Config:
        case_sensitive = True
        allow_mutation = False

        @classmethod
        def customise_sources(cls, init_settings: Any, env_settings: Any, file_secret_settings: Any) -> Tuple[Any, ...]:
            # from_env hands over the values of the one mapping it read, os.environ or not.
            return (init_settings,)

    @classmethod
    def values_in(cls, env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """Field name -> the variable's value, for the variables of this group that are set."""
        env = os.environ if env is None else env
        found = {}
        for name, field in cls.__fields__.items():
            value = env.get(env_name(field))
            if value not in (None, ""):
                found[name] = value
        return found

    @classmethod
    def from_env(cls: Type[Group], env: Optional[Mapping[str, str]] = None) -> Group:
        try:
            return cls(**cls.values_in(env))
        except ValidationError as invalid:
            raise SettingsError("; ".join(cls._explain(error) for error in invalid.errors())) from None

    @classmethod
    def _explain(cls, error: Mapping[str, Any]) -> str:
        name = env_name(cls.__fields__[str(error["loc"][0])])
        message = str(error["msg"])
        return message if message.startswith(name) else f"{name}: {message}"


class PathSettings(EnvSettings):
    """Files every process may read: the municipality profile and the knowledge base."""

    profile: Path = Field(DEFAULT_PROFILE, env=PROFILE_ENV)
    # None: the knowledge base in the repo (bot.core.knowledge.KNOWLEDGE_DIR).
    knowledge_dir: Optional[Path] = Field(None, env=KNOWLEDGE_DIR_ENV)


class BookingSettings(EnvSettings):
    """The booking service (bot/services/booking)."""

    database_url: str = Field(DEFAULT_BOOKING_DATABASE_URL, env="BOOKING_DATABASE_URL")
    api_token: str = Field("", env="BOOKING_API_TOKEN", repr=False)
    profile_path: Path = Field(DEFAULT_PROFILE, env=PROFILE_ENV)
    slot_minutes: int = Field(30, env="BOOKING_SLOT_MINUTES")
    min_notice_minutes: int = Field(60, env="BOOKING_MIN_NOTICE_MINUTES")
    horizon_days: int = Field(180, env="BOOKING_HORIZON_DAYS")

    _token = secret("api_token", hint=" (`make run` makes one per run; production sets its own)")


class BookingClientSettings(EnvSettings):
    """How the action server and the outbox relay reach the booking service; the token is
    checked by the service, which refuses a wrong one."""

    url: str = Field(DEFAULT_BOOKING_URL, env="BOOKING_URL")
    api_token: str = Field("", env="BOOKING_API_TOKEN", repr=False)
    # A database shared by several action servers (wins over the file).
    outbox_url: Optional[str] = Field(None, env="BOOKING_OUTBOX_URL", repr=False)
    outbox_path: Path = Field(DEFAULT_BOOKING_OUTBOX, env="BOOKING_OUTBOX_PATH")
    outbox_interval_seconds: float = Field(5.0, env="BOOKING_OUTBOX_INTERVAL")

    @validator("url", allow_reuse=True)
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class ActionServerSettings(EnvSettings):
    """The action server (actions/server.py). Without a token it listens on 127.0.0.1 only."""

    token: Optional[str] = Field(None, env="ACTION_SERVER_TOKEN", repr=False)
    port: int = Field(5055, env="ACTIONS_PORT")
    log_level: str = Field("INFO", env="LOG_LEVEL")

    @validator("token", allow_reuse=True)
    def _token_when_set(cls, value: Optional[str], field: ModelField) -> Optional[str]:
        return None if value is None else check_secret(env_name(field), value)


class ChannelSettings(EnvSettings):
    """What Rasa's channels share: the staff relay's token, the rate limit, and Redis when
    several Rasa processes run."""

    # Optional for Rasa: without it the staff relay refuses every call (the desk needs it).
    staff_token: str = Field("", env="DESK_RASA_TOKEN", repr=False)
    redis_url: Optional[str] = Field(None, env="VEJVISER_REDIS_URL", repr=False)
    rate_limit_messages: int = Field(30, env="RATE_LIMIT_MESSAGES")
    rate_limit_window_seconds: float = Field(60.0, env="RATE_LIMIT_WINDOW_SECONDS")


class WidgetEnv(EnvSettings):
    """The website widget (bot/rasa/channels/widget.py checks the origins)."""

    session_secret: str = Field("", env="WIDGET_SESSION_SECRET", repr=False)
    allowed_origins: str = Field("", env="WIDGET_ALLOWED_ORIGINS")

    _secret = secret("session_secret", hint=" (make run creates one in var/local-secrets.env)")


class SmsEnv(EnvSettings):
    """The SMS channel (bot/rasa/channels/sms/settings.py adds credentials.yml's overrides
    and the checks of an enabled channel)."""

    account_sid: str = Field("", env="TWILIO_ACCOUNT_SID")
    auth_token: str = Field("", env="TWILIO_AUTH_TOKEN", repr=False)
    from_number: str = Field("", env="TWILIO_FROM_NUMBER", repr=False)
    messaging_service_sid: str = Field("", env="TWILIO_MESSAGING_SERVICE_SID")
    # "": Twilio's own API (bot/rasa/channels/sms/twilio.py); tests point it at a stand-in.
    api_url: str = Field("", env="TWILIO_API_URL")
    public_url: str = Field("", env="SMS_PUBLIC_URL")
    sender_key: str = Field("", env="SMS_SENDER_KEY", repr=False)
    store_path: str = Field(DEFAULT_SMS_STORE_PATH, env="SMS_STORE_PATH")
    store_url: str = Field("", env="SMS_STORE_URL", repr=False)


class DeskSettings(EnvSettings):
    """The staff desk (bot/services/desk/config.py turns these into DeskConfig)."""

    secret_key: str = Field("", env="DESK_SECRET_KEY", repr=False)
    rasa_token: str = Field("", env="DESK_RASA_TOKEN", repr=False)
    database_url: str = Field("sqlite:///var/desk.db", env="DESK_DATABASE_URL")
    tracker_database_url: str = Field("sqlite:///var/rasa_tracker.db", env="TRACKER_DATABASE_URL")
    rasa_url: str = Field("http://127.0.0.1:5005", env="RASA_URL")
    booking_url: str = Field(DEFAULT_BOOKING_URL, env="BOOKING_URL")
    booking_token: str = Field("", env="BOOKING_API_TOKEN", repr=False)
    allowed_hosts: str = Field("127.0.0.1,localhost", env="DESK_ALLOWED_HOSTS")
    secure_cookies: bool = Field(False, env="DESK_SECURE_COOKIES")
    session_minutes: int = Field(30, env="DESK_SESSION_MINUTES", ge=1)
    sms_store_path: Path = Field(Path(DEFAULT_SMS_STORE_PATH), env="SMS_STORE_PATH")
    sms_store_url: str = Field("", env="SMS_STORE_URL", repr=False)

    _secret_key = secret("secret_key", min_chars=32)
    _rasa_token = secret("rasa_token")

    @validator("rasa_url", "booking_url", allow_reuse=True)
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @validator("secure_cookies", pre=True, allow_reuse=True)
    def _zero_or_one(cls, value: Any) -> Any:
        value = str(value).strip().lower()
        if value not in ("0", "1", "true", "false"):
            raise ValueError("must be 0 or 1")
        return value in ("1", "true")
