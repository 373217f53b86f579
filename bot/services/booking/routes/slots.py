"""GET /v1/slots: free start times for a topic in a window of days and local times."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any, Dict, Optional

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from bot.services.booking.deps import auth, db, service_dep
from bot.services.booking.errors import ApiError
from bot.services.booking.schedule import TimeWindow
from bot.services.booking.schemas import SlotsOut, Topic
from bot.services.booking.service import BookingService

MAX_SLOT_SEARCH_DAYS = 62

router = APIRouter(dependencies=auth, tags=["booking"])


@router.get("/v1/slots", response_model=SlotsOut)
def slots(
    topic: Topic = Query(...),
    from_day: Optional[date] = Query(None, description="first day (default today)"),
    to_day: Optional[date] = Query(None, description="last day, inclusive (default 14 days on)"),
    earliest: Optional[time] = Query(None, description="no start before this local time"),
    latest: Optional[time] = Query(None, description="no talk ending after this local time"),
    at: Optional[time] = Query(None, description="a wished local start time: nearest first"),
    limit: int = Query(3, ge=1, le=10),
    session: Session = db,
    service: BookingService = service_dep,
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
