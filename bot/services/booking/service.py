"""The state behind the booking API: database sessions, the schedule, the profile's rules, retention."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, Iterator

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.core.profile import load_profile
from bot.core.settings import BookingSettings
from bot.services.booking.advisors import seed_advisors
from bot.services.booking.db import make_engine, make_sessionmaker, migrate
from bot.services.booking.errors import ApiError
from bot.services.booking.models import BOOKED, CANCELLED, Booking, BookingEvent, ContactRequest
from bot.services.booking.schedule import Schedule, from_utc_naive, to_utc_naive

log = logging.getLogger("vejviser.booking")

_PERSONAL_FIELDS = ("phone", "email", "first_name", "conversation_id")


class BookingService:
    """The state behind the API: database sessions, the schedule and the profile rules."""

    def __init__(self, settings: BookingSettings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.profile = load_profile(settings.profile_path)
        self.hours = self.profile.hours
        self.age_min = self.profile.age_min
        self.age_max = self.profile.age_max
        self.schedule = Schedule(self.hours, settings.slot_minutes, settings.min_notice_minutes, settings.horizon_days)
        self.engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self._clock = clock

    def now(self) -> datetime:
        return self._clock().astimezone(self.hours.tz)

    def start(self) -> None:
        migrate(self.settings.database_url)
        with self.sessions.begin() as session:
            seed_advisors(session, self.profile.advisors)
        self.purge_expired()

    def erase_conversation(self, conversation_id: str) -> int:
        """ "Slet mine data": cancels the conversation's future bookings and blanks the personal
        fields of its bookings and contact requests (the time itself stays taken for history)."""
        blank = dict.fromkeys(_PERSONAL_FIELDS)
        now = to_utc_naive(self.now())
        with self.sessions.begin() as session:
            upcoming = session.execute(
                select(Booking).where(
                    Booking.conversation_id == conversation_id, Booking.status == BOOKED, Booking.starts_at > now
                )
            ).scalars()
            for booking in upcoming:
                booking.status = CANCELLED
                session.add(BookingEvent(booking_id=booking.id, kind="cancelled", old_starts_at=booking.starts_at))
            bookings = session.execute(update(Booking).where(Booking.conversation_id == conversation_id).values(**blank)).rowcount
            requests = session.execute(
                update(ContactRequest).where(ContactRequest.conversation_id == conversation_id).values(**blank)
            ).rowcount
        log.info("erasure: blanked %d bookings and %d contact requests", bookings, requests)
        return bookings + requests

    def purge_expired(self) -> int:
        """Removes contact details once the retention time after the talk has passed."""
        cutoff = to_utc_naive(self.now() - timedelta(days=self.profile.booking_retention_days))
        blank = dict.fromkeys(_PERSONAL_FIELDS)
        with self.sessions.begin() as session:
            bookings = session.execute(
                update(Booking)
                .where(Booking.ends_at < cutoff, or_(*[getattr(Booking, f).isnot(None) for f in blank]))
                .values(**blank)
            ).rowcount
            requests = session.execute(
                update(ContactRequest)
                .where(ContactRequest.created_at < cutoff, or_(*[getattr(ContactRequest, f).isnot(None) for f in blank]))
                .values(**blank)
            ).rowcount
        if bookings or requests:
            log.info("retention: anonymised %d bookings and %d contact requests", bookings, requests)
        return bookings + requests

    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def local(self, moment: datetime) -> datetime:
        return from_utc_naive(moment, self.hours)

    def booking_out(self, booking: Booking, staff: bool = False) -> Dict[str, Any]:
        out = {
            "code": booking.code,
            "status": booking.status,
            "start": self.local(booking.starts_at),
            "end": self.local(booking.ends_at),
            "channel": booking.channel,
            "topic": booking.topic,
            "team": booking.advisor.team,
        }
        if staff:
            out.update(
                age=booking.age,
                first_name=booking.first_name,
                phone=booking.phone,
                email=booking.email,
                consent_text=booking.consent_text,
                created_at=self.local(booking.created_at),
                conversation_id=booking.conversation_id,
            )
        return out

    def check_age(self, age: int) -> None:
        if not self.age_min <= age <= self.age_max:
            raise ApiError(422, "age_outside_target_group", f"age must be {self.age_min}-{self.age_max} for this municipality")

    def check_start(self, start: datetime) -> None:
        problem = self.schedule.problem_with_start(start, self.now())
        if problem:
            raise ApiError(422, problem, "start is not a bookable time; ask GET /v1/slots for free times")

    def request_out(self, request: ContactRequest) -> Dict[str, Any]:
        return {
            "id": request.id,
            "status": request.status,
            "reason": request.reason,
            "channel": request.channel,
            "topic": request.topic,
            "age": request.age,
            "first_name": request.first_name,
            "phone": request.phone,
            "email": request.email,
            "booking_code": request.booking_code,
            "conversation_id": request.conversation_id,
            "preferred_start": self.local(request.preferred_start) if request.preferred_start else None,
            "created_at": self.local(request.created_at),
        }


def jsonable(data: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, (datetime, date)) else v for k, v in data.items()}
