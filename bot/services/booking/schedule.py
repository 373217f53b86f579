"""Free times: the unit's opening hours cut into slots, minus holidays, the past and
times every suitable advisor already has booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.dates import OpeningHours
from bot.services.booking.models import BOOKED, Advisor, Booking


@dataclass(frozen=True)
class TimeWindow:
    """Where to look for free times (the booking service's view of a user's wish)."""

    first_day: date
    last_day: date
    earliest: Optional[time] = None
    latest: Optional[time] = None
    at: Optional[time] = None


def to_utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_utc_naive(moment: datetime, hours: OpeningHours) -> datetime:
    return moment.replace(tzinfo=timezone.utc).astimezone(hours.tz)


class Schedule:
    def __init__(self, hours: OpeningHours, slot_minutes: int, min_notice_minutes: int, horizon_days: int) -> None:
        self.hours = hours
        self.slot = timedelta(minutes=slot_minutes)
        self.min_notice = timedelta(minutes=min_notice_minutes)
        self.horizon = timedelta(days=horizon_days)

    def starts_on(self, day: date) -> Iterator[datetime]:
        """Every slot start inside the opening hours of `day` (none on closed days)."""
        for opens, closes in self.hours.intervals_on(day):
            start = opens
            while start + self.slot <= closes:
                yield start
                start += self.slot

    def problem_with_start(self, start: datetime, now: datetime) -> Optional[str]:
        """Why `start` cannot be booked (a short machine reason), or None when it can."""
        if start.tzinfo is None:
            return "start_without_timezone"
        local = start.astimezone(self.hours.tz)
        if local < now + self.min_notice:
            return "start_too_soon"
        if local > now + self.horizon:
            return "start_too_far"
        if self.hours.closed_reason(local.date()):
            return "closed_day"
        if local not in set(self.starts_on(local.date())):
            return "not_a_slot"
        return None

    def free_times(
        self, session: Session, topic: str, window: TimeWindow, now: datetime, limit: int
    ) -> List[Tuple[datetime, datetime]]:
        """Up to `limit` free start times for `topic` in `window`, best first.

        With a clock time asked for, the nearest times on the earliest days come first;
        otherwise the first free time of each day (spread over days, so the user gets a
        real choice), then the rest in time order."""
        advisors = suitable_advisors(session, topic)
        if not advisors:
            return []
        first = max(window.first_day, now.date())
        last = min(window.last_day, (now + self.horizon).date())
        taken = booked_starts(session, [a.id for a in advisors], self.day_start(first), self.day_start(last + timedelta(days=1)))
        candidates: List[datetime] = []
        day = first
        while day <= last:
            for start in self.starts_on(day):
                if start < now + self.min_notice or not self._fits(start, window):
                    continue
                if any((a.id, to_utc_naive(start)) not in taken for a in advisors):
                    candidates.append(start)
            day += timedelta(days=1)
        return [(start, start + self.slot) for start in rank(candidates, window.at, limit)]

    def day_start(self, day: date) -> datetime:
        return to_utc_naive(datetime.combine(day, time(0), tzinfo=self.hours.tz))

    def _fits(self, start: datetime, window: TimeWindow) -> bool:
        clock = start.timetz().replace(tzinfo=None)
        end = (start + self.slot).timetz().replace(tzinfo=None)
        if window.earliest and clock < window.earliest:
            return False
        if window.latest and end > window.latest:
            return False
        return True

    def pick_advisor(self, session: Session, topic: str, start: datetime, prefer: Optional[int] = None) -> Optional[Advisor]:
        """A suitable advisor free at `start`: the preferred one, else the least busy that day."""
        advisors = suitable_advisors(session, topic)
        moment = to_utc_naive(start)
        taken = booked_starts(session, [a.id for a in advisors], moment, moment + self.slot)
        free = [a for a in advisors if (a.id, moment) not in taken]
        if not free:
            return None
        for advisor in free:
            if advisor.id == prefer:
                return advisor
        day_from = self.day_start(start.astimezone(self.hours.tz).date())
        load = bookings_per_advisor(session, [a.id for a in free], day_from, day_from + timedelta(days=1))
        return min(free, key=lambda a: (load.get(a.id, 0), a.id))


def rank(candidates: Sequence[datetime], at: Optional[time], limit: int) -> List[datetime]:
    if at is not None:

        def distance(start: datetime) -> Tuple[date, float]:
            wished = datetime.combine(start.date(), at, tzinfo=start.tzinfo)
            return start.date(), abs((start - wished).total_seconds())

        return sorted(candidates, key=distance)[:limit]
    chosen: List[datetime] = []
    days_seen: Set[date] = set()
    for start in candidates:  # first free time of each day
        if start.date() not in days_seen:
            days_seen.add(start.date())
            chosen.append(start)
    for start in candidates:  # then fill up in time order
        if start not in chosen:
            chosen.append(start)
    return sorted(chosen[:limit])


def suitable_advisors(session: Session, topic: str) -> List[Advisor]:
    advisors = session.execute(select(Advisor).where(Advisor.active.is_(True)).order_by(Advisor.id)).scalars()
    return [a for a in advisors if a.handles(topic)]


def booked_starts(session: Session, advisor_ids: Iterable[int], start: datetime, end: datetime) -> Set[Tuple[int, datetime]]:
    rows = session.execute(
        select(Booking.advisor_id, Booking.starts_at).where(
            Booking.status == BOOKED,
            Booking.advisor_id.in_(list(advisor_ids)),
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
    )
    return {(advisor_id, starts_at) for advisor_id, starts_at in rows}


def bookings_per_advisor(session: Session, advisor_ids: Iterable[int], start: datetime, end: datetime) -> Dict[int, int]:
    rows = session.execute(
        select(Booking.advisor_id, func.count())
        .where(
            Booking.status == BOOKED,
            Booking.advisor_id.in_(list(advisor_ids)),
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .group_by(Booking.advisor_id)
    )
    return dict(rows.all())
