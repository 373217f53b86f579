"""The widget's sessions: the signed keys the server issues to browsers, and the settings
they need (the signing secret, the sites that may open a socket)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from bot.core.settings import SettingsError, WidgetEnv

# A missing secret or a bad origin: a settings problem like any other.
WidgetConfigError = SettingsError


@dataclass(frozen=True)
class WidgetSettings:
    """From the environment; credentials.yml may override the origins."""

    session_secret: bytes
    allowed_origins: Sequence[str]

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, origins: Optional[str] = None) -> "WidgetSettings":
        read = WidgetEnv.from_env(env)
        raw_origins = origins if origins is not None else read.allowed_origins
        allowed = [origin.strip().rstrip("/") for origin in raw_origins.split(",") if origin.strip()]
        for origin in allowed:
            if origin == "*" or not re.match(r"^https?://[^/\s]+$", origin):
                raise WidgetConfigError(f"WIDGET_ALLOWED_ORIGINS: {origin!r} is not an origin like https://www.aalborg.dk")
        return cls(session_secret=read.session_secret.encode(), allowed_origins=tuple(allowed))


class SessionKeys:
    """Issues and checks the browser's session keys: random part + signature."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: bytes, value: str) -> str:
        return hmac.new(self._secret, purpose + value.encode(), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        random_part = secrets.token_urlsafe(32)
        return f"{random_part}.{self._mac(b'key:', random_part)[:32]}"

    def sender_id(self, key: Any) -> Optional[str]:
        """The tracker's sender id for a valid key, None for anything else."""
        if not isinstance(key, str) or key.count(".") != 1 or len(key) > 128:
            return None
        random_part, signature = key.split(".")
        if len(random_part) < 40 or not hmac.compare_digest(signature, self._mac(b"key:", random_part)[:32]):
            return None
        return "web-" + self._mac(b"sender:", random_part)[:32]


