"""Danish public holidays (the days municipal offices are closed everywhere).

Store bededag is not included: it stopped being a public holiday in 2024. Days that
are usually closed but are not public holidays (grundlovsdag, 24 and 31 December)
belong in the municipality profile's ``extra_closed_days``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Dict, Optional, Tuple

from dateutil.easter import easter

# Offset in days from Easter Sunday.
_EASTER_BASED: Tuple[Tuple[int, str], ...] = (
    (-3, "skærtorsdag"),
    (-2, "langfredag"),
    (0, "påskedag"),
    (1, "2. påskedag"),
    (39, "Kristi himmelfartsdag"),
    (49, "pinsedag"),
    (50, "2. pinsedag"),
)

# Fixed dates (month, day).
_FIXED: Tuple[Tuple[int, int, str], ...] = (
    (1, 1, "nytårsdag"),
    (12, 25, "juledag"),
    (12, 26, "2. juledag"),
)


@lru_cache(maxsize=64)
def _holidays(year: int) -> Tuple[Tuple[date, str], ...]:
    sunday = easter(year)
    days = {date(year, month, day): name for month, day, name in _FIXED}
    days.update({sunday + timedelta(days=offset): name for offset, name in _EASTER_BASED})
    return tuple(sorted(days.items()))


def danish_public_holidays(year: int) -> Dict[date, str]:
    """Every Danish public holiday of `year`, in date order, with its Danish name."""
    return dict(_holidays(year))


def holiday_name(day: date) -> Optional[str]:
    """The Danish name of the public holiday on `day`, or None on an ordinary day."""
    return dict(_holidays(day.year)).get(day)
