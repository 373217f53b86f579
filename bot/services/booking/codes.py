"""Booking codes: short, random, and safe to read aloud and type on a phone."""

from __future__ import annotations

import re
import secrets

from bot.services.booking.errors import ApiError

# Booking codes are read aloud and typed on phones: no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
CODE_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
CODE_LENGTH = 6
_CODE_TEXT = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def normalise_code(raw: str) -> str:
    code = re.sub(r"[\s-]", "", raw).upper()
    if not _CODE_TEXT.match(code):
        raise ApiError(404, "booking_not_found", "no booking has that code")
    return code


def new_code() -> str:
    """A random code with at least one letter and one digit, so a typed word is never read as a code."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code
