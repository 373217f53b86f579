"""SMS channel settings: the environment's (bot/core/settings.py names the variables), and
keys under the channel in credentials.yml override them (the field names, e.g. `public_url`)."""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

from pydantic import Field

from bot.core.settings import SettingsError, SmsEnv, check_secret
from bot.core.stores.location import is_url
from bot.rasa.channels.sms.twilio import DEFAULT_API_URL

# The channel is configured in a way that would be unsafe or cannot send: a settings problem.
SmsConfigError = SettingsError


class SmsSettings(SmsEnv):
    api_url: str = Field(DEFAULT_API_URL, env="TWILIO_API_URL")

    @classmethod
    def load(cls, env: Optional[Mapping[str, str]] = None, overrides: Optional[Mapping[str, Any]] = None) -> "SmsSettings":
        # An empty key in credentials.yml leaves the environment's value.
        given = {name: value for name, value in (overrides or {}).items() if name in cls.__fields__ and value not in (None, "")}
        return cls(**{name: str(value).strip() for name, value in {**cls.values_in(env), **given}.items()})

    @property
    def store_location(self) -> str:
        """What SmsStore opens: the URL when set, else the SQLite file."""
        return self.store_url or self.store_path

    @property
    def enabled(self) -> bool:
        """Webhooks are accepted only with an auth token to check their signature."""
        return bool(self.auth_token)

    def problems(self) -> List[str]:
        """What stops an enabled channel from starting (empty when fine or disabled)."""
        if not self.enabled:
            return []
        found = []
        try:
            check_secret("SMS_SENDER_KEY", self.sender_key)
        except SettingsError as weak:
            found.append(str(weak))
        if not self.account_sid:
            found.append("TWILIO_ACCOUNT_SID is missing")
        if not (self.from_number or self.messaging_service_sid):
            found.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID is missing")
        if self.store_url and not is_url(self.store_url):
            found.append("SMS_STORE_URL must be a sqlite:/// or postgresql:// URL")
        return found

    def check(self) -> None:
        problems = self.problems()
        if problems:
            raise SmsConfigError("SMS channel: " + "; ".join(problems))
