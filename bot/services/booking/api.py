"""HTTP API of the booking service (FastAPI; OpenAPI at /openapi.json, docs at /docs)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Dict, Iterator, List, Literal, Optional

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, root_validator, validator
from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.contact_details import normalise_email, normalise_phone
from bot.core.intake_terms import CHANNELS, INTAKE_TOPICS, NEEDS_EMAIL, NEEDS_PHONE
from bot.core.profile import load_profile
from bot.services.booking.db import make_engine, make_sessionmaker, migrate
from bot.services.booking.models import BOOKED, CANCELLED, OPEN, Advisor, Booking, BookingEvent, ContactRequest
from bot.services.booking.schedule import Schedule, TimeWindow, from_utc_naive, to_utc_naive
from bot.services.booking.settings import BookingSettings

log = logging.getLogger("vejviser.booking")

CONTACT_REQUEST_REASONS = ("booking_unavailable", "no_free_time", "user_request")
# Booking codes are read aloud and typed on phones: no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
CODE_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
CODE_LENGTH = 6
_CODE_TEXT = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
MAX_SLOT_SEARCH_DAYS = 62
PURGE_INTERVAL_SECONDS = 3600


class ApiError(HTTPException):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(status_code=status, detail={"error": error, "message": message})


# --- request and response bodies -------------------------------------------------


class ContactFields(BaseModel):
    topic: Literal[INTAKE_TOPICS]
    channel: Literal[CHANNELS]
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
    reason: Literal[CONTACT_REQUEST_REASONS]
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


# --- the service ------------------------------------------------------------------


class BookingService:
    """The state behind the API: database sessions, the schedule and the profile rules."""

    def __init__(self, settings: BookingSettings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.profile = load_profile(settings.profile_path)  # ProfileError: the service does not start
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
            seed_advisors(session, list(self.profile.advisors))
        self.purge_expired()

    def erase_conversation(self, conversation_id: str) -> int:
        """ "Slet mine data": cancels the conversation's future bookings and blanks the personal
        fields of its bookings and contact requests (the time itself stays taken for history)."""
        blank = {"phone": None, "email": None, "first_name": None, "conversation_id": None}
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
            bookings = session.execute(
                update(Booking).where(Booking.conversation_id == conversation_id).values(**blank)
            ).rowcount
            requests = session.execute(
                update(ContactRequest).where(ContactRequest.conversation_id == conversation_id).values(**blank)
            ).rowcount
        log.info("erasure: blanked %d bookings and %d contact requests", bookings, requests)
        return bookings + requests

    def purge_expired(self) -> int:
        """Removes contact details once the retention time after the talk has passed."""
        days = self.profile.booking_retention_days
        cutoff = to_utc_naive(self.now() - timedelta(days=days))
        blank = {"phone": None, "email": None, "first_name": None, "conversation_id": None}
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


def seed_advisors(session: Session, entries: List[Dict[str, Any]]) -> None:
    """Makes the advisors table match the profile's list (unknown keys become inactive)."""
    known = {a.key: a for a in session.execute(select(Advisor)).scalars()}
    keys = set()
    for entry in entries:
        key = str(entry["key"])
        keys.add(key)
        topics = [str(t) for t in entry.get("topics") or []]
        unknown = set(topics) - set(INTAKE_TOPICS)
        if unknown:
            raise ValueError(f"advisor {key}: unknown topics {sorted(unknown)}")
        advisor = known.get(key) or Advisor(key=key)
        advisor.display_name = str(entry["display_name"])
        advisor.team = str(entry["team"])
        advisor.topics = ",".join(topics)
        advisor.active = True
        session.add(advisor)
    for key, advisor in known.items():
        if key not in keys:
            advisor.active = False


