"""/v1/contact-requests: ask an advisor to get in touch (idempotent); staff list the open ones."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services.booking.deps import auth, db, idempotency_key, service_dep
from bot.services.booking.models import OPEN, Booking, ContactRequest
from bot.services.booking.schedule import to_utc_naive
from bot.services.booking.schemas import ContactRequestIn, ContactRequestOut
from bot.services.booking.service import BookingService, jsonable

log = logging.getLogger("vejviser.booking")

router = APIRouter(dependencies=auth)


@router.post("/v1/contact-requests", response_model=ContactRequestOut, status_code=201, tags=["booking"])
def contact_request(
    body: ContactRequestIn,
    key: str = Depends(idempotency_key),
    session: Session = db,
    service: BookingService = service_dep,
) -> Any:
    earlier = session.execute(select(ContactRequest).where(ContactRequest.idempotency_key == key)).scalar_one_or_none()
    if earlier is not None:
        return JSONResponse(status_code=200, content=jsonable(service.request_out(earlier)))
    booked = session.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()
    request = ContactRequest(
        **body.stored_fields(),
        idempotency_key=key,
        reason=body.reason,
        status=OPEN,
        preferred_start=to_utc_naive(body.preferred_start) if body.preferred_start and body.preferred_start.tzinfo else None,
        booking_code=booked.code if booked else None,
    )
    session.add(request)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        earlier = session.execute(select(ContactRequest).where(ContactRequest.idempotency_key == key)).scalar_one()
        return JSONResponse(status_code=200, content=jsonable(service.request_out(earlier)))
    log.info("contact request stored id=%s reason=%s channel=%s", request.id, request.reason, request.channel)
    return JSONResponse(status_code=201, content=jsonable(service.request_out(request)))


@router.get("/v1/contact-requests", response_model=List[ContactRequestOut], tags=["staff"])
def contact_requests(
    status: str = Query(OPEN, regex="^(open|handled)$"), session: Session = db, service: BookingService = service_dep
) -> List[Dict[str, Any]]:
    rows = session.execute(select(ContactRequest).where(ContactRequest.status == status).order_by(ContactRequest.created_at))
    return [service.request_out(r) for r in rows.scalars()]
