"""The Aalborg profile's opening hours and the next day the unit is open (booking tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import yaml

from bot.core.dates import OpeningHours
from bot.core.paths import PROFILES_DIR

HOURS = OpeningHours.from_profile(yaml.safe_load((PROFILES_DIR / "aalborg.yml").read_text(encoding="utf-8")))


def next_open_day(after_days: int) -> date:
    day = datetime.now(HOURS.tz).date() + timedelta(days=after_days)
    while HOURS.closed_reason(day):
        day += timedelta(days=1)
    return day
