"""Danish public holidays and the unit's opening hours (bot.core.dates)."""

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core.dates import OpeningHours, danish_public_holidays, holiday_name

CPH = ZoneInfo("Europe/Copenhagen")
PROFILE = yaml.safe_load((Path(__file__).resolve().parents[1] / "profiles" / "aalborg.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hours() -> OpeningHours:
    return OpeningHours.from_profile(PROFILE)


def test_holidays_2026():
    assert danish_public_holidays(2026) == {
        date(2026, 1, 1): "nytårsdag",
        date(2026, 4, 2): "skærtorsdag",
        date(2026, 4, 3): "langfredag",
        date(2026, 4, 5): "påskedag",
        date(2026, 4, 6): "2. påskedag",
        date(2026, 5, 14): "Kristi himmelfartsdag",
        date(2026, 5, 24): "pinsedag",
        date(2026, 5, 25): "2. pinsedag",
        date(2026, 12, 25): "juledag",
        date(2026, 12, 26): "2. juledag",
    }


def test_holidays_2027():
    assert danish_public_holidays(2027) == {
        date(2027, 1, 1): "nytårsdag",
        date(2027, 3, 25): "skærtorsdag",
        date(2027, 3, 26): "langfredag",
        date(2027, 3, 28): "påskedag",
        date(2027, 3, 29): "2. påskedag",
        date(2027, 5, 6): "Kristi himmelfartsdag",
        date(2027, 5, 16): "pinsedag",
        date(2027, 5, 17): "2. pinsedag",
        date(2027, 12, 25): "juledag",
        date(2027, 12, 26): "2. juledag",
    }


@pytest.mark.parametrize("year, store_bededag", [(2024, date(2024, 4, 26)), (2026, date(2026, 5, 1)), (2027, date(2027, 4, 23))])
def test_store_bededag_is_no_longer_a_holiday(year, store_bededag):
    # Store bededag was the fourth Friday after Easter (Easter Sunday + 26 days).
    assert store_bededag.weekday() == 4
    assert store_bededag not in danish_public_holidays(year)
    assert holiday_name(store_bededag) is None
    assert "store bededag" not in {name.lower() for name in danish_public_holidays(year).values()}


def test_holiday_name():
    assert holiday_name(date(2026, 12, 25)) == "juledag"
    assert holiday_name(date(2027, 3, 29)) == "2. påskedag"
    assert holiday_name(date(2026, 12, 24)) is None  # closed by the profile, not by law
    assert holiday_name(date(2026, 6, 5)) is None


def test_profile_weekly_table(hours):
    assert hours.weekly == (
        ((time(9), time(15)),),
        ((time(9), time(15)),),
        ((time(9), time(15)),),
        ((time(9), time(17)),),
        ((time(9), time(13)),),
        (),
        (),
    )
    assert hours.extra_closed_days == frozenset({(6, 5), (12, 24), (12, 31)})
    assert hours.tz == CPH


def test_friday_closes_at_13(hours):
    friday = date(2026, 11, 27)
    assert hours.intervals_on(friday) == [(datetime(2026, 11, 27, 9, tzinfo=CPH), datetime(2026, 11, 27, 13, tzinfo=CPH))]
    assert hours.is_open(datetime(2026, 11, 27, 12, 59, tzinfo=CPH))
    assert not hours.is_open(datetime(2026, 11, 27, 13, 0, tzinfo=CPH))
    assert not hours.is_open(datetime(2026, 11, 27, 8, 59, tzinfo=CPH))


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime(2026, 11, 27, 13, 0, tzinfo=CPH), datetime(2026, 11, 30, 9, tzinfo=CPH)),  # Friday after closing
        (datetime(2026, 11, 24, 8, 0, tzinfo=CPH), datetime(2026, 11, 24, 9, tzinfo=CPH)),  # before opening today
        (datetime(2026, 11, 24, 10, 0, tzinfo=CPH), datetime(2026, 11, 25, 9, tzinfo=CPH)),  # open now: the next one
        (datetime(2026, 12, 23, 16, 0, tzinfo=CPH), datetime(2026, 12, 28, 9, tzinfo=CPH)),  # over Christmas
    ],
)
def test_next_opening(hours, moment, expected):
    assert hours.next_opening(moment) == expected


def test_next_opening_none_when_never_open():
    assert OpeningHours(weekly=[()] * 7).next_opening(datetime(2026, 11, 24, tzinfo=CPH)) is None


@pytest.mark.parametrize(
    "day, reason",
    [
        (date(2026, 11, 28), "lørdag"),
        (date(2026, 11, 29), "søndag"),
        (date(2026, 12, 24), "juleaftensdag"),
        (date(2026, 12, 25), "juledag"),
        (date(2026, 12, 31), "nytårsaftensdag"),
        (date(2026, 6, 5), "grundlovsdag"),
        (date(2027, 3, 29), "2. påskedag"),
        (date(2027, 12, 25), "juledag"),  # a Saturday: the holiday name wins
        (date(2026, 11, 24), None),
        (date(2026, 11, 27), None),
    ],
)
def test_closed_reason(hours, day, reason):
    assert hours.closed_reason(day) == reason
    assert (hours.intervals_on(day) == []) == (reason is not None)


