"""CPR numbers typed by mistake are masked before anything stores or logs the message.

Detected by shape (DDMMYY-XXXX, with or without the dash or a space), not by the
modulus-11 check: numbers issued since 2007 may fail it (facts.md)."""

from __future__ import annotations

import re
from typing import Tuple

CPR_MASK = "[CPR-nummer fjernet]"
_CPR = re.compile(r"(?<![\d/.-])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})[\s-]?(\d{4})(?![\d/.-]*\d)")


def mask_cpr(text: str) -> Tuple[str, int]:
    """The text with every CPR-shaped number replaced, and how many were replaced."""
    if not isinstance(text, str) or not text:
        return text, 0
    return _CPR.subn(CPR_MASK, text)
