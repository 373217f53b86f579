"""Normalise a typed Danish time wish before the rules read it.

Lower case, æ/ø/å folded to ae/oe/aa, phone spellings without those letters mapped to the
same form ("pa" -> "paa", "lordag" -> "loerdag", "imorgen" -> "i morgen"), a one-letter
typo in a key word of 6+ letters corrected ("torsdg" -> "torsdag"), and clock phrases
rewritten to digits ("halv 3" -> "kl 2.30", "kvart i 11" -> "kl 10.45", "kl ti" -> "kl 10").
"""

from __future__ import annotations

import re
import unicodedata

_LETTER_FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "é": "e", "–": "-", "—": "-"})

_ALIASES = {
    "idag": "i dag",
    "igaar": "i gaar",
    "igar": "i gaar",
    "gar": "gaar",
    "iforgaars": "i forgaars",
    "iforgars": "i forgaars",
    "forgars": "forgaars",
    "imorgen": "i morgen",
    "imorn": "i morgen",
    "imoren": "i morgen",
    "morn": "morgen",
    "iovermorgen": "i overmorgen",
    "overmorn": "overmorgen",
    "iaften": "i aften",
    "iformiddag": "i formiddag",
    "ieftermiddag": "i eftermiddag",
    "iweekenden": "i weekenden",
    "iweekend": "i weekend",
    "inaeste": "i naeste",
    "iugen": "i ugen",
    "pa": "paa",
    "sa": "saa",
    "naste": "naeste",
    "nste": "naeste",
    "nate": "naeste",
    "lordag": "loerdag",
    "lor": "loer",
    "sondag": "soendag",
    "son": "soen",
    "maned": "maaned",
    "manad": "maaned",
    "klokka": "klokken",
    "klok": "klokken",
    "kll": "kl",
    "klo": "kl",
    "muli": "mulig",
    "asp": "asap",
    "cirka": "ca",
    "circa": "ca",
    "lobet": "loebet",
    "morgn": "morgen",
    "imorgn": "i morgen",
    "tirsd": "tirsdag",
    "onsd": "onsdag",
    "torsd": "torsdag",
    "lord": "loerdag",
    "loerd": "loerdag",
}

# Real words one letter away from a key word, never corrected ("næsten" is not "næste").
_NOT_TYPOS = frozenset({"naesten", "mulige", "tidlige", "klokke", "morgan", "borgen"})

# Key words a one-letter typo is corrected to (only words of 6+ letters are corrected).
_VOCABULARY = (
    "mandag tirsdag onsdag torsdag fredag loerdag soendag januar februar august september oktober november "
    "december morgen morgenen overmorgen formiddag formiddagen eftermiddag eftermiddagen aftenen weekend "
    "weekenden hurtigst hurtigt muligt snarest klokken mellem naeste omkring tidligt tidlig tidligst "
    "forgaars maaned"
).split()
_VOCABULARY_SET = frozenset(_VOCABULARY)

_WORD_NUMBERS = {
    "et": 1, "en": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
    "otte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12,
}  # fmt: skip
_WORD_NUMBER = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))


def _one_edit_apart(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _correct_word(word: str) -> str:
    if word in _ALIASES:
        return _ALIASES[word]
    if len(word) < 6 or word in _VOCABULARY_SET or word in _NOT_TYPOS:
        return word
    close = [known for known in _VOCABULARY if _one_edit_apart(word, known)]
    return close[0] if len(close) == 1 else word


def _halv(match: re.Match) -> str:
    hour = int(match.group(1))
    if hour == 0 or hour > 24:
        return "kl 99.30"  # impossible, reported as invalid_time
    return f"kl {12 if hour == 1 else hour - 1}.30"


def _kvart(match: re.Match) -> str:
    hour = int(match.group(2))
    if match.group(1) == "over":
        return f"kl {hour}.15"
    if hour == 0 or hour > 24:
        return "kl 99.45"
    return f"kl {12 if hour == 1 else hour - 1}.45"


def normalise(text: str) -> str:
    """Lower-cased, æøå-folded, typo-corrected text with clock phrases as digits."""
    s = unicodedata.normalize("NFC", text).lower()
    s = re.sub(r"([a-zæøå])\1{2,}", r"\1", s)  # "hurtiiigst" -> "hurtigst"
    s = s.translate(_LETTER_FOLDS)
    s = re.sub(r"(?<!\d)\.", " ", s)  # "kl." "d." "dec." lose the dot, "3." and "14.30" keep it
    s = re.sub(r"(?<!\d):|:(?!\d)", " ", s)
    s = re.sub(r"[^a-z0-9./:\- ]", " ", s)
    s = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", s)  # "kl10" -> "kl 10", "3dec" -> "3 dec"
    s = re.sub(r"[a-z]+", lambda m: _correct_word(m.group(0)), s)
    s = re.sub(
        rf"\b(kl|klokken|halv|kvart over|kvart i)\s+({_WORD_NUMBER})\b", lambda m: f"{m.group(1)} {_WORD_NUMBERS[m.group(2)]}", s
    )
    s = re.sub(rf"\b({_WORD_NUMBER})(\s*-?\s*tiden)\b", lambda m: f"{_WORD_NUMBERS[m.group(1)]}{m.group(2)}", s)
    s = re.sub(
        rf"\bmellem\s+({_WORD_NUMBER})\s+og\s+({_WORD_NUMBER})\b",
        lambda m: f"mellem {_WORD_NUMBERS[m.group(1)]} og {_WORD_NUMBERS[m.group(2)]}",
        s,
    )
    s = re.sub(r"\b(?:kl\s+|klokken\s+)?halv\s+(\d{1,2})\b", _halv, s)
    s = re.sub(r"\b(?:kl\s+|klokken\s+)?kvart\s+(over|i)\s+(\d{1,2})\b", _kvart, s)
    return re.sub(r"\s+", " ", s).strip()
