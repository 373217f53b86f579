"""The desk's client for Rasa's staff relay: one requests.Session, a timeout on every call,
one exception (RelayError) that the views catch. The booking service is asked through
bot.core.booking.client, the one booking client."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional

import requests

log = logging.getLogger("vejviser.desk.relay")
TIMEOUT = (3, 10)  # connect, read


class RelayError(Exception):
    """The relay did not do what was asked. `code` is the relay's error word
    ('unknown_conversation', 'opted_out') or 'unavailable'."""

    def __init__(self, code: str, status: Optional[int] = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    channel: str


class RasaRelay:
    """POST /webhooks/staff/{take,message,handback,erase} on the Rasa server."""

    def __init__(self, base_url: str, token: str, session: Optional[requests.Session] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}"})

    def _post(self, action: str, body: Dict[str, Any]) -> Dict[str, Any]:
        try:
            response = self.session.post(f"{self.base_url}/webhooks/staff/{action}", json=body, timeout=TIMEOUT)
        except requests.RequestException as error:
            log.warning("relay %s: %s", action, type(error).__name__)
            raise RelayError("unavailable") from error
        if response.status_code != 200:
            try:
                code = str(response.json().get("error") or "unavailable")
            except ValueError:
                code = "unavailable"
            log.warning("relay %s: HTTP %s (%s)", action, response.status_code, code)
            raise RelayError(code, response.status_code)
        try:
            data = response.json()
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def take(self, conversation_id: str, staff_name: str) -> None:
        self._post("take", {"conversation_id": conversation_id, "staff_name": staff_name})

    def message(self, conversation_id: str, text: str, staff_name: str) -> Delivery:
        data = self._post("message", {"conversation_id": conversation_id, "text": text, "staff_name": staff_name})
        return Delivery(bool(data.get("delivered")), str(data.get("channel") or ""))

    def handback(self, conversation_id: str) -> None:
        self._post("handback", {"conversation_id": conversation_id})

    def erase(self, conversation_id: str) -> None:
        self._post("erase", {"conversation_id": conversation_id})
