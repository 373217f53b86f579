"""Twilio's Messages API stood in by a real local HTTP server, and helpers to send signed
Twilio-format webhooks (tests only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from bot.services.sms_gateway.server import LocalGateway


def independent_signature(token: str, url: str, params: Mapping[str, Union[str, Sequence[str]]]) -> str:
    """Twilio's documented algorithm, written again here so the tests do not check the
    channel's code against itself. A value may be a list (a repeated name, as parse_qs
    gives): its values are appended sorted."""
    data = url
    for name in sorted(params):
        values = params[name]
        for value in [values] if isinstance(values, str) else sorted(values):
            data += name + value
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def inbound_form(
    body: Union[str, bytes], sender: str, to: str, account_sid: str, message_sid: Optional[str] = None
) -> Dict[str, Any]:
    """The form fields Twilio posts for an inbound SMS (blank ones included). The body may be
    bytes (the fuzzer sends invalid UTF-8)."""
    message_sid = message_sid or "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "DK",
        "ToState": "",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": message_sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "DK",
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


class FakeTwilio(LocalGateway):
    """The local Twilio stand-in (bot/services/sms_gateway/server.py), started on a free port."""

    def __init__(self) -> None:
        super().__init__()
        self.start_in_thread()
