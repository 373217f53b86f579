"""Danish words for times and channels in the booking texts (labels from actions/content)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

LABELS = Path(__file__).resolve().parent / "booking_labels.yml"


@lru_cache(maxsize=1)
def labels() -> Dict[str, Any]:
    return yaml.safe_load(LABELS.read_text(encoding="utf-8"))


def when_text(start: datetime) -> str:
    """ "torsdag d. 26. november kl. 10.00" (the time in the unit's own time zone)."""
    names = labels()
    return f"{names['weekdays'][start.weekday()]} d. {start.day}. {names['months'][start.month - 1]} kl. {start:%H.%M}"


def button_text(start: datetime) -> str:
    """ "tor 26/11 kl 10.00": short enough for a button on a phone."""
    return f"{labels()['weekdays_short'][start.weekday()]} {start.day}/{start.month} kl {start:%H.%M}"


def channel_label(channel: str) -> str:
    return labels()["channels"].get(channel, channel)
