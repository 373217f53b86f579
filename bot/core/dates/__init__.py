"""Dates for booking talks: Danish public holidays, the unit's opening hours, and
reading a young person's Danish time wish ("i morgen kl 10", "på torsdag") as a
window to search for free advisor times in."""

from bot.core.dates.danish_time import REASONS, TimeProblem, TimeWish, normalise, parse_time_wish
from bot.core.dates.holidays import danish_public_holidays, holiday_name
from bot.core.dates.opening_hours import OpeningHours

__all__ = [
    "REASONS",
    "OpeningHours",
    "TimeProblem",
    "TimeWish",
    "danish_public_holidays",
    "holiday_name",
    "normalise",
    "parse_time_wish",
]
