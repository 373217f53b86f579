"""Readability (LIX) of the assistant's texts, as defined in shared/spec/plain-language.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List

_URL = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:dk|com|org|net)(?:/\S*)?", re.I)
_TEMPLATE = re.compile(r"\{[^{}]+\}")
_SENTENCE_END = re.compile(r"[.!?:\n]+")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


@dataclass(frozen=True)
class Readability:
    """LIX score and word count of one message bubble."""

    text: str
    words: int
    sentences: int
    long_words: int

    @property
    def lix(self) -> float:
        if not self.words:
            return 0.0
        return self.words / self.sentences + 100 * self.long_words / self.words


def measure(text: str) -> Readability:
    """Scores one text: URLs are left out, a template variable counts as one short word."""
    without_urls = _URL.sub(" ", text)
    plain = _TEMPLATE.sub(" x ", without_urls)
    words = _WORD.findall(plain)
    long_words = [w for w in words if sum(ch.isalpha() for ch in w) > 6]
    sentences = [s for s in _SENTENCE_END.split(plain) if _WORD.search(s)]
    return Readability(text, len(words), max(1, len(sentences)), len(long_words))


def hardest(texts: Iterable[str], count: int = 10) -> List[Readability]:
    """The `count` texts with the highest LIX, hardest first."""
    return sorted((measure(t) for t in texts), key=lambda r: r.lix, reverse=True)[:count]
