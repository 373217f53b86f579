"""GET /v1/advisors: the active advisors, for staff."""

from __future__ import annotations

from typing import Any, Dict, List

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.booking.deps import auth, db
from bot.services.booking.models import Advisor
from bot.services.booking.schemas import AdvisorOut

router = APIRouter(dependencies=auth, tags=["staff"])


@router.get("/v1/advisors", response_model=List[AdvisorOut])
def advisors(session: Session = db) -> List[Dict[str, Any]]:
    rows = session.execute(select(Advisor).where(Advisor.active.is_(True)).order_by(Advisor.id)).scalars()
    return [{"key": a.key, "display_name": a.display_name, "team": a.team, "topics": a.topics.split(",")} for a in rows]
