"""Dates for booking talks: Danish public holidays, the unit's opening hours, and
reading a young person's Danish time wish ("i morgen kl 10", "på torsdag") as a
window to search for free advisor times in.

The time wish is read in steps, one module each: normalise (the typed text), words and
reader (the regex rules), window (days and clock windows, horizon and opening hours);
wish holds the result types."""

from bot.core.dates.holidays import danish_public_holidays, holiday_name
from bot.core.dates.normalise import normalise
from bot.core.dates.opening_hours import OpeningHours
from bot.core.dates.window import parse_time_wish
from bot.core.dates.wish import REASONS, TimeProblem, TimeWish

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
