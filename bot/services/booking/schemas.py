"""Request and response bodies of the booking API (pydantic; they make the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field, root_validator, validator

from bot.core.contact_details import normalise_email, normalise_phone
from bot.core.intake_terms import CHANNELS, INTAKE_TOPICS, NEEDS_EMAIL, NEEDS_PHONE

CONTACT_REQUEST_REASONS = ("booking_unavailable", "no_free_time", "user_request")
if TYPE_CHECKING:  # a Literal built from a tuple is checked by pydantic at run time, not by mypy
    Topic = str
    Channel = str
    ContactReason = str
else:
    Topic, Channel, ContactReason = Literal[INTAKE_TOPICS], Literal[CHANNELS], Literal[CONTACT_REQUEST_REASONS]
_STORED_FIELDS = {"channel", "topic", "age", "phone", "email", "first_name", "consent_text", "conversation_id"}


class ContactFields(BaseModel):
    topic: Topic
    channel: Channel
    age: int = Field(..., ge=0, le=120)
    phone: Optional[str] = Field(None, max_length=32, description="Danish number; required for telefon and sms")
    email: Optional[str] = Field(None, max_length=254, description="required for mail and video")
    first_name: Optional[str] = Field(None, max_length=60)
    consent: bool = Field(..., description="the user said yes to sharing these details; must be true")
    consent_text: str = Field(..., min_length=1, max_length=1000, description="the consent sentence the user saw")
    conversation_id: Optional[str] = Field(None, max_length=128)

    class Config:
        extra = "forbid"

    @validator("phone")
    def _danish_phone(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        phone = normalise_phone(value)
        if phone is None:
            raise ValueError("not a Danish phone number (8 digits, optionally +45)")
        return phone

    @validator("email")
    def _email(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        email = normalise_email(value)
        if email is None:
            raise ValueError("not a valid email address")
        return email

    @validator("first_name")
    def _name(cls, value: Optional[str]) -> Optional[str]:
        value = (value or "").strip()
        return value or None

    def stored_fields(self) -> Dict[str, Any]:
        """The columns a booking and a contact request both store from these fields."""
        return self.dict(include=_STORED_FIELDS)

    @root_validator(skip_on_failure=True)
    def _contact_matches_channel(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if not values.get("consent"):
            raise ValueError("consent must be true: nothing is booked or stored without the user's yes")
        channel = values.get("channel")
        if channel in NEEDS_PHONE and not values.get("phone"):
            raise ValueError(f"channel {channel} needs a phone number")
        if channel in NEEDS_EMAIL and not values.get("email"):
            raise ValueError(f"channel {channel} needs an email address")
        return values


class BookingIn(ContactFields):
    start: datetime = Field(..., description="a free start time from GET /v1/slots, ISO 8601 with offset")


class MoveIn(BaseModel):
    start: datetime

    class Config:
        extra = "forbid"


class ContactRequestIn(ContactFields):
    reason: ContactReason
    preferred_start: Optional[datetime] = None


class SlotOut(BaseModel):
    start: datetime
    end: datetime


class SlotsOut(BaseModel):
    slots: List[SlotOut]


class BookingOut(BaseModel):
    code: str
    status: str
    start: datetime
    end: datetime
    channel: str
    topic: str
    team: str


class StaffBookingOut(BookingOut):
    conversation_id: Optional[str]
    age: int
    first_name: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    consent_text: str
    created_at: datetime


class ContactRequestOut(BaseModel):
    id: int
    status: str
    reason: str
    channel: str
    topic: str
    age: int
    first_name: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    preferred_start: Optional[datetime]
    booking_code: Optional[str]
    conversation_id: Optional[str]
    created_at: datetime


class AdvisorOut(BaseModel):
    key: str
    display_name: str
    team: str
    topics: List[str]
