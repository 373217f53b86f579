"""The one way the actions and the staff desk talk to the booking service: typed values
in and out, timeouts on every call, bounded retries, and one exception family they catch.

Calls are blocking (requests); actions run them with `asyncio.to_thread` so the action
server's event loop keeps serving other conversations meanwhile."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import requests

from bot.core.settings import DEFAULT_BOOKING_URL, BookingClientSettings

log = logging.getLogger(__name__)

# (connect, read) seconds. With two attempts the user hears back within ~6 s at worst.
DEFAULT_TIMEOUT: Tuple[float, float] = (1.0, 2.5)
DEFAULT_ATTEMPTS = 2
RETRY_PAUSE = 0.3


class BookingError(Exception):
    """Anything that kept a booking call from succeeding."""


class BookingUnavailable(BookingError):
    """The service could not be reached, timed out, or failed (5xx): try again later."""


class SlotTaken(BookingError):
    """The chosen time was taken before the booking reached the service."""


class BookingNotFound(BookingError):
    """No booking has that code."""


class BookingRejected(BookingError):
    """The service refused the request (4xx): retrying the same request will not help."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error = status, error


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class BookingRequest:
    topic: str
    channel: str
    age: int
    consent_text: str
    phone: Optional[str] = None
    email: Optional[str] = None
    first_name: Optional[str] = None
    conversation_id: Optional[str] = None

    def body(self) -> Dict[str, Any]:
        return {**asdict(self), "consent": True}


@dataclass(frozen=True)
class Booking:
    code: str
    status: str
    start: datetime
    end: datetime
    channel: str
    topic: str
    team: str = ""

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> Booking:
        return cls(
            code=data["code"],
            status=data["status"],
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            channel=data["channel"],
            topic=data["topic"],
            team=data.get("team", ""),
        )


@dataclass(frozen=True)
class StaffBooking:
    """A booking as staff see it: with the contact details and consent the young person gave."""

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
    def from_json(cls, data: Dict[str, Any]) -> StaffBooking:
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


@dataclass(frozen=True)
class SlotQuery:
    topic: str
    first_day: date
    last_day: date
    earliest: Optional[clock_time] = None
    latest: Optional[clock_time] = None
    at: Optional[clock_time] = None
    limit: int = 3

    def params(self) -> Dict[str, str]:
        values = {
            "topic": self.topic,
            "from_day": self.first_day.isoformat(),
            "to_day": self.last_day.isoformat(),
            "limit": str(self.limit),
        }
        for name in ("earliest", "latest", "at"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value.strftime("%H:%M")
        return values


@dataclass
class BookingClient:
    base_url: str = DEFAULT_BOOKING_URL
    token: str = ""
    timeout: Tuple[float, float] = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def from_env(cls) -> BookingClient:
        read = BookingClientSettings.from_env()
        return cls(base_url=read.url, token=read.api_token)

    @classmethod
    @lru_cache(maxsize=1)
    def shared(cls) -> BookingClient:
        """One client (and connection pool) per process, made on first use."""
        return cls.from_env()

    # --- calls -----------------------------------------------------------------
    def free_slots(self, query: SlotQuery) -> List[Slot]:
        data = self._call("GET", "/v1/slots", params=query.params())
        return [Slot(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])) for s in data["slots"]]

    def book(self, request: BookingRequest, start: datetime, idempotency_key: str) -> Booking:
        """Books `start`; a retry with the same key returns the same booking, never a second one."""
        body = {**request.body(), "start": start.isoformat()}
        return Booking.from_json(self._call("POST", "/v1/bookings", json=body, key=idempotency_key))

    def get(self, code: str) -> Booking:
        return Booking.from_json(self._call("GET", f"/v1/bookings/{_code_path(code)}"))

    def cancel(self, code: str) -> Booking:
        return Booking.from_json(self._call("POST", f"/v1/bookings/{_code_path(code)}/cancel"))

    def move(self, code: str, start: datetime) -> Booking:
        return Booking.from_json(self._call("POST", f"/v1/bookings/{_code_path(code)}/move", json={"start": start.isoformat()}))

    def request_contact(
        self, request: BookingRequest, reason: str, idempotency_key: str, preferred_start: Optional[datetime] = None
    ) -> int:
        body = {**request.body(), "reason": reason, "preferred_start": preferred_start.isoformat() if preferred_start else None}
        return int(self._call("POST", "/v1/contact-requests", json=body, key=idempotency_key)["id"])

    def erase_conversation(self, conversation_id: str) -> int:
        """Blanks the personal fields of a conversation's bookings and contact requests and
        cancels its future bookings ("slet mine data"). Returns how many records changed."""
        path = f"/v1/conversations/{quote(conversation_id, safe='')}/erase"
        return int(self._call("POST", path)["erased"])

    # --- staff calls (the desk) ------------------------------------------------
    def staff_bookings(self, status: str = "booked") -> List[StaffBooking]:
        return [StaffBooking.from_json(row) for row in self._rows("/v1/bookings", status)]

    def contact_requests(self, status: str = "open") -> List[Dict[str, Any]]:
        return self._rows("/v1/contact-requests", status)

    def healthy(self) -> bool:
        try:
            return self.session.get(f"{self.base_url}/health", timeout=self.timeout).ok
        except requests.RequestException:
            return False

    # --- transport -------------------------------------------------------------
    def _rows(self, path: str, status: str) -> List[Dict[str, Any]]:
        data: Any = self._call("GET", path, params={"status": status})
        if not isinstance(data, list):
            # Not the service's answer (a proxy's page, a wrong URL): as good as down.
            log.warning("booking service call GET %s gave no list", path.split("/")[2])
            raise BookingUnavailable("unexpected answer")
        return [row for row in data if isinstance(row, dict)]

    def _call(self, method: str, path: str, key: Optional[str] = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        # Every call may be retried: reads are safe, creating POSTs carry an Idempotency-Key,
        # cancel and move give the same result when repeated.
        last_problem = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.session.request(method, f"{self.base_url}{path}", headers=headers, timeout=self.timeout, **kwargs)
            except requests.RequestException as error:
                last_problem = type(error).__name__
            else:
                if response.status_code < 500:
                    return _result(response)
                last_problem = f"HTTP {response.status_code}"
            log.warning(
                "booking service call %s %s failed (%s), attempt %d/%d",
                method,
                path.split("/")[2],
                last_problem,
                attempt,
                self.attempts,
            )
            if attempt < self.attempts:
                time.sleep(RETRY_PAUSE * attempt)
        raise BookingUnavailable(last_problem)


def _code_path(code: str) -> str:
    cleaned = "".join(ch for ch in code if ch.isalnum())
    if not cleaned:
        raise BookingNotFound("empty code")
    return cleaned


def _result(response: requests.Response) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.ok:
        return data
    if not isinstance(data, dict):
        data = {}
    error, message = data.get("error", "http_error"), data.get("message", response.reason)
    if response.status_code == 404 and error == "booking_not_found":
        raise BookingNotFound(message)
    if response.status_code == 409 and error == "slot_taken":
        raise SlotTaken(message)
    raise BookingRejected(response.status_code, error, message)
