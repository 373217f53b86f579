"""Rasa sender ids for phone numbers. A phone number is personal data: it never becomes
the conversation id (which ends up in the tracker store, logs and exports). The id is a
keyed hash, so nobody without SMS_SENDER_KEY can test guessed numbers against it."""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.core.contact_details import normalise_phone

SENDER_PREFIX = "sms-"


def normalise_number(number: str) -> str:
    """The number in E.164 form ("+4561234567"): separators dropped, "00" read as "+",
    and a bare 8-digit number read as Danish (a Danish gateway may omit the +45)."""
    danish = normalise_phone(number)
    if danish:  # the same rules as contact details: one number, one conversation
        return danish
    digits = re.sub(r"[^\d+]", "", number.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"\d{8}", digits):
        digits = "+45" + digits
    return digits


def is_phone_number(number: str) -> bool:
    """A number an answer can be sent to: E.164 after normalising, 6-15 digits."""
    return bool(re.fullmatch(r"\+?\d{6,15}", normalise_number(number)))


def sender_id(key: str, number: str) -> str:
    """"sms-" + the first 32 hex characters of HMAC-SHA256(key, E.164 number)."""
    digest = hmac.new(key.encode("utf-8"), normalise_number(number).encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest[:32]
