"""Plain functions that fold Danish phone-style spelling onto one form.

Young people write "hjælp", "hjaelp" and "hjaaaelp" for the same word. Folding
maps æ/ø/å to ae/oe/aa (that direction is never ambiguous), collapses letters
repeated three or more times, and maps a few SMS spellings to the full word.
"""

import re
import unicodedata

_LETTER_FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "é": "e"})
_REPEATS = re.compile(r"(\w)\1{2,}")
_WORD = re.compile(r"\w+", re.UNICODE)

# Only unambiguous spellings: "ja" (jeg/yes) and "ka" (kan/ka') stay as they are.
SMS_SPELLINGS = {
    "ik": "ikke",
    "ikk": "ikke",
    "ikek": "ikke",
    "ikkr": "ikke",
    "hvordn": "hvordan",
    "hvordam": "hvordan",
    "hvorda": "hvordan",
    "hva": "hvad",
    "hvd": "hvad",
    "sku": "skulle",
    "ku": "kunne",
    "mby": "maaske",
    "msk": "maaske",
    "pls": "please",
    "plz": "please",
    "nogn": "nogen",
    "oss": "os",
    "dd": "det",
    "gym": "gymnasium",
}


def fold_word(word: str) -> str:
    """Returns the folded form of one word (lower case, no æøå, no long repeats)."""
    lowered = unicodedata.normalize("NFC", word.lower())
    collapsed = _REPEATS.sub(r"\1", lowered)
    folded = collapsed.translate(_LETTER_FOLDS)
    return SMS_SPELLINGS.get(folded, folded)


def fold_text(text: str) -> str:
    """Folds every word of a text and joins them with single spaces."""
    return " ".join(fold_word(word) for word in _WORD.findall(text))
