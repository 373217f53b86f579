"""From what the rules read to a TimeWish, checked against the horizon and the opening hours.

``parse_time_wish("kan jeg få en tid på torsdag om eftermiddagen?", now)`` gives a
``TimeWish`` or a ``TimeProblem``. Everything is read in the opening hours' timezone
(Europe/Copenhagen by default); ``now`` must be aware. Several days give one range from
the earliest to the latest; several time windows intersect; with ``at`` given, earliest
and latest stay None.

No day at all: a clock time alone is the first day from today on where that time is still
ahead (and, with ``hours``, open); a window alone is today (tomorrow when it has passed)
to today+DEFAULT_SPAN_DAYS; asap is today to today+ASAP_DAYS.

Refusals (``TimeProblem.reason``, ``detail``):
- "not_understood": no time information.
- "past": a past word with no future day, a passed date, clock time or part of today;
  detail is the ISO date, or "YYYY-MM-DD HH:MM" for a clock time.
- "invalid_date" / "invalid_time": detail is the normalised text ("31/2", "25"), or
  "HH:MM-HH:MM" when the wished window is empty.
- "too_far": the first day is past ``horizon_days``; detail is its ISO date. A range
  reaching past the horizon is cut there.
- With ``hours`` only: "closed_day" when every day asked for is closed (detail is the
  first day's ``OpeningHours.closed_reason``); "outside_hours" when no open day fits;
  detail is "HH:MM" for ``at``, "HH:MM-HH:MM" for a window (a side empty when open), else "".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Optional, Tuple, Union
from zoneinfo import ZoneInfo

from bot.core.dates.opening_hours import DEFAULT_TIMEZONE, OpeningHours
from bot.core.dates.reader import Found, Reader
from bot.core.dates.wish import TimeProblem, TimeWish, WishRefused

ASAP_DAYS = 14
DEFAULT_SPAN_DAYS = 14


def _window(found: Found) -> Tuple[Optional[time], Optional[time]]:
    earliest: Optional[time] = None
    latest: Optional[time] = None
    for start, end in found.windows:
        if start is not None:
            earliest = start if earliest is None else max(earliest, start)
        if end is not None:
            latest = end if latest is None else min(latest, end)
    if earliest is not None and latest is not None and earliest >= latest:
        raise WishRefused("invalid_time", f"{earliest:%H:%M}-{latest:%H:%M}")
    return earliest, latest


def _describe(wish: TimeWish) -> str:
    if wish.at is not None:
        return f"{wish.at:%H:%M}"
    if wish.earliest is None and wish.latest is None:
        return ""
    start = f"{wish.earliest:%H:%M}" if wish.earliest else ""
    end = f"{wish.latest:%H:%M}" if wish.latest else ""
    return f"{start}-{end}"


def _fits(hours: OpeningHours, day: date, wish: TimeWish, now: datetime) -> bool:
    """Whether `day` has opening time that matches the wish and is still ahead of now."""
    for opens, closes in hours.intervals_on(day):
        if closes <= now:
            continue
        if wish.at is not None:
            moment = datetime.combine(day, wish.at, tzinfo=hours.tz)
            if opens <= moment < closes and moment > now:
                return True
            continue
        start = max(opens, now)
        if wish.earliest is not None:
            start = max(start, datetime.combine(day, wish.earliest, tzinfo=hours.tz))
        end = closes
        if wish.latest is not None:
            end = min(end, datetime.combine(day, wish.latest, tzinfo=hours.tz))
        if start < end:
            return True
    return False


def _first_day_for(at: time, now: datetime, today: date, hours: Optional[OpeningHours], horizon_days: int) -> date:
    if hours is None:
        return today if at > now.time() else today + timedelta(days=1)
    probe = TimeWish(today, today, at=at)
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        if _fits(hours, day, probe, now):
            return day
    raise WishRefused("outside_hours", f"{at:%H:%M}")


def parse_time_wish(
    text: str,
    now: datetime,
    hours: Optional[OpeningHours] = None,
    horizon_days: int = 180,
) -> Union[TimeWish, TimeProblem]:
    """Reads a Danish time wish (see the module docstring for the conventions)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("parse_time_wish needs a timezone-aware `now`")
    tz = hours.tz if hours is not None else ZoneInfo(DEFAULT_TIMEZONE)
    now = now.astimezone(tz)
    today = now.date()
    try:
        found = Reader(text, today).read()
        wish = _to_wish(found, now, today, hours, horizon_days)
        if hours is not None:
            _check_hours(wish, hours, now)
        return wish
    except WishRefused as problem:
        return problem.problem


def _to_wish(found: Found, now: datetime, today: date, hours: Optional[OpeningHours], horizon_days: int) -> TimeWish:
    earliest, latest = _window(found)
    at = found.at
    if at is not None:
        earliest = latest = None
    asap = found.asap or (found.asap_weak and not found.days)
    horizon = today + timedelta(days=horizon_days)
    if found.days:
        first_day = min(start for start, _ in found.days)
        last_day = max(end for _, end in found.days)
    elif asap:
        first_day, last_day = today, today + timedelta(days=ASAP_DAYS)
    elif at is not None:
        first_day = _first_day_for(at, now, today, hours, horizon_days)
        last_day = first_day
    elif earliest is not None or latest is not None:
        first_day = today if latest is None or latest > now.time() else today + timedelta(days=1)
        last_day = today + timedelta(days=DEFAULT_SPAN_DAYS)
    elif found.past is not None:
        raise WishRefused("past", found.past)
    else:
        raise WishRefused("not_understood")
    if first_day > horizon:
        raise WishRefused("too_far", first_day.isoformat())
    last_day = min(last_day, horizon)
    if first_day == last_day == today:
        if at is not None and at <= now.time():
            raise WishRefused("past", f"{today.isoformat()} {at:%H:%M}")
        if latest is not None and latest <= now.time():
            raise WishRefused("past", f"{today.isoformat()} {latest:%H:%M}")
    return TimeWish(first_day, last_day, earliest, latest, at, asap)


def _check_hours(wish: TimeWish, hours: OpeningHours, now: datetime) -> None:
    days = [wish.first_day + timedelta(days=offset) for offset in range((wish.last_day - wish.first_day).days + 1)]
    open_days = [day for day in days if hours.closed_reason(day) is None]
    if not open_days:
        raise WishRefused("closed_day", hours.closed_reason(wish.first_day) or "")
    if not any(_fits(hours, day, wish, now) for day in open_days):
        raise WishRefused("outside_hours", _describe(wish))
