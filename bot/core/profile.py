"""The municipality profile: everything local to one municipality, read from YAML and checked.

`python -m bot.core.profile` checks every file in profiles/ (exit 1 on any error);
`python -m bot.core.profile --current` only the one $VEJVISER_PROFILE names, so a launcher
can refuse to start anything on an invalid profile.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from bot.core.dates import OpeningHours
from bot.core.paths import PROFILES_DIR, PROJECT_ROOT
from bot.core.profile_schema import ProfileSchemaError, check

DEFAULT_PROFILE = PROFILES_DIR / "aalborg.yml"
PROFILE_ENV = "VEJVISER_PROFILE"


class ProfileError(ValueError):
    """The profile is not valid; the message is one line naming the file and the field."""


@dataclass(frozen=True)
class AdvisorEntry:
    """One advisor as the profile lists them; the booking service seeds its table from these."""

    key: str
    display_name: str
    team: str
    topics: Tuple[str, ...]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AdvisorEntry:
        topics = tuple(str(topic) for topic in data.get("topics") or [])
        return cls(str(data["key"]), str(data["display_name"]), str(data["team"]), topics)


@dataclass(frozen=True)
class MunicipalityProfile:
    profile_id: str
    municipality_name: str
    unit_name: str
    contact_name: str
    # What the assistant says: the value when verified, otherwise where to find it.
    address: str
    phone: str
    website: str
    address_verified: bool
    phone_verified: bool
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
    advisors: Tuple[AdvisorEntry, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MunicipalityProfile:
        try:
            checked = check(data)
        except ProfileSchemaError as problem:
            raise ProfileError(str(problem)) from None
        contact, hours, privacy = checked.contact, checked.opening_hours, checked.privacy
        # Unverified values are never stated: the assistant sends the user to the website.
        phone = contact.phone.stated or f"det nummer, der står på {contact.website}"
        address = contact.address.stated or f"se adressen på {contact.website}"
        return cls(
            profile_id=checked.id,
            municipality_name=checked.municipality_name,
            unit_name=checked.unit_name,
            contact_name=contact.name,
            address=address,
            phone=phone,
            website=contact.website,
            address_verified=contact.address.verified,
            phone_verified=contact.phone.verified,
            age_min=checked.age_range.min,
            age_max=checked.age_range.max,
            opening_hours_verified=hours.verified,
            opening_hours_text=hours.text,
            services=checked.services.dict(),
            hours=OpeningHours.from_profile(data),
            advisors=tuple(AdvisorEntry.from_mapping(advisor.dict(exclude={"verified"})) for advisor in checked.advisors),
            booking_retention_days=privacy.booking_retention_days,
            conversation_retention_days=privacy.conversation_retention_days,
            closed_case_retention_days=privacy.closed_case_retention_days,
            handoff_wait_minutes=checked.handoff.expected_wait_minutes,
        )

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


def shown(path: Path) -> str:
    """The path as the error line shows it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_profile(path: Path) -> MunicipalityProfile:
    """The checked profile; ProfileError "<file>: <field>: <problem>" when it is not valid."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ProfileError(f"{shown(path)}: cannot be read ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ProfileError(f"{shown(path)}: is not valid YAML{line}") from None
    try:
        return MunicipalityProfile.from_mapping(data)
    except ProfileError as problem:
        raise ProfileError(f"{shown(path)}: {problem}") from None


def profile_path(env: Optional[Mapping[str, str]] = None) -> Path:
    """The file $VEJVISER_PROFILE names, Aalborg's by default."""
    env = os.environ if env is None else env
    return Path(env.get(PROFILE_ENV) or DEFAULT_PROFILE)


@lru_cache(maxsize=1)
def current_profile() -> MunicipalityProfile:
    """The profile named by $VEJVISER_PROFILE, Aalborg's by default (read once)."""
    return load_profile(profile_path())


def check_files(paths: List[Path]) -> List[str]:
    """One error line per invalid file; empty when all are valid."""
    errors = []
    for path in paths:
        try:
            load_profile(path)
        except ProfileError as problem:
            errors.append(str(problem))
    return errors


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.core.profile", description="Check municipality profiles.")
    parser.add_argument("files", nargs="*", type=Path, help="profiles to check (default: every file in profiles/)")
    parser.add_argument("--current", action="store_true", help=f"check only the profile ${PROFILE_ENV} names")
    args = parser.parse_args(argv)
    paths = [profile_path()] if args.current else args.files or sorted(PROFILES_DIR.glob("*.yml"))
    errors = check_files(paths)
    for line in errors:
        print(line, file=sys.stderr)
    if not errors:
        print(f"profiles: {len(paths)} valid ({', '.join(shown(p) for p in paths)})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
