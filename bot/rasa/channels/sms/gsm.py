"""Text shaped for SMS: the GSM 03.38 alphabet, segment counting and splitting.

A text that uses only the GSM-7 alphabet costs 160 characters per SMS (153 per part when
concatenated); one character outside it turns the whole SMS into UCS-2 (70 / 67). Curly
quotes and emoji from a copy-paste would silently more than double the cost, so text is
normalised to GSM-7 first. Danish letters (æøåÆØÅ) are in the basic alphabet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, List, Tuple

# GSM 03.38 basic character set (without ESC, which only introduces the extension table).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each character is sent as ESC + char, so it costs 2 units.
GSM_EXTENSION = frozenset("^{}[]~\\|€")

SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67

# Typographic characters that have a plain GSM equivalent.
_REPLACEMENTS = {
    **dict.fromkeys("‘’‚‛′‹›´`", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t", " "),
    "…": "...",
    "•": "-",
    "·": "-",
    "→": "->",
    "←": "<-",
    "×": "x",
    "÷": "/",
    "⁄": "/",
    "©": "(c)",
    "®": "(R)",
    "™": "TM",
    "œ": "oe",
    "Œ": "OE",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "ı": "i",
}
# Emoji and their glue (variation selectors, zero-width joiner, skin tones, keycaps).
_DROP_CATEGORIES = {"Cf", "Mn", "Me", "Co", "Cs"}
_EMOJI_CATEGORIES = {"So", "Sk"}


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def _transliterate(ch: str) -> str:
    """One non-GSM character as GSM text, "" to drop it, or itself when nothing fits."""
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    category = unicodedata.category(ch)
    if category in _DROP_CATEGORIES or (category in _EMOJI_CATEGORIES and ord(ch) >= 0x2000):
        return ""
    # Accented letters outside the alphabet lose the accent (á -> a, ç -> c, ŝ -> s).
    # Compatibility forms are spelled out too (½ -> 1/2, ﬁ -> fi, ² -> 2).
    base = "".join(_REPLACEMENTS.get(c, c) for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and is_gsm7(base):
        return base
    return ch  # e.g. Cyrillic or Arabic: kept, the SMS is then sent as UCS-2


def to_gsm(text: str) -> str:
    """The text in the GSM-7 alphabet where possible: straight quotes, "-" for dashes,
    "..." for an ellipsis, no emoji, accents outside the alphabet removed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    out = "".join(ch if ch in GSM_BASIC or ch in GSM_EXTENSION else _transliterate(ch) for ch in text)
    # A removed emoji leaves double spaces or a space before the line end.
    out = re.sub(r"[ ]{2,}", " ", out)
    out = re.sub(r" +\n", "\n", out)
    out = re.sub(r"\n +", "\n", out)
    return out.strip()


@dataclass(frozen=True)
class SegmentInfo:
    """How an SMS text is encoded and what it costs."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def _count_segments(units: List[int], single: int, per_part: int) -> int:
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    # Concatenated: a 2-unit character (escape pair, surrogate pair) never spans two parts.
    segments, used = 1, 0
    for unit in units:
        if used + unit > per_part:
            segments, used = segments + 1, 0
        used += unit
    return segments


def measure(text: str) -> SegmentInfo:
    """Encoding, length in units and number of segments of one SMS text."""
    if is_gsm7(text):
        units = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        return SegmentInfo("GSM-7", sum(units), _count_segments(units, SINGLE_GSM, PART_GSM))
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentInfo("UCS-2", sum(units), _count_segments(units, SINGLE_UCS2, PART_UCS2))


def segment_count(text: str) -> int:
    """Number of SMS segments the text is billed and delivered as."""
    return measure(text).segments


def fits_one_segment(text: str) -> bool:
    return segment_count(text) <= 1


# A sentence ends at . ! ? followed by space and a capital (or a quote/bracket): "kl. 9"
# and "d. 26. november" stay whole.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-ZÆØÅÄÖÜÉ])")

Piece = Tuple[str, str]  # (separator before the piece, text)


def _pieces(text: str) -> List[Piece]:
    """Sentences of the text, each with the separator that came before it."""
    pieces: List[Piece] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        for i, sentence in enumerate(_SENTENCE_BREAK.split(line)):
            pieces.append(("\n" if i == 0 else " ", sentence))
    if pieces:
        pieces[0] = ("", pieces[0][1])
    return pieces


def _join(pieces: List[Piece]) -> str:
    return "".join(sep + text for sep, text in pieces).lstrip("\n ")


def _take(pieces: List[Piece], fits: Callable[[str], bool]) -> Tuple[str, List[Piece]]:
    """The longest run of whole sentences that fits; a sentence too long on its own is cut
    at word boundaries (a word too long, e.g. a URL, at characters). Returns the part and
    the pieces left."""
    part = ""
    taken = 0
    for sep, sentence in pieces:
        candidate = (part + sep + sentence) if part else sentence
        if not fits(candidate):
            break
        part, taken = candidate, taken + 1
    if taken:
        return part, pieces[taken:]
    # The first sentence alone does not fit: cut it at words.
    words = pieces[0][1].split(" ")
    taken = 0
    for word in words:
        candidate = f"{part} {word}" if part else word
        if not fits(candidate):
            break
        part, taken = candidate, taken + 1
    if not taken:  # one word longer than a part
        word = words[0]
        cut = 1
        while cut < len(word) and fits(word[: cut + 1]):
            cut += 1
        part, rest_words = word[:cut], [word[cut:], *words[1:]]
    else:
        rest_words = words[taken:]
    rest = " ".join(w for w in rest_words if w)
    return part, ([("", rest)] if rest else []) + pieces[1:]


@dataclass(frozen=True)
class Split:
    """SMS parts to send now, and the text kept for "MERE" ("" when nothing is left)."""

    parts: List[str]
    remainder: str


def split_parts(
    text: str, more_line: str, max_parts: int = 3, fits: Callable[[str], bool] = fits_one_segment
) -> Split:
    """Cuts the text into at most `max_parts` one-segment SMS, at sentence boundaries.

    When the text needs more, the last part ends with `more_line` (a line telling the user
    to write MERE) and the rest is returned as the remainder, so nothing is lost.
    """
    pieces = _pieces(text)
    parts: List[str] = []
    while pieces and len(parts) < max_parts - 1:
        part, pieces = _take(pieces, fits)
        parts.append(part)
    if not pieces:
        return Split(parts, "")
    last, rest = _take(pieces, fits)
    if not rest:
        return Split([*parts, last], "")
    suffix = "\n" + more_line
    last, rest = _take(pieces, lambda s: fits(s + suffix))
    return Split([*parts, last + suffix], _join(rest))
