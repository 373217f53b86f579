"""Tables of the booking service. Times are stored as naive UTC; the API speaks ISO 8601
with offsets. The schema itself is created by the Alembic migrations, never by create_all."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()  # a class made at run time: a type checker cannot follow it

BOOKED, CANCELLED = "booked", "cancelled"
OPEN, HANDLED = "open", "handled"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Advisor(Base):
    __tablename__ = "advisors"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)  # stable id from the profile
    display_name = Column(String(120), nullable=False)
    team = Column(String(120), nullable=False)
    topics = Column(String(400), nullable=False)  # comma-separated intake topics
    active = Column(Boolean, nullable=False, default=True)

    def handles(self, topic: str) -> bool:
        return topic in self.topics.split(",")


class Booking(Base):
    __tablename__ = "bookings"
    id = Column(Integer, primary_key=True)
    code = Column(String(12), nullable=False, unique=True)
    idempotency_key = Column(String(128), nullable=False, unique=True)
    request_fingerprint = Column(String(64), nullable=False)
    advisor_id = Column(Integer, ForeignKey("advisors.id"), nullable=False)
    starts_at = Column(DateTime, nullable=False)
    ends_at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False, default=BOOKED)
    channel = Column(String(16), nullable=False)
    topic = Column(String(32), nullable=False)
    age = Column(Integer, nullable=False)
    phone = Column(String(32))
    email = Column(String(254))
    first_name = Column(String(60))
    consent_text = Column(Text, nullable=False)
    conversation_id = Column(String(128))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    advisor = relationship(Advisor)

    # One advisor, one booked talk at a time: the database refuses a double booking even
    # when two requests race (cancelled bookings free the time again).
    __table_args__ = (
        Index(
            "uq_bookings_advisor_start_booked",
            "advisor_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )


class BookingEvent(Base):
    """What happened to a booking, for staff: created, moved, cancelled."""

    __tablename__ = "booking_events"
    id = Column(Integer, primary_key=True)
    booking_id = Column(Integer, ForeignKey("bookings.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)
    old_starts_at = Column(DateTime)
    new_starts_at = Column(DateTime)
    at = Column(DateTime, nullable=False, default=utcnow)


class ContactRequest(Base):
    """A young person's request to be contacted, kept when no time could be booked."""

    __tablename__ = "contact_requests"
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(128), nullable=False, unique=True)
    reason = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default=OPEN)
    channel = Column(String(16), nullable=False)
    topic = Column(String(32), nullable=False)
    age = Column(Integer, nullable=False)
    phone = Column(String(32))
    email = Column(String(254))
    first_name = Column(String(60))
    preferred_start = Column(DateTime)
    consent_text = Column(Text, nullable=False)
    conversation_id = Column(String(128))
    # Set when a booking with the same idempotency key exists (the booking call reached
    # us although the caller saw a time-out), so staff can tell the user their time.
    booking_code = Column(String(12))
    created_at = Column(DateTime, nullable=False, default=utcnow)
