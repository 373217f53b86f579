"""Reading Danish time wishes: one table of expressions against a fixed `now`.

`now` is Tuesday 24 November 2026 09:30 in Copenhagen; the opening hours are
Aalborg's profile (Mon-Wed 9-15, Thu 9-17, Fri 9-13, weekend closed, plus 5/6,
24/12 and 31/12 closed besides the public holidays).
"""

from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core.dates import OpeningHours, TimeProblem, TimeWish, normalise, parse_time_wish

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=CPH)  # a Tuesday
PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "aalborg.yml"
HOURS = OpeningHours.from_profile(yaml.safe_load(PROFILE.read_text(encoding="utf-8")))


def d(day: int, month: int, year: int = 2026) -> date:
    return date(year, month, day)


def t(hour: int, minute: int = 0) -> time:
    return time(hour, minute)


def wish(
    first: date,
    last: Optional[date] = None,
    earliest: Optional[time] = None,
    latest: Optional[time] = None,
    at: Optional[time] = None,
    asap: bool = False,
) -> TimeWish:
    return TimeWish(first, last or first, earliest, latest, at, asap)


TODAY, TOMORROW, THURSDAY, FRIDAY = d(24, 11), d(25, 11), d(26, 11), d(27, 11)
TWO_WEEKS = d(8, 12)  # today + 14: the asap / part-of-day-only range
NEXT_MONDAY, NEXT_SUNDAY = d(30, 11), d(6, 12)
DEC_3 = d(3, 12)

