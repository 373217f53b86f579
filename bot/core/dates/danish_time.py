"""Read when a young person wants a talk, written in Danish the way it is typed on a phone.

``parse_time_wish("kan jeg få en tid på torsdag om eftermiddagen?", now)`` gives a
``TimeWish`` (a window to search for free advisor times in) or a ``TimeProblem`` (why
the wish cannot be used, so the bot can ask again).

How the text is read
--------------------
The text is normalised first: lower case, æ/ø/å folded to ae/oe/aa, phone spellings
without those letters mapped to the same form ("pa" -> "paa", "lordag" -> "loerdag",
"naste" -> "naeste", "imorgen" -> "i morgen", "idag" -> "i dag"), a one-letter typo in a
longer key word corrected ("torsdg" -> "torsdag", "eftermidag" -> "eftermiddag"), and
clock phrases rewritten to digits ("halv 3" -> "kl 2.30", "kvart i 11" -> "kl 10.45",
"kl ti" -> "kl 10"). Small regex rules then run in a fixed order (relative days and
past words, asap, dates, weeks, clock times, parts of the day, weekdays); each rule
blanks out the text it used, so a later rule cannot read the same words again. Words
no rule knows are ignored, so filler ("kan jeg få en samtale ... tak") does not matter.

Conventions
-----------
* Everything is read in the opening hours' timezone (Europe/Copenhagen by default);
  ``now`` may be in any timezone but must be aware.
* Weekdays: "torsdag" and "på torsdag" mean the next Thursday strictly after today (on
  a Thursday that is in 7 days). "næste torsdag" means the Thursday of next calendar
  (ISO) week; "denne torsdag" the Thursday of this week. A weekday together with a week
  ("torsdag i næste uge", "fredag i denne uge") is that weekday in that week. Short
  forms: man, tirs, tir, ons, tors, tor, fre, fred, lør, søn; "man", "tir", "tor" and
  "fred" are also ordinary words, so they count only after "på"/"næste"/"til"/"fra"/
  "eller"/"denne" or before a dash ("man-ons").
* Several days ("mandag eller tirsdag", "i morgen eller fredag", "man-ons") give one
  range from the earliest to the latest day. In a list of plain weekdays each one after
  the first is the first such weekday after the one before it, so "mandag eller
  tirsdag" is next Monday and the Tuesday after it, and "man-ons" is Monday-Wednesday.
  A weekday next to an explicit date ("torsdag d. 3/12") is ignored: the date wins.
* Weeks: "næste uge" is Monday-Sunday of next ISO week; "denne uge"/"i ugen"/"resten af
  ugen" is today to Sunday; "uge 49" is ISO week 49 (this year, next year when passed).
  "weekend"/"i weekenden" is the coming Saturday-Sunday (today-Sunday at the weekend);
  "næste weekend" is the weekend of next ISO week.
* "om en uge", "om 2 dage", "om to uger", "om en måned": that single day.
  "i december": the month (from today when it is the current month); "næste måned":
  the whole next month.
* Dates: "3/12", "d. 3/12", "3.12", "3/12-2026", "3/12 2026", "03-12-2026", "2026-12-03",
  "den 3. december", "3 dec". Without a year: this year when the date has not passed,
  "past" when it passed within the last 30 days, otherwise next year. An explicit
  year in the past is "past". "den 3." alone is the next 3rd of a month. A bare "a.b"
  is a date only when b is a month (1-12, "9.05" with a zero-padded b and unpadded a is
  a time) and it does not follow kl/efter/før/mellem/...; otherwise it is a clock time.
* Clock: "kl 10", "kl. 10", "klokken 10", "kl 14.30", "14:30", "halv 3", "kvart over 10",
  "kvart i 11", "ved 10-tiden", "omkring kl 10" all set ``at``. Hours 1-7 mean the
  afternoon (13-19) because the office is open in the daytime, unless "om morgenen",
  "tidlig" or "formiddag" is said, or the hour is zero-padded ("kl 07"); with "om
  aftenen"/"eftermiddag" hours 1-11 mean the afternoon/evening. When ``at`` is given,
  parts of the day and efter/før only decide am/pm; ``earliest``/``latest`` stay None.
  With more than one clock time the first one counts.
* Parts of the day: morgen/tidlig 08-10, formiddag 09-12, eftermiddag 12-17, aften
  17-22; "efter kl 14" sets earliest, "før/inden kl 12" sets latest (exclusive),
  "mellem 10 og 12"/"fra 10 til 12"/"kl 10-12" sets both; several windows intersect.
  "i formiddag", "i eftermiddag", "i aften" also mean today.
* No day at all: a clock time alone ("kl 10") is the first day from today on where
  that time is still ahead (and, with ``hours``, open); a part of the day alone is the
  range today (tomorrow when today's part has passed) to today+14; asap is today to
  today+14. "nu", "lige nu", "hurtigt" and "snart" only mean asap when no day is given.
* Refusals (``TimeProblem.reason``, ``detail``):
  - "not_understood": no time information.
  - "past": "i går", "i forgårs", "sidste uge", "for 3 dage siden" when no future day is
    given too, a passed date, a clock time or part of today that has passed; detail is
    the ISO date ("2026-11-23"), or "YYYY-MM-DD HH:MM" for a clock time.
  - "invalid_date" / "invalid_time": detail is the text as normalised ("31/2", "25"),
    or "HH:MM-HH:MM" when the wished window is empty ("efter kl 16 om formiddagen").
  - "too_far": the first day is more than ``horizon_days`` ahead; detail is its ISO
    date. A range reaching past the horizon is cut at the horizon.
  - With ``hours`` only: "closed_day" when every day asked for is closed (detail is the
    first day's ``OpeningHours.closed_reason``: "juledag", "juleaftensdag", "lørdag");
    "outside_hours" when no open day in the range has ``at`` inside its opening hours
    (or the wished part of the day overlapping them, or any opening time left today);
    detail is "HH:MM" for ``at``, "HH:MM-HH:MM" for a window (a side left empty when
    open) and "" otherwise.

Not handled: negations ("ikke på mandag" reads as Monday), several separate windows
("før 10 eller efter 14" gives invalid_time), holiday names as dates ("juleaften"),
English, and minute phrases other than halv/kvart ("ti over 3").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Dict, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.core.dates.opening_hours import DEFAULT_TIMEZONE, OpeningHours

ASAP_DAYS = 14
DEFAULT_SPAN_DAYS = 14
RECENT_PAST_DAYS = 30

PARTS_OF_DAY: Dict[str, Tuple[time, time]] = {
    "morgen": (time(8), time(10)),
    "formiddag": (time(9), time(12)),
    "eftermiddag": (time(12), time(17)),
    "aften": (time(17), time(22)),
}


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


class _Problem(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.problem = TimeProblem(reason, detail)


# ---------------------------------------------------------------- normalising

_LETTER_FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "é": "e", "–": "-", "—": "-"})

_ALIASES = {
    "idag": "i dag",
    "igaar": "i gaar",
    "igar": "i gaar",
    "gar": "gaar",
    "iforgaars": "i forgaars",
    "iforgars": "i forgaars",
    "forgars": "forgaars",
    "imorgen": "i morgen",
    "imorn": "i morgen",
    "imoren": "i morgen",
    "morn": "morgen",
    "iovermorgen": "i overmorgen",
    "overmorn": "overmorgen",
    "iaften": "i aften",
    "iformiddag": "i formiddag",
    "ieftermiddag": "i eftermiddag",
    "iweekenden": "i weekenden",
    "iweekend": "i weekend",
    "inaeste": "i naeste",
    "iugen": "i ugen",
    "pa": "paa",
    "sa": "saa",
    "naste": "naeste",
    "nste": "naeste",
    "nate": "naeste",
    "lordag": "loerdag",
    "lor": "loer",
    "sondag": "soendag",
    "son": "soen",
    "maned": "maaned",
    "manad": "maaned",
    "klokka": "klokken",
    "klok": "klokken",
    "kll": "kl",
    "klo": "kl",
    "muli": "mulig",
    "asp": "asap",
    "cirka": "ca",
    "circa": "ca",
    "lobet": "loebet",
    "morgn": "morgen",
    "imorgn": "i morgen",
    "tirsd": "tirsdag",
    "onsd": "onsdag",
    "torsd": "torsdag",
    "lord": "loerdag",
    "loerd": "loerdag",
}

# Real words one letter away from a key word, never corrected ("næsten" is not "næste").
_NOT_TYPOS = frozenset({"naesten", "mulige", "tidlige", "klokke", "morgan", "borgen"})

# Key words a one-letter typo is corrected to (only words of 6+ letters are corrected).
_VOCABULARY = (
    "mandag tirsdag onsdag torsdag fredag loerdag soendag januar februar august september oktober november "
    "december morgen morgenen overmorgen formiddag formiddagen eftermiddag eftermiddagen aftenen weekend "
    "weekenden hurtigst hurtigt muligt snarest klokken mellem naeste omkring tidligt tidlig tidligst "
    "forgaars maaned"
).split()
_VOCABULARY_SET = frozenset(_VOCABULARY)

_WORD_NUMBERS = {
    "et": 1, "en": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
    "otte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12,
}  # fmt: skip
_WORD_NUMBER = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))


def _one_edit_apart(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _correct_word(word: str) -> str:
    if word in _ALIASES:
        return _ALIASES[word]
    if len(word) < 6 or word in _VOCABULARY_SET or word in _NOT_TYPOS:
        return word
    close = [known for known in _VOCABULARY if _one_edit_apart(word, known)]
    return close[0] if len(close) == 1 else word


def _halv(match: re.Match) -> str:
    hour = int(match.group(1))
    if hour == 0 or hour > 24:
        return "kl 99.30"  # impossible, reported as invalid_time
    return f"kl {12 if hour == 1 else hour - 1}.30"


def _kvart(match: re.Match) -> str:
    hour = int(match.group(2))
    if match.group(1) == "over":
        return f"kl {hour}.15"
    if hour == 0 or hour > 24:
        return "kl 99.45"
    return f"kl {12 if hour == 1 else hour - 1}.45"


def normalise(text: str) -> str:
    """Lower-cased, æøå-folded, typo-corrected text with clock phrases as digits."""
    s = unicodedata.normalize("NFC", text).lower()
    s = re.sub(r"([a-zæøå])\1{2,}", r"\1", s)  # "hurtiiigst" -> "hurtigst"
    s = s.translate(_LETTER_FOLDS)
    s = re.sub(r"(?<!\d)\.", " ", s)  # "kl." "d." "dec." lose the dot, "3." and "14.30" keep it
    s = re.sub(r"(?<!\d):|:(?!\d)", " ", s)
    s = re.sub(r"[^a-z0-9./:\- ]", " ", s)
    s = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", s)  # "kl10" -> "kl 10", "3dec" -> "3 dec"
    s = re.sub(r"[a-z]+", lambda m: _correct_word(m.group(0)), s)
    s = re.sub(
        rf"\b(kl|klokken|halv|kvart over|kvart i)\s+({_WORD_NUMBER})\b", lambda m: f"{m.group(1)} {_WORD_NUMBERS[m.group(2)]}", s
    )
    s = re.sub(rf"\b({_WORD_NUMBER})(\s*-?\s*tiden)\b", lambda m: f"{_WORD_NUMBERS[m.group(1)]}{m.group(2)}", s)
    s = re.sub(
        rf"\bmellem\s+({_WORD_NUMBER})\s+og\s+({_WORD_NUMBER})\b",
        lambda m: f"mellem {_WORD_NUMBERS[m.group(1)]} og {_WORD_NUMBERS[m.group(2)]}",
        s,
    )
    s = re.sub(r"\b(?:kl\s+|klokken\s+)?halv\s+(\d{1,2})\b", _halv, s)
    s = re.sub(r"\b(?:kl\s+|klokken\s+)?kvart\s+(over|i)\s+(\d{1,2})\b", _kvart, s)
    return re.sub(r"\s+", " ", s).strip()


# ---------------------------------------------------------------- vocabulary of the rules

_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marts": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_FULL_MONTH = "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"

_WEEKDAYS = {
    "mandag": 0, "mandagen": 0, "man": 0, "tirsdag": 1, "tirsdagen": 1, "tirs": 1, "tir": 1,
    "onsdag": 2, "onsdagen": 2, "ons": 2, "torsdag": 3, "torsdagen": 3, "tors": 3, "tor": 3,
    "fredag": 4, "fredagen": 4, "fre": 4, "fred": 4, "loerdag": 5, "loerdagen": 5, "loer": 5,
    "soendag": 6, "soendagen": 6, "soen": 6,
}  # fmt: skip
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_AMBIGUOUS_SHORT_WEEKDAYS = {"man", "tir", "tor", "fred"}

_COUNTS = {"en": 1, "et": 1, "et par": 2, "par": 2, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
           "otte": 8, "ni": 9, "ti": 10, "fjorten": 14}  # fmt: skip
_COUNT = "|".join(sorted(_COUNTS, key=len, reverse=True)) + r"|\d{1,3}"

# A bare "a.b" after one of these words is a clock time ("efter 10.10"), not a date.
_TIME_WORDS_BEFORE = frozenset("kl klokken efter foer for inden mellem fra til og omkring ca ved senest".split())

_CLOCK = r"(\d{1,2})(?:[.:](\d+))?"  # hour, optional minutes
_KL = r"(?:kl\s*|klokken\s*)"


def _count(word: str) -> int:
    return _COUNTS[word] if word in _COUNTS else int(word)


# ---------------------------------------------------------------- the reader


@dataclass
class _Found:
    days: List[Tuple[date, date]] = field(default_factory=list)  # ranges, single days as (d, d)
    explicit_date: bool = False
    week: Optional[Tuple[date, date]] = None
    weekdays: List[Tuple[int, str]] = field(default_factory=list)  # (weekday, "" | "naeste" | "denne")
    past: Optional[str] = None
    asap: bool = False
    asap_weak: bool = False
    at: Optional[time] = None
    windows: List[Tuple[Optional[time], Optional[time]]] = field(default_factory=list)


class _Reader:
    def __init__(self, text: str, today: date) -> None:
        self.s = f" {normalise(text)} "
        self.today = today
        self.found = _Found()
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
                raise _Problem("invalid_time", raw)
            minute = int(minute_text)
        if hour > 23 or minute > 59:
            raise _Problem("invalid_time", raw)
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
                raise _Problem("invalid_date", raw) from None
            if result < self.today:
                raise _Problem("past", result.isoformat())
            return result
        try:
            date(2000, month, day)
        except ValueError:
            raise _Problem("invalid_date", raw) from None
        try:
            this_year = date(self.today.year, month, day)
        except ValueError:  # 29 February in a common year
            this_year = None
        if this_year is not None:
            if this_year >= self.today:
                return this_year
            if (self.today - this_year).days <= RECENT_PAST_DAYS:
                raise _Problem("past", this_year.isoformat())
        try:
            return date(self.today.year + 1, month, day)
        except ValueError:
            raise _Problem("invalid_date", raw) from None

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
        named = rf"(?<![\d.:/-])(\d{{1,2}})\.?\s*({_MONTH})\b(?:\s+(\d{{4}})(?![\d/.:-]))?"
        for m in self.take(named):
            raw = f"{m.group(1)}. {m.group(2)}"
            self.add_date(self.resolve_day_month(int(m.group(1)), _MONTHS[m.group(2)], m.group(3), raw))
        dotted = r"(?<![\d.:/-])\b(?:(d|den)\s+)?(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?![\d/:-]|\.\d)"
        for m in self.take(dotted, self._is_dotted_date):
            raw = f"{m.group(2)}.{m.group(3)}"
            self.add_date(self.resolve_day_month(int(m.group(2)), int(m.group(3)), m.group(4), raw))
        only_day = r"\b(?:d|den)\s+(\d{1,2})\b\.?(?![\d/:-]|\s*(?:dage|dag|uger|uge|timer|time|min)\b)"
        for m in self.take(only_day):
            self.add_date(self.next_day_of_month(int(m.group(1)), m.group(0).strip()))
        for m in self.take(rf"\bi\s+({_FULL_MONTH})\b"):
            self.add_month(_MONTHS[m.group(1)])
        for _ in self.take(r"\b(?:i\s+)?naeste\s+maaned\b"):
            start = self.today.replace(day=1) + relativedelta(months=1)
            self.found.days.append((start, start + relativedelta(months=1, days=-1)))

    def _is_dotted_date(self, m: re.Match) -> bool:
        if m.group(1) or m.group(4):
            return True
        if self.word_before(m) in _TIME_WORDS_BEFORE:
            return False
        day_text, month_text = m.group(2), m.group(3)
        if len(month_text) == 2 and month_text.startswith("0") and not day_text.startswith("0"):
            return False  # "9.05" is five past nine
        return 1 <= int(month_text) <= 12 and 1 <= int(day_text) <= 31

    def next_day_of_month(self, day: int, raw: str) -> date:
        if not 1 <= day <= 31:
            raise _Problem("invalid_date", raw)
        first = self.today.replace(day=1)
        for months_ahead in range(3):
            month_start = first + relativedelta(months=months_ahead)
            try:
                candidate = month_start.replace(day=day)
            except ValueError:
                continue
            if candidate >= self.today:
                return candidate
        raise _Problem("invalid_date", raw)  # pragma: no cover - every day 1-31 occurs within 3 months

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
        for m in self.take(rf"\bfor\s+({_COUNT})\s+(dag|dage|uge|uger)\s+siden\b"):
            unit = 7 if m.group(2).startswith("uge") else 1
            self.found.past = (today - timedelta(days=unit * _count(m.group(1)))).isoformat()
        for m in self.take(rf"\b(?:i\s+)?sidste\s+(uge|weekend|{_WEEKDAY})\b"):
            monday_last_week = today - timedelta(days=today.weekday() + 7)
            offset = 5 if m.group(1) == "weekend" else _WEEKDAYS.get(m.group(1), 0)
            self.found.past = (monday_last_week + timedelta(days=offset)).isoformat()
        for _ in self.take(r"\bi\s+dag\b"):
            self.found.days.append((today, today))
        for _ in self.take(r"\b(?:i\s+)?overmorgen\b"):
            self.found.days.append((today + timedelta(days=2), today + timedelta(days=2)))
        for _ in self.take(r"\bi\s+morgen\b"):
            self.found.days.append((today + timedelta(days=1), today + timedelta(days=1)))
        for m in self.take(rf"\b(?:om|efter)\s+({_COUNT})\s+(dag|dage|uge|uger|maaned|maaneder)\b"):
            count, unit = _count(m.group(1)), m.group(2)
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
                raise _Problem("invalid_date", raw) from None
            if start + timedelta(days=6) >= self.today:
                return max(start, self.today), start + timedelta(days=6)
        raise _Problem("invalid_date", raw)  # pragma: no cover - next year always has the week

    def set_week(self, start: date, end: date) -> None:
        if self.found.week is None:
            self.found.week = (start, end)
        else:  # a second week-like phrase just widens the range
            self.found.days.append((start, end))

    # -- clock times and parts of the day

    def read_times(self) -> None:
        ranges = (
            rf"\b(?:mellem|fra)\s+{_KL}?{_CLOCK}(?:\s+(?:og|til)\s+|\s*-\s*){_KL}?{_CLOCK}\b",
            rf"\b{_KL}{_CLOCK}\s*-\s*{_CLOCK}\b(?!\s*-?\s*tiden)",
        )
        for pattern in ranges:
            for m in self.take(pattern):
                self.found.windows.append((self.clock_from(m, 1), self.clock_from(m, 3)))
        around = (
            rf"\b(?:(?:ved|omkring|ca)\s+)?{_KL}?{_CLOCK}\s*-?\s*tiden\b",
            rf"\b(?:omkring|ca)\s+{_KL}?{_CLOCK}\b(?![./:-]\d)",
        )
        for pattern in around:
            for m in self.take(pattern):
                self.set_at(self.clock_from(m, 1))
        unit_after = r"(?!\s*(?:dage|dag|uger|uge|timer|time|min|minutter)\b)"
        for m in self.take(rf"\b(?:efter|fra|tidligst|senere\s+end)\s+{_KL}?{_CLOCK}\b{unit_after}"):
            self.found.windows.append((self.clock_from(m, 1), None))
        for m in self.take(rf"\b(?:(?:foer|inden|senest)\s+{_KL}?|for\s+{_KL}){_CLOCK}\b{unit_after}"):
            self.found.windows.append((None, self.clock_from(m, 1)))
        for m in self.take(rf"\b{_KL}{_CLOCK}\b"):
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
        pattern = rf"\b(?:(paa|til|fra|eller|og)\s+)?(?:(naeste|denne|kommende)\s+)?({_WEEKDAY})\b(\s*-)?"
        for m in self.take(pattern, self._is_weekday):
            mode = {"naeste": "naeste", "denne": "denne"}.get(m.group(2) or "", "")
            self.found.weekdays.append((_WEEKDAYS[m.group(3)], mode))

    def _is_weekday(self, m: re.Match) -> bool:
        if m.group(3) not in _AMBIGUOUS_SHORT_WEEKDAYS:
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
                raise _Problem("past", day.isoformat())
            result.append(day)
        return result

    def read(self) -> _Found:
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


# ---------------------------------------------------------------- from what was found to a wish


def _window(found: _Found) -> Tuple[Optional[time], Optional[time]]:
    earliest: Optional[time] = None
    latest: Optional[time] = None
    for start, end in found.windows:
        if start is not None:
            earliest = start if earliest is None else max(earliest, start)
        if end is not None:
            latest = end if latest is None else min(latest, end)
    if earliest is not None and latest is not None and earliest >= latest:
        raise _Problem("invalid_time", f"{earliest:%H:%M}-{latest:%H:%M}")
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
    raise _Problem("outside_hours", f"{at:%H:%M}")


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
        found = _Reader(text, today).read()
        wish = _to_wish(found, now, today, hours, horizon_days)
        if hours is not None:
            _check_hours(wish, hours, now)
        return wish
    except _Problem as problem:
        return problem.problem


def _to_wish(found: _Found, now: datetime, today: date, hours: Optional[OpeningHours], horizon_days: int) -> TimeWish:
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
        raise _Problem("past", found.past)
    else:
        raise _Problem("not_understood")
    if first_day > horizon:
        raise _Problem("too_far", first_day.isoformat())
    last_day = min(last_day, horizon)
    if first_day == last_day == today:
        if at is not None and at <= now.time():
            raise _Problem("past", f"{today.isoformat()} {at:%H:%M}")
        if latest is not None and latest <= now.time():
            raise _Problem("past", f"{today.isoformat()} {latest:%H:%M}")
    return TimeWish(first_day, last_day, earliest, latest, at, asap)


def _check_hours(wish: TimeWish, hours: OpeningHours, now: datetime) -> None:
    days = [wish.first_day + timedelta(days=offset) for offset in range((wish.last_day - wish.first_day).days + 1)]
    open_days = [day for day in days if hours.closed_reason(day) is None]
    if not open_days:
        raise _Problem("closed_day", hours.closed_reason(wish.first_day) or "")
    if not any(_fits(hours, day, wish, now) for day in open_days):
        raise _Problem("outside_hours", _describe(wish))