def fingerprint(body: BaseModel) -> str:
    canonical = json.dumps(body.dict(), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def normalise_code(raw: str) -> str:
    code = re.sub(r"[\s-]", "", raw).upper()
    if not _CODE_TEXT.match(code):
        raise ApiError(404, "booking_not_found", "no booking has that code")
    return code


def new_code() -> str:
    """A random code with at least one letter and one digit, so a typed word is never read as a code."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code


def create_app(settings: Optional[BookingSettings] = None, clock: Optional[Callable[[], datetime]] = None) -> FastAPI:
    settings = settings or BookingSettings.from_env()
    service = BookingService(settings, clock or (lambda: datetime.now().astimezone()))
    app = FastAPI(
        title="Vejviser booking service",
        version="1.0",
        description="Free times, bookings, moves, cancellations and contact requests for youth guidance talks. "
        "Every /v1 call needs `Authorization: Bearer <BOOKING_API_TOKEN>`. POST calls that create something "
        "need an `Idempotency-Key` header: a retry with the same key never creates a second booking.",
    )
    app.state.service = service

    @app.on_event("startup")
    async def _start() -> None:
        await asyncio.to_thread(service.start)
        app.state.purger = asyncio.get_running_loop().create_task(purge_hourly())

    async def purge_hourly() -> None:
        while True:
            await asyncio.sleep(PURGE_INTERVAL_SECONDS)
            try:
                await asyncio.to_thread(service.purge_expired)
            except Exception:  # keep serving; the next round tries again
                log.exception("retention purge failed")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in error.errors()]
        return JSONResponse(
            status_code=422, content={"error": "invalid_request", "message": "the request is not valid", "details": details}
        )

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
        content = error.detail if isinstance(error.detail, dict) else {"error": "http_error", "message": str(error.detail)}
        return JSONResponse(status_code=error.status_code, content=content, headers=getattr(error, "headers", None))

    def authorised(authorization: str = Header("", description="Bearer token")) -> None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.encode(), settings.api_token.encode()):
            raise ApiError(401, "unauthorised", "a valid bearer token is required")

    def idempotency_key(key: str = Header(..., alias="Idempotency-Key", min_length=8, max_length=128)) -> str:
        return key

    db = Depends(service.session)
    auth = [Depends(authorised)]

    @app.get("/health", tags=["health"])
    def health(session: Session = db) -> Dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/v1/advisors", response_model=List[AdvisorOut], dependencies=auth, tags=["staff"])
    def advisors(session: Session = db) -> List[Dict[str, Any]]:
        rows = session.execute(select(Advisor).where(Advisor.active.is_(True)).order_by(Advisor.id)).scalars()
        return [{"key": a.key, "display_name": a.display_name, "team": a.team, "topics": a.topics.split(",")} for a in rows]

    @app.get("/v1/slots", response_model=SlotsOut, dependencies=auth, tags=["booking"])
    def slots(
        topic: Literal[INTAKE_TOPICS] = Query(...),
        from_day: Optional[date] = Query(None, description="first day (default today)"),
        to_day: Optional[date] = Query(None, description="last day, inclusive (default 14 days on)"),
        earliest: Optional[time] = Query(None, description="no start before this local time"),
        latest: Optional[time] = Query(None, description="no talk ending after this local time"),
        at: Optional[time] = Query(None, description="a wished local start time: nearest first"),
        limit: int = Query(3, ge=1, le=10),
        session: Session = db,
    ) -> Dict[str, Any]:
        first = from_day or service.now().date()
        last = to_day or first + timedelta(days=14)
        if last < first:
            raise ApiError(422, "invalid_range", "to_day is before from_day")
        if (last - first).days > MAX_SLOT_SEARCH_DAYS:
            raise ApiError(422, "invalid_range", f"search at most {MAX_SLOT_SEARCH_DAYS} days at a time")
        if earliest and latest and earliest >= latest:
            raise ApiError(422, "invalid_range", "earliest must be before latest")
        window = TimeWindow(first, last, earliest, latest, at)
        found = service.schedule.free_times(session, topic, window, service.now(), limit)
        return {"slots": [{"start": start, "end": end} for start, end in found]}

    @app.post(
        "/v1/bookings",
        response_model=BookingOut,
        status_code=201,
        dependencies=auth,
        tags=["booking"],
        responses={
            200: {"description": "replay of an earlier request with the same Idempotency-Key"},
            409: {"description": "the time is no longer free"},
        },
    )
    def book(body: BookingIn, key: str = Depends(idempotency_key), session: Session = db) -> Any:
        print_ = fingerprint(body)
        earlier = session.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()
        if earlier is not None:
            return replay(earlier, print_)
        service.check_age(body.age)
        service.check_start(body.start)
        while True:
            advisor = service.schedule.pick_advisor(session, body.topic, body.start)
            if advisor is None:
                raise ApiError(409, "slot_taken", "that time was just taken; ask GET /v1/slots again")
            booking = Booking(
                code=new_code(),
                idempotency_key=key,
                request_fingerprint=print_,
                advisor=advisor,
                starts_at=to_utc_naive(body.start),
                ends_at=to_utc_naive(body.start + service.schedule.slot),
                status=BOOKED,
                channel=body.channel,
                topic=body.topic,
                age=body.age,
                phone=body.phone,
                email=body.email,
                first_name=body.first_name,
                consent_text=body.consent_text,
                conversation_id=body.conversation_id,
            )
            session.add(booking)
            try:
                session.flush()
                session.add(BookingEvent(booking_id=booking.id, kind="created", new_starts_at=booking.starts_at))
                session.commit()
            except IntegrityError:
                # Lost a race: the same key was stored by a parallel retry, or the advisor's
                # time was taken a moment ago (then try the next free advisor).
                session.rollback()
                earlier = session.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()
                if earlier is not None:
                    return replay(earlier, print_)
                continue
            log.info("booking created code=%s channel=%s topic=%s", booking.code, booking.channel, booking.topic)
            return JSONResponse(status_code=201, content=jsonable(service.booking_out(booking)))

    def replay(earlier: Booking, print_: str) -> JSONResponse:
        if earlier.request_fingerprint != print_:
            raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
        return JSONResponse(status_code=200, content=jsonable(service.booking_out(earlier)))

    def find(session: Session, raw_code: str) -> Booking:
        code = normalise_code(raw_code)
        booking = session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()
        if booking is None:
            raise ApiError(404, "booking_not_found", "no booking has that code")
        return booking

    @app.get("/v1/bookings/{code}", response_model=BookingOut, dependencies=auth, tags=["booking"])
    def get_booking(code: str, session: Session = db) -> Dict[str, Any]:
        return service.booking_out(find(session, code))

    @app.post("/v1/bookings/{code}/cancel", response_model=BookingOut, dependencies=auth, tags=["booking"])
    def cancel(code: str, session: Session = db) -> Dict[str, Any]:
        booking = find(session, code)
        if booking.status != CANCELLED:  # cancelling twice is not an error: the result is the same
            booking.status = CANCELLED
            session.add(BookingEvent(booking_id=booking.id, kind="cancelled", old_starts_at=booking.starts_at))
            session.commit()
            log.info("booking cancelled code=%s", booking.code)
        return service.booking_out(booking)

    @app.post(
        "/v1/bookings/{code}/move",
        response_model=BookingOut,
        dependencies=auth,
        tags=["booking"],
        responses={409: {"description": "the booking is cancelled or the new time is taken"}},
    )
    def move(code: str, body: MoveIn, session: Session = db) -> Dict[str, Any]:
        booking = find(session, code)
        if booking.status == CANCELLED:
            raise ApiError(409, "booking_cancelled", "a cancelled booking cannot be moved; book a new time")
        new_start = to_utc_naive(body.start) if body.start.tzinfo else None
        if new_start == booking.starts_at:
            return service.booking_out(booking)  # a retried move: already there
        service.check_start(body.start)
        advisor = service.schedule.pick_advisor(session, booking.topic, body.start, prefer=booking.advisor_id)
        if advisor is None:
            raise ApiError(409, "slot_taken", "that time was just taken; ask GET /v1/slots again")
        old_start = booking.starts_at
        booking.advisor = advisor
        booking.starts_at = new_start
        booking.ends_at = to_utc_naive(body.start + service.schedule.slot)
        session.add(BookingEvent(booking_id=booking.id, kind="moved", old_starts_at=old_start, new_starts_at=new_start))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ApiError(409, "slot_taken", "that time was just taken; ask GET /v1/slots again") from None
        log.info("booking moved code=%s", booking.code)
        return service.booking_out(booking)

    @app.get("/v1/bookings", response_model=List[StaffBookingOut], dependencies=auth, tags=["staff"])
    def list_bookings(
        from_day: Optional[date] = None,
        to_day: Optional[date] = None,
        status: Optional[str] = Query(None, regex="^(booked|cancelled)$"),
        session: Session = db,
    ) -> List[Dict[str, Any]]:
        query = select(Booking).order_by(Booking.starts_at)
        if from_day:
            query = query.where(Booking.starts_at >= service.schedule.day_start(from_day))
        if to_day:
            query = query.where(Booking.starts_at < service.schedule.day_start(to_day + timedelta(days=1)))
        if status:
            query = query.where(Booking.status == status)
        return [service.booking_out(b, staff=True) for b in session.execute(query).scalars()]

    @app.post("/v1/contact-requests", response_model=ContactRequestOut, status_code=201, dependencies=auth, tags=["booking"])
    def contact_request(body: ContactRequestIn, key: str = Depends(idempotency_key), session: Session = db) -> Any:
        earlier = session.execute(select(ContactRequest).where(ContactRequest.idempotency_key == key)).scalar_one_or_none()
        if earlier is not None:
            return JSONResponse(status_code=200, content=jsonable(request_out(earlier)))
        booked = session.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()
        request = ContactRequest(
            idempotency_key=key,
            reason=body.reason,
            status=OPEN,
            channel=body.channel,
            topic=body.topic,
            age=body.age,
            phone=body.phone,
            email=body.email,
            first_name=body.first_name,
            preferred_start=to_utc_naive(body.preferred_start) if body.preferred_start and body.preferred_start.tzinfo else None,
            consent_text=body.consent_text,
            conversation_id=body.conversation_id,
            booking_code=booked.code if booked else None,
        )
        session.add(request)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            earlier = session.execute(select(ContactRequest).where(ContactRequest.idempotency_key == key)).scalar_one()
            return JSONResponse(status_code=200, content=jsonable(request_out(earlier)))
        log.info("contact request stored id=%s reason=%s channel=%s", request.id, request.reason, request.channel)
        return JSONResponse(status_code=201, content=jsonable(request_out(request)))

    @app.post("/v1/conversations/{conversation_id}/erase", dependencies=auth, tags=["privacy"])
    def erase_conversation(conversation_id: str = Path(..., min_length=1, max_length=128)) -> Dict[str, int]:
        return {"erased": service.erase_conversation(conversation_id)}

    @app.get("/v1/contact-requests", response_model=List[ContactRequestOut], dependencies=auth, tags=["staff"])
    def contact_requests(status: str = Query(OPEN, regex="^(open|handled)$"), session: Session = db) -> List[Dict[str, Any]]:
        rows = session.execute(select(ContactRequest).where(ContactRequest.status == status).order_by(ContactRequest.created_at))
        return [request_out(r) for r in rows.scalars()]

    def request_out(request: ContactRequest) -> Dict[str, Any]:
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
            "preferred_start": service.local(request.preferred_start) if request.preferred_start else None,
            "created_at": service.local(request.created_at),
        }

    return app


def jsonable(data: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, (datetime, date)) else v for k, v in data.items()}
