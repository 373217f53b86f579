"""The interface an SMS gateway implements. Twilio is the first (bot/rasa/channels/sms/twilio.py); a
Danish gateway can be added by implementing the same four methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Protocol, Sequence, Tuple, runtime_checkable

# Form parameters as parsed with urllib.parse.parse_qs(keep_blank_values=True).
FormParams = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class InboundSms:
    """One message from a phone. `sender` is a phone number: personal data, never log it."""

    message_id: str
    sender: str
    text: str

    def __repr__(self) -> str:  # keeps the number and text out of tracebacks and debug logs
        return f"InboundSms(message_id={self.message_id!r}, sender=<hidden>, text=<{len(self.text)} chars>)"


class SmsSendError(Exception):
    """Sending failed. The message says what kind of failure, never the number or text."""


@runtime_checkable
class SmsGateway(Protocol):
    """What the SMS channel needs from a gateway."""

    def verify(self, url: str, params: FormParams, headers: Mapping[str, str]) -> bool:
        """True when the webhook request is signed by the gateway. `url` is the address
        the gateway was configured to call."""
        ...

    def parse_inbound(self, params: FormParams) -> Optional[InboundSms]:
        """The message in a verified webhook, or None when it is not an inbound SMS."""
        ...

    def send(self, to: str, text: str) -> None:
        """Sends one SMS (blocking: call it from a worker thread). Raises SmsSendError."""
        ...

    def empty_reply(self) -> Tuple[str, str]:
        """The webhook answer that sends nothing: (body, content type)."""
        ...
