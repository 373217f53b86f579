"""/v1/bookings: book a free time (idempotent), read, cancel and move it by code; staff list them."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, timedelta
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services.booking.codes import new_code, normalise_code
from bot.services.booking.deps import auth, db, idempotency_key, service_dep
from bot.services.booking.errors import ApiError
from bot.services.booking.models import BOOKED, CANCELLED, Booking, BookingEvent
from bot.services.booking.schedule import to_utc_naive
from bot.services.booking.schemas import BookingIn, BookingOut, MoveIn, StaffBookingOut
from bot.services.booking.service import BookingService, jsonable

log = logging.getLogger("vejviser.booking")

router = APIRouter(dependencies=auth)


def fingerprint(body: BaseModel) -> str:
    canonical = json.dumps(body.dict(), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def replay(service: BookingService, earlier: Booking, print_: str) -> JSONResponse:
    if earlier.request_fingerprint != print_:
        raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
    return JSONResponse(status_code=200, content=jsonable(service.booking_out(earlier)))


def find(session: Session, raw_code: str) -> Booking:
    code = normalise_code(raw_code)
    booking = session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()
    if booking is None:
        raise ApiError(404, "booking_not_found", "no booking has that code")
    return booking


@router.post(
    "/v1/bookings",
    response_model=BookingOut,
    status_code=201,
    tags=["booking"],
    responses={
        200: {"description": "replay of an earlier request with the same Idempotency-Key"},
        409: {"description": "the time is no longer free"},
    },
)
def book(
    body: BookingIn,
    key: str = Depends(idempotency_key),
    session: Session = db,
    service: BookingService = service_dep,
) -> Any:
    print_ = fingerprint(body)
    earlier = session.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()
    if earlier is not None:
        return replay(service, earlier, print_)
    service.check_age(body.age)
    service.check_start(body.start)
    while True:
        advisor = service.schedule.pick_advisor(session, body.topic, body.start)
        if advisor is None:
            raise ApiError(409, "slot_taken", "that time was just taken; ask GET /v1/slots again")
        booking = Booking(
            **body.stored_fields(),
            code=new_code(),
            idempotency_key=key,
            request_fingerprint=print_,
            advisor=advisor,
            starts_at=to_utc_naive(body.start),
            ends_at=to_utc_naive(body.start + service.schedule.slot),
            status=BOOKED,
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
                return replay(service, earlier, print_)
            continue
        log.info("booking created code=%s channel=%s topic=%s", booking.code, booking.channel, booking.topic)
        return JSONResponse(status_code=201, content=jsonable(service.booking_out(booking)))


@router.get("/v1/bookings/{code}", response_model=BookingOut, tags=["booking"])
def get_booking(code: str, session: Session = db, service: BookingService = service_dep) -> Dict[str, Any]:
    return service.booking_out(find(session, code))


@router.post("/v1/bookings/{code}/cancel", response_model=BookingOut, tags=["booking"])
def cancel(code: str, session: Session = db, service: BookingService = service_dep) -> Dict[str, Any]:
    booking = find(session, code)
    if booking.status != CANCELLED:  # cancelling twice is not an error: the result is the same
        booking.status = CANCELLED
        session.add(BookingEvent(booking_id=booking.id, kind="cancelled", old_starts_at=booking.starts_at))
        session.commit()
        log.info("booking cancelled code=%s", booking.code)
    return service.booking_out(booking)


@router.post(
    "/v1/bookings/{code}/move",
    response_model=BookingOut,
    tags=["booking"],
    responses={409: {"description": "the booking is cancelled or the new time is taken"}},
)
def move(code: str, body: MoveIn, session: Session = db, service: BookingService = service_dep) -> Dict[str, Any]:
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


@router.get("/v1/bookings", response_model=List[StaffBookingOut], tags=["staff"])
def list_bookings(
    from_day: Optional[date] = None,
    to_day: Optional[date] = None,
    status: Optional[str] = Query(None, regex="^(booked|cancelled)$"),
    session: Session = db,
    service: BookingService = service_dep,
) -> List[Dict[str, Any]]:
    query = select(Booking).order_by(Booking.starts_at)
    if from_day:
        query = query.where(Booking.starts_at >= service.schedule.day_start(from_day))
    if to_day:
        query = query.where(Booking.starts_at < service.schedule.day_start(to_day + timedelta(days=1)))
    if status:
        query = query.where(Booking.status == status)
    return [service.booking_out(b, staff=True) for b in session.execute(query).scalars()]
