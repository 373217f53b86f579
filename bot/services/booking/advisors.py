"""Seeding the advisors table from the municipality profile's list."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.intake_terms import INTAKE_TOPICS
from bot.core.profile import AdvisorEntry
from bot.services.booking.models import Advisor


def seed_advisors(session: Session, entries: Iterable[AdvisorEntry]) -> None:
    """Makes the advisors table match the profile's list (unknown keys become inactive)."""
    known = {a.key: a for a in session.execute(select(Advisor)).scalars()}
    keys = set()
    for entry in entries:
        keys.add(entry.key)
        unknown = set(entry.topics) - set(INTAKE_TOPICS)
        if unknown:
            raise ValueError(f"advisor {entry.key}: unknown topics {sorted(unknown)}")
        advisor = known.get(entry.key) or Advisor(key=entry.key)
        advisor.display_name = entry.display_name
        advisor.team = entry.team
        advisor.topics = ",".join(entry.topics)
        advisor.active = True
        session.add(advisor)
    for key, advisor in known.items():
        if key not in keys:
            advisor.active = False