TABLE = [
    # relative days
    ("i morgen kl 10", wish(TOMORROW, at=t(10))),
    ("imorgen kl 10", wish(TOMORROW, at=t(10))),
    ("i morgen kl. 10.00", wish(TOMORROW, at=t(10))),
    ("kl 10 i morgen", wish(TOMORROW, at=t(10))),
    ("gerne i morgen tak", wish(TOMORROW)),
    ("i dag", wish(TODAY)),
    ("idag", wish(TODAY)),
    ("i overmorgen", wish(THURSDAY)),
    ("jeg kan ikke i går men i morgen", wish(TOMORROW)),
    ("i morgen eller i overmorgen", wish(TOMORROW, THURSDAY)),
    ("om en uge", wish(d(1, 12))),
    ("om 2 dage", wish(THURSDAY)),
    ("om to dage", wish(THURSDAY)),
    ("om 3 uger", wish(d(15, 12))),
    # weekdays
    ("på torsdag", wish(THURSDAY)),
    ("pa torsdag", wish(THURSDAY)),
    ("kan jeg få en samtale med en vejleder på torsdag?", wish(THURSDAY)),
    ("Kan jeg komme TORSDAG kl 14?", wish(THURSDAY, at=t(14))),
    ("tors", wish(THURSDAY)),
    ("fre", wish(FRIDAY)),
    ("tirsdag", wish(d(1, 12))),  # today is Tuesday: strictly after today
    ("tirs", wish(d(1, 12))),
    ("næste torsdag", wish(DEC_3)),  # Thursday of next calendar week
    ("naeste torsdag", wish(DEC_3)),
    ("torsdag i næste uge", wish(DEC_3)),
    ("næste uge torsdag kl 16", wish(DEC_3, at=t(16))),
    ("mandag eller tirsdag", wish(NEXT_MONDAY, d(1, 12))),
    ("man-ons", wish(NEXT_MONDAY, d(2, 12))),
    ("fredag eller lørdag", wish(FRIDAY, d(28, 11))),
    ("mandag d. 30/11", wish(NEXT_MONDAY)),
    ("torsdg eftermidag", wish(THURSDAY, earliest=t(12), latest=t(17))),
    # weeks and months
    ("næste uge", wish(NEXT_MONDAY, NEXT_SUNDAY)),
    ("næste uge om eftermiddagen", wish(NEXT_MONDAY, NEXT_SUNDAY, t(12), t(17))),
    ("naste uge om eftermiddagen", wish(NEXT_MONDAY, NEXT_SUNDAY, t(12), t(17))),
    ("i naeste uge", wish(NEXT_MONDAY, NEXT_SUNDAY)),
    ("i denne uge", wish(TODAY, d(29, 11))),
    ("i ugen", wish(TODAY, d(29, 11))),
    ("uge 49", wish(NEXT_MONDAY, NEXT_SUNDAY)),
    ("i december", wish(d(1, 12), d(31, 12))),
    # dates
    ("d. 3/12 kl. 14.30", wish(DEC_3, at=t(14, 30))),
    ("den 3/12", wish(DEC_3)),
    ("3/12", wish(DEC_3)),
    ("3.12", wish(DEC_3)),
    ("3/12-2026", wish(DEC_3)),
    ("03-12-2026", wish(DEC_3)),
    ("2026-12-03", wish(DEC_3)),
    ("den 3. december", wish(DEC_3)),
    ("3 dec", wish(DEC_3)),
    ("3. dec.", wish(DEC_3)),
    ("den 3.", wish(DEC_3)),
    # clock times only: the first day from today on where the time is ahead and open
    ("kl 10", wish(TODAY, at=t(10))),
    ("kl ti", wish(TODAY, at=t(10))),
    ("kl 14:30", wish(TODAY, at=t(14, 30))),
    ("klokken 14.30", wish(TODAY, at=t(14, 30))),
    ("14.30", wish(TODAY, at=t(14, 30))),
    ("halv 3", wish(TODAY, at=t(14, 30))),
    ("halv tre", wish(TODAY, at=t(14, 30))),
    ("kvart over 10", wish(TODAY, at=t(10, 15))),
    ("kvart i 11", wish(TODAY, at=t(10, 45))),
    ("ved 10-tiden", wish(TODAY, at=t(10))),
    ("omkring kl 10", wish(TODAY, at=t(10))),
    ("kl 3", wish(THURSDAY, at=t(15))),  # Tue and Wed close at 15:00
    ("kl 3 om eftermiddagen", wish(THURSDAY, at=t(15))),
    ("kl 16", wish(THURSDAY, at=t(16))),
    # parts of the day
    ("om formiddagen", wish(TODAY, TWO_WEEKS, t(9), t(12))),
    ("i eftermiddag", wish(TODAY, TODAY, t(12), t(17))),
    ("i morgen tidlig", wish(TOMORROW, TOMORROW, t(8), t(10))),
    ("på torsdag om eftermiddagen", wish(THURSDAY, THURSDAY, t(12), t(17))),
    ("fredag efter kl 11", wish(FRIDAY, FRIDAY, earliest=t(11))),
    ("jeg kan bedst efter skole, så efter kl 15", wish(TODAY, TWO_WEEKS, earliest=t(15))),
    ("mellem 10 og 12", wish(TODAY, TWO_WEEKS, t(10), t(12))),
    ("i morgen mellem kl 10 og 12", wish(TOMORROW, TOMORROW, t(10), t(12))),
    ("før kl 12", wish(TODAY, TWO_WEEKS, latest=t(12))),
    ("inden kl 12", wish(TODAY, TWO_WEEKS, latest=t(12))),
    # as soon as possible
    ("hurtigst muligt", wish(TODAY, TWO_WEEKS, asap=True)),
    ("hurtigst mulig", wish(TODAY, TWO_WEEKS, asap=True)),
    ("snarest", wish(TODAY, TWO_WEEKS, asap=True)),
    ("asap", wish(TODAY, TWO_WEEKS, asap=True)),
    ("så hurtigt som muligt", wish(TODAY, TWO_WEEKS, asap=True)),
    ("saa hurtigt som muligt", wish(TODAY, TWO_WEEKS, asap=True)),
    ("sa hurtigt som muligt", wish(TODAY, TWO_WEEKS, asap=True)),
    ("lige nu", wish(TODAY, TWO_WEEKS, asap=True)),
    ("hurtigst muligt om eftermiddagen", wish(TODAY, TWO_WEEKS, t(12), t(17), asap=True)),
    # closed days
    ("lørdag", TimeProblem("closed_day", "lørdag")),
    ("lordag", TimeProblem("closed_day", "lørdag")),
    ("i weekenden", TimeProblem("closed_day", "lørdag")),
    ("d 28", TimeProblem("closed_day", "lørdag")),
    ("25/12", TimeProblem("closed_day", "juledag")),
    ("d. 25/12", TimeProblem("closed_day", "juledag")),
    ("29/3", TimeProblem("closed_day", "2. påskedag")),  # 29 March has passed: 2027, Easter Monday
    ("24/12", TimeProblem("closed_day", "juleaftensdag")),
    ("31/12", TimeProblem("closed_day", "nytårsaftensdag")),
    ("1/1", TimeProblem("closed_day", "nytårsdag")),
    # outside opening hours
    ("i morgen kl 20", TimeProblem("outside_hours", "20:00")),
    ("fredag kl 14", TimeProblem("outside_hours", "14:00")),  # Friday closes 13:00
    ("fredag efter kl 14", TimeProblem("outside_hours", "14:00-")),
    ("i aften", TimeProblem("outside_hours", "17:00-22:00")),
    ("kl 7 om morgenen", TimeProblem("outside_hours", "07:00")),
    # the past
    ("i dag kl 8", TimeProblem("past", "2026-11-24 08:00")),
    ("idag kl 9", TimeProblem("past", "2026-11-24 09:00")),
    ("i går", TimeProblem("past", "2026-11-23")),
    ("igår", TimeProblem("past", "2026-11-23")),
    ("igar", TimeProblem("past", "2026-11-23")),
    ("i forgårs", TimeProblem("past", "2026-11-22")),
    ("20/11", TimeProblem("past", "2026-11-20")),
    ("2025-12-01", TimeProblem("past", "2025-12-01")),
    ("denne mandag", TimeProblem("past", "2026-11-23")),
    # impossible values
    ("kl 25", TimeProblem("invalid_time", "25")),
    ("kl 10.75", TimeProblem("invalid_time", "10.75")),
    ("efter kl 16 om formiddagen", TimeProblem("invalid_time", "16:00-12:00")),
    ("31/2", TimeProblem("invalid_date", "31/2")),
    ("32/1", TimeProblem("invalid_date", "32/1")),
    # beyond the 180-day horizon (2027-05-23)
    ("d. 1/9 2027", TimeProblem("too_far", "2027-09-01")),
    ("4/6", TimeProblem("too_far", "2027-06-04")),
    # no time information
    ("hej", TimeProblem("not_understood")),
    ("jeg vil gerne tale med en vejleder", TimeProblem("not_understood")),
    ("man kan godt", TimeProblem("not_understood")),
]


