"""A unit's weekly opening hours, with public holidays and extra closed days.

The table comes from the municipality profile (see profiles/aalborg.yml)::

    opening_hours:
      weekly:
        mon: ["09:00-15:00"]
        ...
        sat: []
    extra_closed_days: ["06-05", "12-24", "12-31"]
    timezone: Europe/Copenhagen

A weekday missing from ``weekly`` (or with an empty list) is closed. Times are local
wall-clock times in the profile's timezone, so a talk at 09:00 stays at 09:00 across
the daylight saving changes. An interval is half-open: "09:00-15:00" is open from 09:00
up to, not including, 15:00. Intervals cannot pass midnight ("24:00" is not accepted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.dates.holidays import holiday_name

DEFAULT_TIMEZONE = "Europe/Copenhagen"
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
EXTRA_CLOSED_NAMES = {(6, 5): "grundlovsdag", (12, 24): "juleaftensdag", (12, 31): "nytårsaftensdag"}
DEFAULT_CLOSED_NAME = "lukkedag"

Interval = Tuple[time, time]

_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")


def _clock(hour: str, minute: str, where: str, raw: str) -> time:
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        raise ValueError(f"{where}: {raw!r} has an impossible time of day")
    return time(h, m)


def parse_interval(raw: Any, where: str = "interval") -> Interval:
    """Reads one "HH:MM-HH:MM" string; raises ValueError when it is malformed."""
    match = _INTERVAL.match(raw) if isinstance(raw, str) else None
    if not match:
        raise ValueError(f"{where}: {raw!r} is not an interval written as 'HH:MM-HH:MM'")
    start = _clock(match.group(1), match.group(2), where, raw)
    end = _clock(match.group(3), match.group(4), where, raw)
    if end <= start:
        raise ValueError(f"{where}: {raw!r} ends before it starts")
    return start, end


def parse_month_day(raw: Any, where: str = "extra_closed_days") -> Tuple[int, int]:
    """Reads one "MM-DD" string; raises ValueError when it is malformed or impossible."""
    match = _MONTH_DAY.match(raw) if isinstance(raw, str) else None
    if not match:
        raise ValueError(f"{where}: {raw!r} is not a day written as 'MM-DD'")
    month, day = int(match.group(1)), int(match.group(2))
    _check_month_day(month, day, where)
    return month, day


def _check_month_day(month: int, day: int, where: str) -> None:
    try:
        date(2000, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        raise ValueError(f"{where}: month {month}, day {day} does not exist") from None


def _check_day(intervals: Iterable[Interval], where: str) -> Tuple[Interval, ...]:
    checked = []
    for start, end in intervals:
        if not isinstance(start, time) or not isinstance(end, time) or end <= start:
            raise ValueError(f"{where}: ({start!r}, {end!r}) is not a (start, end) pair of times with start < end")
        checked.append((start, end))
    checked.sort()
    for (_, first_end), (second_start, _) in pairwise(checked):
        if second_start < first_end:
            raise ValueError(f"{where}: intervals overlap")
    return tuple(checked)


def _zone(tz: Any) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone: {tz!r} is not a known IANA timezone") from None


@dataclass(frozen=True)
class OpeningHours:
    """When the unit is open.

    weekly: seven entries, Monday (0) to Sunday (6), each a tuple of (start, end) local
        times. A mapping {weekday: intervals} is accepted too and converted.
    extra_closed_days: (month, day) pairs closed every year besides the public holidays.
    tz: the zone the wall-clock times are in.
    """

    weekly: Tuple[Tuple[Interval, ...], ...]
    extra_closed_days: frozenset = field(default_factory=frozenset)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))

    def __post_init__(self) -> None:
        weekly: Any = self.weekly
        if isinstance(weekly, Mapping):
            unknown = [key for key in weekly if key not in range(7)]
            if unknown:
                raise ValueError(f"weekly: keys must be weekdays 0-6, got {unknown!r}")
            rows = [weekly.get(day, ()) for day in range(7)]
        else:
            rows = list(weekly)
            if len(rows) != 7:
                raise ValueError(f"weekly: needs 7 weekdays (Monday first), got {len(rows)}")
        table = tuple(_check_day(row, f"weekly[{WEEKDAY_KEYS[day]}]") for day, row in enumerate(rows))
        closed = frozenset((int(month), int(day)) for month, day in self.extra_closed_days)
        for month, day in closed:
            _check_month_day(month, day, "extra_closed_days")
        object.__setattr__(self, "weekly", table)
        object.__setattr__(self, "extra_closed_days", closed)
        object.__setattr__(self, "tz", _zone(self.tz))

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any]) -> "OpeningHours":
        """Builds the hours from a municipality profile dict (profiles/<id>.yml loaded).

        Raises ValueError naming the offending key when a value is malformed, e.g.
        "9-15", "25:00-26:00", an interval that ends before it starts, an unknown
        weekday key or an unknown timezone.
        """
        section = profile.get("opening_hours") or {}
        if not isinstance(section, Mapping):
            raise ValueError("opening_hours: must be a mapping with a 'weekly' table")
        weekly_raw = section.get("weekly") or {}
        if not isinstance(weekly_raw, Mapping):
            raise ValueError("opening_hours.weekly: must map mon..sun to lists of 'HH:MM-HH:MM'")
        unknown = [key for key in weekly_raw if key not in WEEKDAY_KEYS]
        if unknown:
            raise ValueError(f"opening_hours.weekly: unknown weekday keys {unknown!r} (use {', '.join(WEEKDAY_KEYS)})")
        weekly = {}
        for day, key in enumerate(WEEKDAY_KEYS):
            values = weekly_raw.get(key) or []
            where = f"opening_hours.weekly.{key}"
            if not isinstance(values, (list, tuple)):
                raise ValueError(f"{where}: must be a list of 'HH:MM-HH:MM' strings, got {values!r}")
            weekly[day] = [parse_interval(value, f"{where}[{index}]") for index, value in enumerate(values)]
        closed_raw = profile.get("extra_closed_days") or []
        if not isinstance(closed_raw, (list, tuple)):
            raise ValueError(f"extra_closed_days: must be a list of 'MM-DD' strings, got {closed_raw!r}")
        closed = frozenset(parse_month_day(value, f"extra_closed_days[{index}]") for index, value in enumerate(closed_raw))
        rows = tuple(tuple(weekly[day]) for day in range(7))
        return cls(weekly=rows, extra_closed_days=closed, tz=_zone(profile.get("timezone") or DEFAULT_TIMEZONE))

    def closed_reason(self, day: date) -> Optional[str]:
        """Why the unit is closed on `day`, or None when it has opening hours that day.

        The reason is a short machine-readable name, checked in this order:
        the public holiday's name ("juledag", "2. påskedag"), the extra closed day's
        name ("grundlovsdag", "juleaftensdag", "nytårsaftensdag", otherwise "lukkedag"),
        or the Danish weekday name ("lørdag") when the weekly table has no hours that
        weekday.
        """
        holiday = holiday_name(day)
        if holiday:
            return holiday
        if (day.month, day.day) in self.extra_closed_days:
            return EXTRA_CLOSED_NAMES.get((day.month, day.day), DEFAULT_CLOSED_NAME)
        if not self.weekly[day.weekday()]:
            return WEEKDAY_NAMES[day.weekday()]
        return None

    def intervals_on(self, day: date) -> List[Tuple[datetime, datetime]]:
        """The opening intervals of `day` as aware datetimes in self.tz; empty when closed."""
        if self.closed_reason(day) is not None:
            return []
        return [
            (datetime.combine(day, start, tzinfo=self.tz), datetime.combine(day, end, tzinfo=self.tz))
            for start, end in self.weekly[day.weekday()]
        ]

    def is_open(self, moment: datetime) -> bool:
        """Whether the unit is open at `moment` (an aware datetime in any timezone)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("is_open needs a timezone-aware datetime")
        local_day = moment.astimezone(self.tz).date()
        return any(start <= moment < end for start, end in self.intervals_on(local_day))

    def next_opening(self, moment: datetime, within_days: int = 31) -> Optional[datetime]:
        """When the unit next opens after `moment` (aware), or None if not within the days given.

        While it is open, this is the start of the next interval, not the current one."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("next_opening needs a timezone-aware datetime")
        first = moment.astimezone(self.tz).date()
        for day in self.open_days(first, first + timedelta(days=within_days)):
            for start, _end in self.intervals_on(day):
                if start > moment:
                    return start
        return None

    def open_days(self, start: date, end: date) -> Iterator[date]:
        """The days from `start` to `end`, both included, on which the unit is open."""
        day = start
        while day <= end:
            if self.closed_reason(day) is None:
                yield day
            day += timedelta(days=1)
