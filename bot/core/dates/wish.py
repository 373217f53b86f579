"""What a read time wish becomes: a TimeWish to search in, or a TimeProblem saying why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Optional


@dataclass(frozen=True)
class TimeWish:
    """Where to look for a free time: days first_day..last_day (both included)."""

    first_day: date
    last_day: date
    earliest: Optional[time] = None
    latest: Optional[time] = None
    at: Optional[time] = None
    asap: bool = False


@dataclass(frozen=True)
class TimeProblem:
    """Why a wish cannot be used; reason is one of REASONS."""

    reason: str
    detail: str = ""


REASONS = ("not_understood", "past", "invalid_time", "invalid_date", "closed_day", "outside_hours", "too_far")


class WishRefused(Exception):
    """Raised inside the reader and the window checks; parse_time_wish returns its problem."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.problem = TimeProblem(reason, detail)
