"""HTTP API of the booking service (FastAPI; OpenAPI at /openapi.json, docs at /docs).

The shape of FastAPI's own project template: schemas (bodies), deps (auth, idempotency,
session), routes/ (one module per resource), service (the state behind them)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Callable, Optional

from fastapi import FastAPI

from bot.core.settings import BookingSettings
from bot.services.booking.errors import add_error_handlers
from bot.services.booking.routes import advisors, bookings, contact_requests, health, privacy, slots
from bot.services.booking.service import BookingService

log = logging.getLogger("vejviser.booking")

PURGE_INTERVAL_SECONDS = 3600


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
        app.state.purger = asyncio.get_running_loop().create_task(purge_hourly(service))

    add_error_handlers(app)
    for routes in (health, advisors, slots, bookings, contact_requests, privacy):
        app.include_router(routes.router)
    return app


async def purge_hourly(service: BookingService) -> None:
    while True:
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
        try:
            await asyncio.to_thread(service.purge_expired)
        except Exception:  # keep serving; the next round tries again
            log.exception("retention purge failed")
