"""Checks for the contact details a young person types: Danish phone numbers and email.

Shared by the assistant's form validation and the booking service, so both accept and
refuse exactly the same values."""

from __future__ import annotations

import re
from typing import Optional

# 8 digits, optionally after +45 / 0045 / 45, grouped with spaces, dashes or dots.
_PHONE = re.compile(r"^(?:(?:\+|00)?45)?([2-9]\d{7})$")
# Pragmatic address check (RFC 5322 is far wider): one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_PHONE_IN_TEXT = re.compile(r"(?:\+|00)?(?:45[\s.-]?)?(?:\d[\s.-]?){7}\d")
_EMAIL_IN_TEXT = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+")
MAX_EMAIL_LENGTH = 254


def normalise_phone(value: str) -> Optional[str]:
    """ "+45 20 30 40 50", "20304050", "0045-20304050" -> "+4520304050"; None if not a Danish number."""
    if not isinstance(value, str):
        return None
    compact = re.sub(r"[\s.\-()]", "", value.strip())
    match = _PHONE.match(compact)
    return f"+45{match.group(1)}" if match else None


def normalise_email(value: str) -> Optional[str]:
    """A plausible email address, trimmed and with a lower-case domain; None otherwise."""
    if not isinstance(value, str):
        return None
    candidate = value.strip().strip(".,;:")
    if len(candidate) > MAX_EMAIL_LENGTH or not _EMAIL.match(candidate):
        return None
    local, domain = candidate.rsplit("@", 1)
    if ".." in candidate or local.startswith(".") or local.endswith("."):
        return None
    return f"{local}@{domain.lower()}"


def find_phone(text: str) -> Optional[str]:
    """The first Danish phone number inside a message ("mit nr er 20 30 40 50")."""
    for match in _PHONE_IN_TEXT.finditer(text or ""):
        phone = normalise_phone(match.group(0))
        if phone:
            return phone
    return None


def find_email(text: str) -> Optional[str]:
    """The first email address inside a message ("skriv til sara@mail.dk tak")."""
    for match in _EMAIL_IN_TEXT.finditer(text or ""):
        email = normalise_email(match.group(0))
        if email:
            return email
    return None


def display_phone(phone: str) -> str:
    """ "+4520304050" -> "20 30 40 50" (how Danes write it)."""
    digits = phone[-8:]
    return " ".join(digits[i : i + 2] for i in range(0, 8, 2))
