"""GET /health: the service answers and its database does too."""

from __future__ import annotations

from typing import Dict

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.services.booking.deps import db

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: Session = db) -> Dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}
