"""What the routes depend on: the service behind the app, a database session, the bearer
token check and the Idempotency-Key header."""

from __future__ import annotations

import secrets
from typing import Iterator

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from bot.services.booking.errors import ApiError
from bot.services.booking.service import BookingService


def get_service(request: Request) -> BookingService:
    return request.app.state.service


def db_session(service: BookingService = Depends(get_service)) -> Iterator[Session]:
    yield from service.session()


def authorised(
    authorization: str = Header("", description="Bearer token"), service: BookingService = Depends(get_service)
) -> None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.encode(), service.settings.api_token.encode()):
        raise ApiError(401, "unauthorised", "a valid bearer token is required")


def idempotency_key(key: str = Header(..., alias="Idempotency-Key", min_length=8, max_length=128)) -> str:
    return key


# Shorthands for route signatures, as FastAPI's own templates write them.
db = Depends(db_session)
service_dep = Depends(get_service)
auth = [Depends(authorised)]