@pytest.mark.parametrize("text, expected", TABLE, ids=[text for text, _ in TABLE])
def test_table(text, expected):
    assert parse_time_wish(text, NOW, HOURS) == expected


def test_table_is_large_and_covers_every_reason():
    assert len(TABLE) >= 60
    reasons = {expected.reason for _, expected in TABLE if isinstance(expected, TimeProblem)}
    assert reasons == {"not_understood", "past", "invalid_time", "invalid_date", "closed_day", "outside_hours", "too_far"}


WITHOUT_HOURS = [
    ("lørdag", wish(d(28, 11))),
    ("i weekenden", wish(d(28, 11), d(29, 11))),
    ("25/12", wish(d(25, 12))),
    ("i morgen kl 20", wish(TOMORROW, at=t(20))),
    ("kl 8", wish(TOMORROW, at=t(8))),  # 08:00 has passed today
    ("kl 10", wish(TODAY, at=t(10))),
    ("i dag kl 8", TimeProblem("past", "2026-11-24 08:00")),
]


@pytest.mark.parametrize("text, expected", WITHOUT_HOURS, ids=[text for text, _ in WITHOUT_HOURS])
def test_without_opening_hours_only_the_calendar_counts(text, expected):
    assert parse_time_wish(text, NOW) == expected


def test_now_in_another_timezone_is_read_in_copenhagen():
    utc_now = datetime(2026, 11, 24, 8, 30, tzinfo=timezone.utc)  # 09:30 in Copenhagen
    assert parse_time_wish("i dag kl 9", utc_now, HOURS) == TimeProblem("past", "2026-11-24 09:00")
    assert parse_time_wish("kl 10", utc_now, HOURS) == wish(TODAY, at=t(10))


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        parse_time_wish("i morgen", datetime(2026, 11, 24, 9, 30))


def test_horizon_is_configurable_and_cuts_ranges():
    assert parse_time_wish("d. 3/12", NOW, HOURS, horizon_days=5) == TimeProblem("too_far", "2026-12-03")
    assert parse_time_wish("i december", NOW, HOURS, horizon_days=10) == wish(d(1, 12), d(4, 12))


def test_a_range_is_refused_only_when_every_day_is_closed():
    # 24/12 is closed but the rest of the week is not: the slot search skips it.
    tuesday = datetime(2026, 12, 22, 9, 30, tzinfo=CPH)
    assert parse_time_wish("i denne uge", tuesday, HOURS) == wish(d(22, 12), d(27, 12))
    assert parse_time_wish("resten af ugen", datetime(2026, 12, 24, 9, 0, tzinfo=CPH), HOURS) == TimeProblem(
        "closed_day", "juleaftensdag"
    )


def test_today_after_closing_time_is_outside_hours():
    late = datetime(2026, 11, 24, 15, 30, tzinfo=CPH)
    assert parse_time_wish("i dag", late, HOURS) == TimeProblem("outside_hours", "")
    assert parse_time_wish("om formiddagen", late, HOURS) == wish(TOMORROW, TWO_WEEKS, t(9), t(12))


@pytest.mark.parametrize(
    "text, folded",
    [
        ("På Lørdag!", "paa loerdag"),
        ("imorgen kl.10", "i morgen kl 10"),
        ("halv 3", "kl 2.30"),
        ("kvart i to", "kl 1.45"),
        ("d. 3/12", "d 3/12"),
        ("jeg kan næsten altid", "jeg kan naesten altid"),
    ],
)
def test_normalise(text, folded):
    assert normalise(text) == folded
