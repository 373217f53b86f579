"""Municipality profiles with fixed staffing for hand-off tests, and a client for the staff relay."""

import secrets
from pathlib import Path
from typing import Any, Dict

import requests
import yaml

from tests.harness.services import ROOT

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def profile_with_hours(tmp: Path, interval: str | None) -> Path:
    """Aalborg's profile with the same opening interval every day (None: never open)."""
    data = yaml.safe_load((ROOT / "profiles" / "aalborg.yml").read_text(encoding="utf-8"))
    data["opening_hours"]["weekly"] = {day: [interval] if interval else [] for day in DAYS}
    data["extra_closed_days"] = []
    path = tmp / "profile.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def always_staffed(tmp: Path) -> Path:
    # Public holidays stay closed: the tests avoid relying on today not being one.
    return profile_with_hours(tmp, "00:00-23:59")


def never_staffed(tmp: Path) -> Path:
    return profile_with_hours(tmp, None)


class StaffRelay:
    """The staff desk's calls to Rasa (bot/rasa/channels/staff.py), as the desk makes them."""

    def __init__(self, rasa_url: str, token: str | None = None) -> None:
        self.url = f"{rasa_url}/webhooks/staff"
        self.token = token or secrets.token_urlsafe(32)

    def call(self, what: str, token: str | None = None, **body: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return requests.post(f"{self.url}/{what}", json=body, headers=headers, timeout=30)

    def ok(self, what: str, **body: Any) -> Dict[str, Any]:
        response = self.call(what, **body)
        assert response.status_code == 200, response.text
        return response.json()
