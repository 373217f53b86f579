"""The municipality profile's schema (profiles/<id>.yml): every field typed and checked.

`check(data)` returns the checked profile or raises ProfileSchemaError with ONE line naming
the field, e.g. "age_range.max: must be greater than age_range.min". The loader in
bot.core.profile puts the file in front of it.

A value nobody could read on a public page is written `{verified: false}` (optionally with
the `value` still to be checked); the assistant then never states it and says whom to call.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Extra, StrictBool, StrictStr, ValidationError, conint, constr, validator

from bot.core.contact_details import normalise_email, normalise_phone
from bot.core.intake_terms import INTAKE_TOPICS

# The offers a profile may switch on; knowledge entries name them in `when: {service: ...}`.
KNOWN_SERVICES = ("vejledningscafe", "cv_workshop", "apprentice_club", "company_consultants", "contact_person")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_AGE = 120

_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_HTTPS = re.compile(r"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/\S*)?$")
_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
# What the one-line error says instead of pydantic's wording, by error type.
_MESSAGES = {
    "value_error.missing": "is missing",
    "value_error.extra": "is not a known field",
    "type_error.none.not_allowed": "is empty",
}
# For an unknown key under these sections: what the keys may be.
_KNOWN_KEYS = {"weekly": WEEKDAYS, "services": KNOWN_SERVICES}

if TYPE_CHECKING:  # pydantic v1's constrained types are values, not types, to a type checker
    Text = str
    Days = int
    Age = int
    WaitMinutes = int
    AdvisorKey = str
else:
    Text = constr(strict=True, strip_whitespace=True, min_length=1)
    Days = conint(strict=True, ge=1, le=3650)
    Age = conint(strict=True, ge=0, le=MAX_AGE)
    WaitMinutes = conint(strict=True, ge=1, le=240)
    AdvisorKey = constr(strict=True, regex=r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ProfileSchemaError(ValueError):
    """One line: the field (dotted path) and what is wrong with it."""


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Checked:
    """A text value and whether someone read it on a public page (plain value: verified)."""

    __slots__ = ("value", "verified")

    def __init__(self, value: Optional[str], verified: bool) -> None:
        self.value = value
        self.verified = verified

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r}, verified={self.verified})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Checked) and (self.value, self.verified) == (other.value, other.verified)

    @property
    def stated(self) -> Optional[str]:
        """The value the assistant may say, None when it must not state it."""
        return self.value if self.verified else None

    @classmethod
    def __get_validators__(cls):
        yield cls.validate

    @classmethod
    def validate(cls, raw: Any) -> "Checked":
        if isinstance(raw, Mapping):
            unknown = sorted(set(raw) - {"value", "verified"})
            if unknown:
                raise ValueError(f"unknown keys {unknown} (a checked value has `value` and `verified`)")
            verified = raw.get("verified")
            if not isinstance(verified, bool):
                raise ValueError("`verified` must be true or false")
            value = raw.get("value")
        else:
            verified, value = True, raw
        if value is None or (isinstance(value, str) and not value.strip()):
            if verified:
                raise ValueError("is missing (write the value, or `verified: false` when no public page states it)")
            return cls(None, False)
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ValueError(f"must be text, got {value!r}")
        value = str(value).strip()
        if cls.accepts(value) is None:
            raise ValueError(f"{value!r} is not {cls.expected}")
        return cls(value, verified)

    expected = "text"

    @staticmethod
    def accepts(value: str) -> Optional[str]:
        return value


class CheckedPhone(Checked):
    expected = "a Danish phone number (8 digits, e.g. '99 31 37 00')"
    accepts = staticmethod(normalise_phone)


class CheckedEmail(Checked):
    expected = "an email address"
    accepts = staticmethod(normalise_email)


def _https(value: str) -> str:
    if not _HTTPS.match(value):
        raise ValueError(f"{value!r} is not an https:// link")
    return value


class Contact(_Model):
    name: Text
    address: Checked
    phone: CheckedPhone
    email: Optional[CheckedEmail] = None
    website: Text
    checked: dt.date

    _website = validator("website", allow_reuse=True)(_https)


class AgeRange(_Model):
    min: Age
    max: Age

    @validator("max")
    def _above_min(cls, value: int, values: Dict[str, Any]) -> int:
        if "min" in values and value <= values["min"]:
            raise ValueError("must be greater than age_range.min")
        return value


class Services(_Model):
    vejledningscafe: StrictBool = False
    cv_workshop: StrictBool = False
    apprentice_club: StrictBool = False
    company_consultants: StrictBool = False
    contact_person: StrictBool = False


def _interval(raw: str) -> Tuple[dt.time, dt.time]:
    match = _INTERVAL.match(raw)
    if not match:
        raise ValueError(f"{raw!r} is not an interval written 'HH:MM-HH:MM'")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"{raw!r} has an impossible time of day")
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if end <= start:
        raise ValueError(f"{raw!r} ends before it starts")
    return start, end


class Weekly(_Model):
    mon: List[StrictStr] = []
    tue: List[StrictStr] = []
    wed: List[StrictStr] = []
    thu: List[StrictStr] = []
    fri: List[StrictStr] = []
    sat: List[StrictStr] = []
    sun: List[StrictStr] = []

    @validator("*", each_item=True)
    def _is_interval(cls, value: str) -> str:
        _interval(value)
        return value

    @validator("*")
    def _no_overlap(cls, values: List[str]) -> List[str]:
        intervals = sorted(_interval(value) for value in values)
        for (_, first_end), (second_start, _) in pairwise(intervals):
            if second_start < first_end:
                raise ValueError("intervals overlap")
        return values


class OpeningHoursSection(_Model):
    verified: StrictBool = False
    text: StrictStr = ""
    weekly: Weekly = Weekly()

    @validator("text")
    def _stated_when_verified(cls, value: str, values: Dict[str, Any]) -> str:
        if values.get("verified") and not value.strip():
            raise ValueError("must say the hours when opening_hours.verified is true")
        return value


class Advisor(_Model):
    key: AdvisorKey
    display_name: Text
    team: Text
    topics: List[StrictStr]
    verified: StrictBool = True

    @validator("topics", each_item=True)
    def _known_topic(cls, value: str) -> str:
        if value not in INTAKE_TOPICS:
            raise ValueError(f"{value!r} is not an intake topic (use {', '.join(INTAKE_TOPICS)})")
        return value


class Privacy(_Model):
    booking_retention_days: Days = 30
    conversation_retention_days: Days = 30
    closed_case_retention_days: Days = 90


class Handoff(_Model):
    expected_wait_minutes: WaitMinutes = 15


class ProfileModel(_Model):
    id: StrictStr
    municipality_name: Text
    unit_name: Text
    unit_description: Optional[Text] = None
    contact: Contact
    age_range: AgeRange
    services: Services = Services()
    opening_hours: OpeningHoursSection = OpeningHoursSection()
    extra_closed_days: List[StrictStr] = []
    timezone: StrictStr = "Europe/Copenhagen"
    advisors: List[Advisor] = []
    privacy: Privacy = Privacy()
    handoff: Handoff = Handoff()

    @validator("id")
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r} must be lower-case letters, digits, '-' or '_' (the file's name)")
        return value

    @validator("extra_closed_days", each_item=True)
    def _month_day(cls, value: str) -> str:
        match = _MONTH_DAY.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a day written 'MM-DD'")
        try:
            dt.date(2000, int(match.group(1)), int(match.group(2)))  # a leap year: 02-29 exists
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the year") from None
        return value

    @validator("timezone")
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError(f"{value!r} is not an IANA timezone (e.g. 'Europe/Copenhagen')") from None
        return value

    @validator("advisors")
    def _unique_keys(cls, advisors: List[Advisor]) -> List[Advisor]:
        seen = set()
        for advisor in advisors:
            if advisor.key in seen:
                raise ValueError(f"the key {advisor.key!r} is used twice")
            seen.add(advisor.key)
        return advisors


def _where(loc: Tuple[Any, ...]) -> str:
    parts: List[str] = []
    for step in loc:
        if step == "__root__":
            continue
        if isinstance(step, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step}]"]
        else:
            parts.append(str(step))
    return ".".join(parts) or "profile"


def first_error(error: ValidationError) -> str:
    """The first problem pydantic found, as "field.path: what is wrong"."""
    problems = error.errors()
    problem = problems[0]
    loc = tuple(problem["loc"])
    if problem["type"] == "value_error.missing":
        missing = [_where(tuple(p["loc"])) for p in problems if p["type"] == "value_error.missing"]
        if len(missing) > 1:
            return f"{', '.join(missing)}: are missing"
    message = _MESSAGES.get(problem["type"], problem["msg"])
    if problem["type"] == "value_error.extra" and len(loc) >= 2 and loc[-2] in _KNOWN_KEYS:
        message = f"is not one of {', '.join(_KNOWN_KEYS[loc[-2]])}"
    return f"{_where(loc)}: {message}"


def check(data: Any) -> ProfileModel:
    """The checked profile; ProfileSchemaError (one line, naming the field) when it is not valid."""
    if not isinstance(data, Mapping):
        raise ProfileSchemaError("profile: must be a mapping of fields (id, municipality_name, contact, ...)")
    try:
        return ProfileModel.parse_obj(data)
    except ValidationError as error:
        raise ProfileSchemaError(first_error(error)) from None
