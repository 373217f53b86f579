"""The words and patterns the time-wish rules know: months, weekdays, counts, clock times."""

from __future__ import annotations

from datetime import time
from typing import Dict, Tuple

PARTS_OF_DAY: Dict[str, Tuple[time, time]] = {
    "morgen": (time(8), time(10)),
    "formiddag": (time(9), time(12)),
    "eftermiddag": (time(12), time(17)),
    "aften": (time(17), time(22)),
}

MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marts": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
FULL_MONTH = "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"

WEEKDAYS = {
    "mandag": 0, "mandagen": 0, "man": 0, "tirsdag": 1, "tirsdagen": 1, "tirs": 1, "tir": 1,
    "onsdag": 2, "onsdagen": 2, "ons": 2, "torsdag": 3, "torsdagen": 3, "tors": 3, "tor": 3,
    "fredag": 4, "fredagen": 4, "fre": 4, "fred": 4, "loerdag": 5, "loerdagen": 5, "loer": 5,
    "soendag": 6, "soendagen": 6, "soen": 6,
}  # fmt: skip
WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
AMBIGUOUS_SHORT_WEEKDAYS = {"man", "tir", "tor", "fred"}

COUNTS = {"en": 1, "et": 1, "et par": 2, "par": 2, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
           "otte": 8, "ni": 9, "ti": 10, "fjorten": 14}  # fmt: skip
COUNT = "|".join(sorted(COUNTS, key=len, reverse=True)) + r"|\d{1,3}"

# A bare "a.b" after one of these words is a clock time ("efter 10.10"), not a date.
TIME_WORDS_BEFORE = frozenset("kl klokken efter foer for inden mellem fra til og omkring ca ved senest".split())

CLOCK = r"(\d{1,2})(?:[.:](\d+))?"  # hour, optional minutes
KL = r"(?:kl\s*|klokken\s*)"


def number_of(word: str) -> int:
    return COUNTS[word] if word in COUNTS else int(word)
