"""HTTP clients for Rasa's staff relay and the booking service: one requests.Session
each, a timeout on every call, one exception per service that the views catch."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

import requests

log = logging.getLogger("vejviser.desk.clients")
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


class BookingUnavailable(Exception):
    """The booking service could not be asked (down, refused the token, odd answer)."""


@dataclass(frozen=True)
class StaffBooking:
    code: str
    starts_at: Optional[datetime]
    ends_at: Optional[datetime]
    status: str
    channel: str
    topic: str
    age: Optional[int]
    first_name: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    consent_text: str
    created_at: Optional[datetime]
    conversation_id: Optional[str]

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "StaffBooking":
        return cls(
            code=str(data.get("code") or ""),
            starts_at=_when(data.get("start") or data.get("starts_at")),
            ends_at=_when(data.get("end") or data.get("ends_at")),
            status=str(data.get("status") or ""),
            channel=str(data.get("channel") or ""),
            topic=str(data.get("topic") or ""),
            age=data.get("age") if isinstance(data.get("age"), int) else None,
            first_name=data.get("first_name"),
            phone=data.get("phone"),
            email=data.get("email"),
            consent_text=str(data.get("consent_text") or ""),
            created_at=_when(data.get("created_at")),
            conversation_id=data.get("conversation_id") or None,
        )


def _when(value: Any) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class BookingClient:
    """The staff side of the booking service (GET /v1/bookings, /v1/contact-requests)."""

    def __init__(self, base_url: str, token: str, session: Optional[requests.Session] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}"})

    def _get(self, path: str, params: Dict[str, str]) -> List[Dict[str, Any]]:
        try:
            response = self.session.get(f"{self.base_url}{path}", params=params, timeout=TIMEOUT)
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("booking service %s: %s", path, type(error).__name__)
            raise BookingUnavailable(path) from error
        if not isinstance(data, list):
            raise BookingUnavailable(path)
        return [row for row in data if isinstance(row, dict)]

    def bookings(self, status: str = "booked") -> List[StaffBooking]:
        return [StaffBooking.from_json(row) for row in self._get("/v1/bookings", {"status": status})]

    def contact_requests(self, status: str = "open") -> List[Dict[str, Any]]:
        return self._get("/v1/contact-requests", {"status": status})