def test_saturday_and_christmas_eve_are_closed(hours):
    assert hours.intervals_on(date(2026, 11, 28)) == []
    assert hours.intervals_on(date(2026, 12, 24)) == []
    assert not hours.is_open(datetime(2026, 12, 24, 10, tzinfo=CPH))


def test_unknown_extra_closed_day_is_a_lukkedag():
    custom = OpeningHours(weekly={0: [(time(9), time(15))]}, extra_closed_days={(3, 16)})
    assert custom.closed_reason(date(2026, 3, 16)) == "lukkedag"
    assert custom.closed_reason(date(2026, 3, 23)) is None
    assert custom.closed_reason(date(2026, 3, 17)) == "tirsdag"


def test_daylight_saving_time(hours):
    # Summer time starts 28 March 2027; 29 March is Easter Monday (closed), 30 March is open.
    assert hours.intervals_on(date(2027, 3, 29)) == []
    winter = hours.intervals_on(date(2027, 3, 24))
    summer = hours.intervals_on(date(2027, 3, 30))
    assert [start.utcoffset() for start, _ in winter] == [timedelta(hours=1)]
    assert [start.utcoffset() for start, _ in summer] == [timedelta(hours=2)]
    assert summer[0][0].isoformat() == "2027-03-30T09:00:00+02:00"
    assert summer[0][1].isoformat() == "2027-03-30T15:00:00+02:00"
    assert hours.is_open(datetime(2027, 3, 30, 7, 0, tzinfo=timezone.utc))  # 09:00 local
    assert not hours.is_open(datetime(2027, 3, 30, 6, 59, tzinfo=timezone.utc))
    assert hours.is_open(datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc))  # 09:00 local in winter


def test_is_open_needs_an_aware_datetime(hours):
    with pytest.raises(ValueError):
        hours.is_open(datetime(2026, 11, 24, 10, 0))


def test_open_days(hours):
    days = list(hours.open_days(date(2026, 12, 21), date(2026, 12, 31)))
    assert days == [date(2026, 12, d) for d in (21, 22, 23, 28, 29, 30)]
    assert list(hours.open_days(date(2026, 12, 31), date(2026, 12, 21))) == []


def test_missing_weekday_is_closed_and_timezone_defaults():
    hours = OpeningHours.from_profile({"opening_hours": {"weekly": {"mon": ["09:00-12:00", "13:00-15:30"]}}})
    assert hours.weekly[0] == ((time(9), time(12)), (time(13), time(15, 30)))
    assert hours.weekly[1:] == ((),) * 6
    assert hours.tz == CPH
    assert hours.extra_closed_days == frozenset()
    assert not hours.is_open(datetime(2026, 11, 23, 12, 30, tzinfo=CPH))  # lunch break
    assert hours.is_open(datetime(2026, 11, 23, 15, 29, tzinfo=CPH))


def _profile(**changes):
    profile = {
        "opening_hours": {"weekly": {"mon": ["09:00-15:00"]}},
        "extra_closed_days": ["12-24"],
        "timezone": "Europe/Copenhagen",
    }
    for key, value in changes.items():
        if key == "weekly":
            profile["opening_hours"]["weekly"] = value
        else:
            profile[key] = value
    return profile


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"weekly": {"mon": ["9-15"]}}, r"opening_hours\.weekly\.mon\[0\].*'9-15'"),
        ({"weekly": {"mon": ["25:00-26:00"]}}, r"impossible time"),
        ({"weekly": {"mon": ["09:60-10:00"]}}, r"impossible time"),
        ({"weekly": {"mon": ["15:00-09:00"]}}, r"ends before it starts"),
        ({"weekly": {"mon": ["09:00-09:00"]}}, r"ends before it starts"),
        ({"weekly": {"mon": ["09:00-12:00", "11:00-15:00"]}}, r"overlap"),
        ({"weekly": {"mon": "09:00-15:00"}}, r"must be a list"),
        ({"weekly": {"monday": ["09:00-15:00"]}}, r"unknown weekday keys \['monday'\]"),
        ({"weekly": ["09:00-15:00"]}, r"must map mon\.\.sun"),
        ({"weekly": {"tue": [900]}}, r"not an interval"),
        ({"extra_closed_days": ["12/24"]}, r"extra_closed_days\[0\].*'MM-DD'"),
        ({"extra_closed_days": ["02-30"]}, r"does not exist"),
        ({"extra_closed_days": "12-24"}, r"must be a list"),
        ({"timezone": "Europe/Aarhus"}, r"not a known IANA timezone"),
    ],
)
def test_from_profile_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        OpeningHours.from_profile(_profile(**changes))


def test_constructor_validates_too():
    with pytest.raises(ValueError, match="7 weekdays"):
        OpeningHours(weekly=((),) * 6)
    with pytest.raises(ValueError, match="keys must be weekdays"):
        OpeningHours(weekly={7: []})
    with pytest.raises(ValueError):
        OpeningHours(weekly={0: [(time(15), time(9))]})


def test_opening_hours_is_hashable_and_frozen(hours):
    assert hash(hours) == hash(OpeningHours.from_profile(PROFILE))
    with pytest.raises(AttributeError):
        hours.tz = ZoneInfo("UTC")
