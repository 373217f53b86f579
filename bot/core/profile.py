"""The municipality profile: everything local to one municipality, read from YAML."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping

import yaml

from bot.core.dates import OpeningHours
from bot.core.settings import PathSettings


class ProfileError(ValueError):
    """The profile file is missing a required value."""


@dataclass(frozen=True)
class MunicipalityProfile:
    profile_id: str
    municipality_name: str
    unit_name: str
    contact_name: str
    address: str
    phone: str
    website: str
    age_min: int
    age_max: int
    opening_hours_verified: bool
    opening_hours_text: str
    services: Mapping[str, bool]
    hours: OpeningHours
    booking_retention_days: int
    conversation_retention_days: int
    closed_case_retention_days: int
    handoff_wait_minutes: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MunicipalityProfile:
        try:
            contact = data["contact"]
            hours = data.get("opening_hours") or {}
            privacy = data.get("privacy") or {}
            profile = cls(
                profile_id=str(data["id"]),
                municipality_name=str(data["municipality_name"]),
                unit_name=str(data["unit_name"]),
                contact_name=str(contact["name"]),
                address=str(contact["address"]),
                phone=str(contact["phone"]),
                website=str(contact["website"]),
                age_min=int(data["age_range"]["min"]),
                age_max=int(data["age_range"]["max"]),
                opening_hours_verified=bool(hours.get("verified", False)),
                opening_hours_text=str(hours.get("text") or ""),
                services={k: bool(v) for k, v in (data.get("services") or {}).items()},
                hours=OpeningHours.from_profile(data),
                booking_retention_days=int(privacy.get("booking_retention_days", 30)),
                conversation_retention_days=int(privacy.get("conversation_retention_days", 30)),
                closed_case_retention_days=int(privacy.get("closed_case_retention_days", 90)),
                handoff_wait_minutes=int((data.get("handoff") or {}).get("expected_wait_minutes", 15)),
            )
        except (KeyError, TypeError, ValueError) as missing:
            raise ProfileError(f"municipality profile lacks {missing}") from missing
        if profile.age_min >= profile.age_max:
            raise ProfileError("age_range.min must be below age_range.max")
        if profile.opening_hours_verified and not profile.opening_hours_text:
            raise ProfileError("verified opening hours need opening_hours.text")
        return profile

    def slot_values(self) -> Dict[str, Any]:
        """The values the responses use, keyed by slot name (see domain.yml)."""
        return {
            "municipality_name": self.municipality_name,
            "unit_name": self.unit_name,
            "contact_name": self.contact_name,
            "unit_address": self.address,
            "unit_phone": self.phone,
            "unit_website": self.website,
            "opening_hours_text": self.opening_hours_text,
            "opening_hours_verified": self.opening_hours_verified,
            "offers_cv_workshop": self.services.get("cv_workshop", False),
            "offers_apprentice_club": self.services.get("apprentice_club", False),
            "offers_company_consultants": self.services.get("company_consultants", False),
            "conversation_retention_days": str(self.conversation_retention_days),
            "closed_case_retention_days": str(self.closed_case_retention_days),
        }


def load_profile(path: Path) -> MunicipalityProfile:
    with path.open(encoding="utf-8") as handle:
        return MunicipalityProfile.from_mapping(yaml.safe_load(handle) or {})


@lru_cache(maxsize=1)
def current_profile() -> MunicipalityProfile:
    """The profile named by $VEJVISER_PROFILE, Aalborg's by default (read once)."""
    return load_profile(PathSettings.from_env().profile)
