"""The rules that read a normalised Danish time wish into days, clock times and windows.

Small regex rules run in a fixed order (relative days and past words, asap, dates, weeks,
clock times, parts of the day, weekdays); each one blanks out the text it used, so a
later rule cannot read the same words again. Words no rule knows are ignored, so filler
("kan jeg få en samtale ... tak") does not matter. What the rules mean:

* Weekdays: "torsdag"/"på torsdag" is the next Thursday strictly after today; "næste
  torsdag" the Thursday of next ISO week; "denne torsdag" of this week; with a week
  ("torsdag i næste uge") that weekday in that week. "man", "tir", "tor" and "fred" are
  ordinary words too, so they count only after på/næste/til/fra/eller/denne or before a
  dash. In a list each plain weekday is the first one after the one before it ("mandag
  eller tirsdag", "man-ons"). A weekday next to an explicit date is ignored.
* Weeks: "næste uge" is Monday-Sunday of next ISO week; "denne uge"/"i ugen"/"resten af
  ugen" today to Sunday; "uge 49" ISO week 49 (next year when passed); "weekend" the coming
  Saturday-Sunday, "næste weekend" the one of next ISO week. "om en uge"/"om 2 dage"/"om en
  måned" is that single day; "i december" the month (from today in the current month);
  "næste måned" the whole next month.
* Dates: "3/12", "d. 3/12", "3.12", "3/12-2026", "03-12-2026", "2026-12-03", "den 3.
  december", "3 dec". Without a year: this year when not passed, "past" when passed within
  RECENT_PAST_DAYS, else next year. "den 3." alone is the next 3rd. A bare "a.b" is a date
  only when b is a month (not "9.05") and it does not follow kl/efter/før/mellem/...
* Clock: "kl 10", "klokken 10", "14:30", "halv 3", "ved 10-tiden", "omkring kl 10" set
  ``at``; the first one counts. Hours 1-7 mean 13-19 (the office is open by day) unless
  morning is said or the hour is zero-padded ("kl 07"); with afternoon/evening words hours
  1-11 are pm.
* Parts of the day: PARTS_OF_DAY; "efter kl 14" sets earliest, "før kl 12" latest
  (exclusive), "mellem 10 og 12"/"kl 10-12" both; "i eftermiddag" also means today.
* "i går", "sidste uge", "for 3 dage siden" are past words; "nu", "hurtigt", "snart" only a
  weak asap (see bot.core.dates.window).

Not handled: negations ("ikke på mandag" reads as Monday), several separate windows,
holiday names as dates ("juleaften"), English, minute phrases other than halv/kvart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Callable, List, Optional, Tuple

from dateutil.relativedelta import relativedelta

from bot.core.dates.normalise import normalise
from bot.core.dates.wish import WishRefused
from bot.core.dates.words import (
    AMBIGUOUS_SHORT_WEEKDAYS,
    CLOCK,
    COUNT,
    FULL_MONTH,
    KL,
    MONTH,
    MONTHS,
    PARTS_OF_DAY,
    TIME_WORDS_BEFORE,
    WEEKDAY,
    WEEKDAYS,
    number_of,
)

RECENT_PAST_DAYS = 30


@dataclass
class Found:
    days: List[Tuple[date, date]] = field(default_factory=list)  # ranges, single days as (d, d)
    explicit_date: bool = False
    week: Optional[Tuple[date, date]] = None
    weekdays: List[Tuple[int, str]] = field(default_factory=list)  # (weekday, "" | "naeste" | "denne")
    past: Optional[str] = None
    asap: bool = False
    asap_weak: bool = False
    at: Optional[time] = None
    windows: List[Tuple[Optional[time], Optional[time]]] = field(default_factory=list)


class Reader:
    def __init__(self, text: str, today: date) -> None:
        self.s = f" {normalise(text)} "
        self.today = today
        self.found = Found()
        self.ampm = self._ampm_context()

    # -- plumbing

    def take(self, pattern: str, accept: Optional[Callable[[re.Match], bool]] = None) -> List[re.Match]:
        """Every match of pattern (accepted by `accept`), blanked out of the text."""
        matches = [m for m in re.finditer(pattern, self.s) if accept is None or accept(m)]
        for m in matches:
            self.s = self.s[: m.start()] + "#" * (m.end() - m.start()) + self.s[m.end() :]
        return matches

    def word_before(self, m: re.Match) -> str:
        before = re.search(r"([a-z]+)\s*$", self.s[: m.start()])
        return before.group(1) if before else ""

    def _ampm_context(self) -> Optional[str]:
        morning = re.search(r"\bmorgenen\b|\btidlig(?:t|e)?\b|\bformiddag", self.s)
        evening = re.search(r"\beftermiddag|\baften", self.s)
        if morning and not evening:
            return "am"
        if evening and not morning:
            return "pm"
        return None

    def clock(self, hour_text: str, minute_text: Optional[str], raw: str) -> time:
        hour = int(hour_text)
        minute = 0
        if minute_text is not None:
            if len(minute_text) != 2:
                raise WishRefused("invalid_time", raw)
            minute = int(minute_text)
        if hour > 23 or minute > 59:
            raise WishRefused("invalid_time", raw)
        zero_padded = len(hour_text) == 2 and hour_text.startswith("0")
        if not zero_padded:
            if self.ampm == "pm" and 1 <= hour <= 11:
                hour += 12
            elif self.ampm is None and 1 <= hour <= 7:
                hour += 12
        return time(hour, minute)

    def clock_from(self, m: re.Match, first: int) -> time:
        """The clock time in groups first (hour) and first+1 (minutes) of m."""
        raw = m.group(first) + (f".{m.group(first + 1)}" if m.group(first + 1) is not None else "")
        return self.clock(m.group(first), m.group(first + 1), raw)

    # -- dates

    def resolve_day_month(self, day: int, month: int, year: Optional[str], raw: str) -> date:
        if year is not None:
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            try:
                result = date(full_year, month, day)
            except ValueError:
                raise WishRefused("invalid_date", raw) from None
            if result < self.today:
                raise WishRefused("past", result.isoformat())
            return result
        try:
            date(2000, month, day)
        except ValueError:
            raise WishRefused("invalid_date", raw) from None
        try:
            this_year = date(self.today.year, month, day)
        except ValueError:  # 29 February in a common year
            this_year = None
        if this_year is not None:
            if this_year >= self.today:
                return this_year
            if (self.today - this_year).days <= RECENT_PAST_DAYS:
                raise WishRefused("past", this_year.isoformat())
        try:
            return date(self.today.year + 1, month, day)
        except ValueError:
            raise WishRefused("invalid_date", raw) from None

    def add_date(self, day: date) -> None:
        self.found.days.append((day, day))
        self.found.explicit_date = True

    def read_dates(self) -> None:
        for m in self.take(r"(?<![\d.:/-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])"):
            self.add_date(self.resolve_day_month(int(m.group(3)), int(m.group(2)), m.group(1), m.group(0).strip()))
        for m in self.take(r"(?<![\d.:/-])(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})(?![\d-])"):
            self.add_date(self.resolve_day_month(int(m.group(1)), int(m.group(2)), m.group(3), m.group(0).strip()))
        slash = r"(?<![\d.:/-])(\d{1,2})\s*/\s*(\d{1,2})(?:[/.-](\d{4}|\d{2})(?![\d/.:-])|\s+(\d{4})(?![\d/.:-]))?(?![\d/])"
        for m in self.take(slash):
            raw = f"{m.group(1)}/{m.group(2)}"
            self.add_date(self.resolve_day_month(int(m.group(1)), int(m.group(2)), m.group(3) or m.group(4), raw))
        named = rf"(?<![\d.:/-])(\d{{1,2}})\.?\s*({MONTH})\b(?:\s+(\d{{4}})(?![\d/.:-]))?"
        for m in self.take(named):
            raw = f"{m.group(1)}. {m.group(2)}"
            self.add_date(self.resolve_day_month(int(m.group(1)), MONTHS[m.group(2)], m.group(3), raw))
        dotted = r"(?<![\d.:/-])\b(?:(d|den)\s+)?(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?![\d/:-]|\.\d)"
        for m in self.take(dotted, self._is_dotted_date):
            raw = f"{m.group(2)}.{m.group(3)}"
            self.add_date(self.resolve_day_month(int(m.group(2)), int(m.group(3)), m.group(4), raw))
        only_day = r"\b(?:d|den)\s+(\d{1,2})\b\.?(?![\d/:-]|\s*(?:dage|dag|uger|uge|timer|time|min)\b)"
        for m in self.take(only_day):
            self.add_date(self.next_day_of_month(int(m.group(1)), m.group(0).strip()))
        for m in self.take(rf"\bi\s+({FULL_MONTH})\b"):
            self.add_month(MONTHS[m.group(1)])
        for _ in self.take(r"\b(?:i\s+)?naeste\s+maaned\b"):
            start = self.today.replace(day=1) + relativedelta(months=1)
            self.found.days.append((start, start + relativedelta(months=1, days=-1)))

    def _is_dotted_date(self, m: re.Match) -> bool:
        if m.group(1) or m.group(4):
            return True
        if self.word_before(m) in TIME_WORDS_BEFORE:
            return False
        day_text, month_text = m.group(2), m.group(3)
        if len(month_text) == 2 and month_text.startswith("0") and not day_text.startswith("0"):
            return False  # "9.05" is five past nine
        return 1 <= int(month_text) <= 12 and 1 <= int(day_text) <= 31

    def next_day_of_month(self, day: int, raw: str) -> date:
        if not 1 <= day <= 31:
            raise WishRefused("invalid_date", raw)
        first = self.today.replace(day=1)
        for months_ahead in range(3):
            month_start = first + relativedelta(months=months_ahead)
            try:
                candidate = month_start.replace(day=day)
            except ValueError:
                continue
            if candidate >= self.today:
                return candidate
        raise WishRefused("invalid_date", raw)  # pragma: no cover - every day 1-31 occurs within 3 months

    def add_month(self, month: int) -> None:
        year = self.today.year if month >= self.today.month else self.today.year + 1
        start = date(year, month, 1)
        end = start + relativedelta(months=1, days=-1)
        self.found.days.append((max(start, self.today), end))

    # -- relative days and weeks

    def read_relative_days(self) -> None:
        today = self.today
        for m in self.take(r"\bi\s+(gaar|forgaars)\b"):
            self.found.past = (today - timedelta(days=1 if m.group(1) == "gaar" else 2)).isoformat()
        for m in self.take(rf"\bfor\s+({COUNT})\s+(dag|dage|uge|uger)\s+siden\b"):
            unit = 7 if m.group(2).startswith("uge") else 1
            self.found.past = (today - timedelta(days=unit * number_of(m.group(1)))).isoformat()
        for m in self.take(rf"\b(?:i\s+)?sidste\s+(uge|weekend|{WEEKDAY})\b"):
            monday_last_week = today - timedelta(days=today.weekday() + 7)
            offset = 5 if m.group(1) == "weekend" else WEEKDAYS.get(m.group(1), 0)
            self.found.past = (monday_last_week + timedelta(days=offset)).isoformat()
        for _ in self.take(r"\bi\s+dag\b"):
            self.found.days.append((today, today))
        for _ in self.take(r"\b(?:i\s+)?overmorgen\b"):
            self.found.days.append((today + timedelta(days=2), today + timedelta(days=2)))
        for _ in self.take(r"\bi\s+morgen\b"):
            self.found.days.append((today + timedelta(days=1), today + timedelta(days=1)))
        for m in self.take(rf"\b(?:om|efter)\s+({COUNT})\s+(dag|dage|uge|uger|maaned|maaneder)\b"):
            count, unit = number_of(m.group(1)), m.group(2)
            if unit.startswith("dag"):
                day = today + relativedelta(days=count)
            elif unit.startswith("uge"):
                day = today + relativedelta(weeks=count)
            else:
                day = today + relativedelta(months=count)
            self.found.days.append((day, day))

    def read_weeks(self) -> None:
        today = self.today
        monday = today - timedelta(days=today.weekday())
        for _ in self.take(r"\b(?:i\s+|til\s+)?naeste\s+weekend(?:en)?\b"):
            self.set_week(monday + timedelta(days=12), monday + timedelta(days=13))
        for _ in self.take(r"\b(?:i\s+|til\s+|denne\s+|i\s+den\s+kommende\s+)?weekend(?:en)?\b"):
            saturday = monday + timedelta(days=5)
            self.set_week(max(saturday, today), monday + timedelta(days=6))
        for _ in self.take(r"\b(?:i\s+|paa\s+)?naeste\s+uge(?:n)?\b"):
            self.set_week(monday + timedelta(days=7), monday + timedelta(days=13))
        this_week = (
            r"\b(?:i\s+|paa\s+)?(?:denne|den\s+her)\s+uge(?:n)?\b"
            r"|\b(?:senere\s+)?i\s+(?:loebet\s+af\s+)?ugen\b|\b(?:i\s+)?resten\s+af\s+ugen\b"
        )
        for _ in self.take(this_week):
            self.set_week(today, monday + timedelta(days=6))
        for m in self.take(r"\b(?:i\s+)?uge\s+(\d{1,2})\b"):
            self.set_week(*self.iso_week(int(m.group(1)), m.group(0).strip()))

    def iso_week(self, week: int, raw: str) -> Tuple[date, date]:
        for year in (self.today.year, self.today.year + 1):
            try:
                start = date.fromisocalendar(year, week, 1)
            except ValueError:
                raise WishRefused("invalid_date", raw) from None
            if start + timedelta(days=6) >= self.today:
                return max(start, self.today), start + timedelta(days=6)
        raise WishRefused("invalid_date", raw)  # pragma: no cover - next year always has the week

    def set_week(self, start: date, end: date) -> None:
        if self.found.week is None:
            self.found.week = (start, end)
        else:  # a second week-like phrase just widens the range
            self.found.days.append((start, end))

    # -- clock times and parts of the day

    def read_times(self) -> None:
        ranges = (
            rf"\b(?:mellem|fra)\s+{KL}?{CLOCK}(?:\s+(?:og|til)\s+|\s*-\s*){KL}?{CLOCK}\b",
            rf"\b{KL}{CLOCK}\s*-\s*{CLOCK}\b(?!\s*-?\s*tiden)",
        )
        for pattern in ranges:
            for m in self.take(pattern):
                self.found.windows.append((self.clock_from(m, 1), self.clock_from(m, 3)))
        around = (
            rf"\b(?:(?:ved|omkring|ca)\s+)?{KL}?{CLOCK}\s*-?\s*tiden\b",
            rf"\b(?:omkring|ca)\s+{KL}?{CLOCK}\b(?![./:-]\d)",
        )
        for pattern in around:
            for m in self.take(pattern):
                self.set_at(self.clock_from(m, 1))
        unit_after = r"(?!\s*(?:dage|dag|uger|uge|timer|time|min|minutter)\b)"
        for m in self.take(rf"\b(?:efter|fra|tidligst|senere\s+end)\s+{KL}?{CLOCK}\b{unit_after}"):
            self.found.windows.append((self.clock_from(m, 1), None))
        for m in self.take(rf"\b(?:(?:foer|inden|senest)\s+{KL}?|for\s+{KL}){CLOCK}\b{unit_after}"):
            self.found.windows.append((None, self.clock_from(m, 1)))
        for m in self.take(rf"\b{KL}{CLOCK}\b"):
            self.set_at(self.clock_from(m, 1))
        for m in self.take(r"(?<![\d/.:-])(\d{1,2})[.:](\d+)(?![\d/:-]|\.\d)"):
            self.set_at(self.clock_from(m, 1))

    def set_at(self, at: time) -> None:
        if self.found.at is None:
            self.found.at = at

    def read_parts_of_day(self) -> None:
        parts = (
            (r"\b(?:(i)\s+|om\s+)?formiddag(?:en)?\b", "formiddag"),
            (r"\b(?:(i)\s+|om\s+)?eftermiddag(?:en)?\b", "eftermiddag"),
            (r"\b(?:(i)\s+|om\s+)?aften(?:en)?\b", "aften"),
            (r"\b(?:om\s+)?morgenen\b|\btidlig(?:t|e)?\b", "morgen"),
        )
        for pattern, part in parts:
            for m in self.take(pattern):
                self.found.windows.append(PARTS_OF_DAY[part])
                if m.groups() and m.group(1):  # "i eftermiddag": this afternoon
                    self.found.days.append((self.today, self.today))

    # -- asap and weekdays

    def read_asap(self) -> None:
        strong = (
            r"\bhurtigst(?:e)?(?:\s+mulig(?:t|e)?)?\b",
            r"\bsnarest(?:e)?(?:\s+mulig(?:t|e)?)?\b",
            r"\btidligst(?:e)?\s+mulig(?:t|e)?\b",
            r"\basap\b",
            r"\bsaa\s+(?:hurtigt|hurtig|snart|tidligt|hurtigst)\s+som\s+(?:det\s+er\s+)?mulig(?:t)?\b",
            r"\bstraks\b",
            r"\bmed\s+det\s+samme\b",
        )
        for pattern in strong:
            if self.take(pattern):
                self.found.asap = True
        for pattern in (r"\b(?:lige\s+)?nu\b", r"\bhurtig(?:t)?\b", r"\bsnart\b"):
            if self.take(pattern):
                self.found.asap_weak = True

    def read_weekdays(self) -> None:
        pattern = rf"\b(?:(paa|til|fra|eller|og)\s+)?(?:(naeste|denne|kommende)\s+)?({WEEKDAY})\b(\s*-)?"
        for m in self.take(pattern, self._is_weekday):
            mode = {"naeste": "naeste", "denne": "denne"}.get(m.group(2) or "", "")
            self.found.weekdays.append((WEEKDAYS[m.group(3)], mode))

    def _is_weekday(self, m: re.Match) -> bool:
        if m.group(3) not in AMBIGUOUS_SHORT_WEEKDAYS:
            return True
        return bool((m.group(1) and m.group(1) != "og") or m.group(2) or m.group(4))

    def weekday_dates(self) -> List[date]:
        today = self.today
        monday = today - timedelta(days=today.weekday())
        result: List[date] = []
        for weekday, mode in self.found.weekdays:
            if self.found.week is not None:
                week_start = self.found.week[0]
                day = week_start - timedelta(days=week_start.weekday()) + timedelta(days=weekday)
            elif mode == "naeste":
                day = monday + timedelta(days=7 + weekday)
            elif mode == "denne":
                day = monday + timedelta(days=weekday)
            else:  # strictly after today, or after the weekday before it ("mandag eller tirsdag")
                after = result[-1] if result else today
                day = after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)
            if day < today:
                raise WishRefused("past", day.isoformat())
            result.append(day)
        return result

    def read(self) -> Found:
        self.read_relative_days()
        self.read_asap()
        self.read_dates()
        self.read_weeks()
        self.read_times()
        self.read_parts_of_day()
        self.read_weekdays()
        found = self.found
        if found.weekdays and not found.explicit_date:
            # "i morgen onsdag": a weekday that only repeats a relative day adds nothing
            repeated = {start.weekday() for start, end in found.days if start == end}
            for day in self.weekday_dates():
                if found.week is not None or day.weekday() not in repeated:
                    found.days.append((day, day))
        elif found.week is not None:
            found.days.append(found.week)
        return found
