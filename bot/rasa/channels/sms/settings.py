"""SMS channel settings, read from the environment; keys under the channel in
credentials.yml override them (same names in lower case, e.g. `public_url`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, List, Mapping, Optional

from bot.core.stores.location import is_url
from bot.core.stores.sms import DEFAULT_PATH
from bot.rasa.channels.sms.senders import MIN_KEY_LENGTH
from bot.rasa.channels.sms.twilio import DEFAULT_API_URL

# field name -> environment variable
ENV_NAMES = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "from_number": "TWILIO_FROM_NUMBER",
    "messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
    "api_url": "TWILIO_API_URL",
    "public_url": "SMS_PUBLIC_URL",
    "sender_key": "SMS_SENDER_KEY",
    "store_path": "SMS_STORE_PATH",
    "store_url": "SMS_STORE_URL",
}


class SmsConfigError(ValueError):
    """The channel is configured in a way that would be unsafe or cannot send."""


@dataclass(frozen=True)
class SmsSettings:
    account_sid: str = ""
    auth_token: str = field(default="", repr=False)
    from_number: str = field(default="", repr=False)
    messaging_service_sid: str = ""
    api_url: str = DEFAULT_API_URL
    # The webhook URL as configured at the gateway; behind a proxy the request URL differs.
    public_url: str = ""
    sender_key: str = field(default="", repr=False)
    store_path: str = DEFAULT_PATH
    # A database shared by several Rasa processes (postgresql://…); wins over store_path.
    store_url: str = field(default="", repr=False)

    @classmethod
    def load(cls, env: Mapping[str, str], overrides: Optional[Mapping[str, Any]] = None) -> "SmsSettings":
        values = {}
        for item in fields(cls):
            value = (overrides or {}).get(item.name)
            if value in (None, ""):
                value = env.get(ENV_NAMES[item.name], "")
            if value not in (None, ""):
                values[item.name] = str(value).strip()
        return cls(**values)

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
        if len(self.sender_key) < MIN_KEY_LENGTH:
            found.append(f"SMS_SENDER_KEY must be set to a random value of at least {MIN_KEY_LENGTH} characters")
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
