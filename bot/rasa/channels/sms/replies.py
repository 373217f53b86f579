"""Bot messages rendered for a phone, and the user's short replies mapped back.

A phone shows no markdown and no buttons: links become "text: url", list markers go,
buttons become numbered lines ("1: Ja"), and a reply "1" (or the option's words) is
turned back into that button's payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from bot.core.stores.sms import Option

_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*(\S+?)\s*\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S)
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*•+]|\d+[.)])[ \t]+", re.M)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.M)


def markdown_to_plain(text: str) -> str:
    """Markdown as plain SMS text: **bold** loses its stars, "- item" becomes a plain
    line, [text](url) becomes "text: url" (a phone makes the URL clickable)."""

    def link(match: re.Match) -> str:
        label, url = match.group(1).strip(), match.group(2)
        return url if label == url else f"{label}: {url}"

    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"\2", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARKER.sub("", text)
    return text.replace("`", "").strip()


@dataclass(frozen=True)
class Rendered:
    """A turn as one SMS text (before splitting) and the options it offered."""

    text: str
    options: List[Option]


def _is_link_button(button: Dict[str, Any]) -> bool:
    payload = str(button.get("payload") or button.get("url") or "")
    return button.get("type") == "web_url" or payload.startswith(("http://", "https://"))


def render_messages(messages: Iterable[Dict[str, Any]], choose_line: Callable[[int], Optional[str]]) -> Rendered:
    """All bot messages of a turn as one text, one line break between bubbles.

    The buttons of the turn are listed once, numbered, after the last bubble (a turn may
    offer the same button twice, e.g. a welcome and a greeting); `choose_line(n)` gives
    the closing line for n options ("Svar 1 eller 2."), from the domain. Link buttons
    stay with their bubble as "title: url".
    """
    blocks: List[str] = []
    options: List[Option] = []
    for message in messages:
        lines: List[str] = []
        if message.get("text"):
            lines.append(markdown_to_plain(str(message["text"])))
        for key in ("image", "attachment"):
            value = message.get(key)
            url = value.get("url") if isinstance(value, dict) else value
            if isinstance(url, str) and url:
                lines.append(url)
        for button in [*(message.get("buttons") or []), *(message.get("quick_replies") or [])]:
            title = markdown_to_plain(str(button.get("title") or ""))
            if _is_link_button(button):
                url = str(button.get("url") or button.get("payload"))
                lines.append(f"{title}: {url}" if title else url)
                continue
            option = Option(title, str(button.get("payload") or title))
            if all(o.payload != option.payload for o in options):
                options.append(option)
        if lines:
            blocks.append("\n".join(lines))
    if options:
        blocks.extend(f"{number}: {option.title}" for number, option in enumerate(options, 1))
        closing = choose_line(len(options))
        if closing:
            blocks.append(closing)
    return Rendered("\n".join(blocks), options)


def _words(text: str) -> str:
    """Lower case, no punctuation at the ends, single spaces: how replies are compared."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


_NUMBER = re.compile(r"(?:nr\.?\s*)?(\d{1,2})[.)]?", re.I)


def match_option(reply: str, options: Sequence[Option]) -> Optional[str]:
    """The payload the reply chooses, or None (then the reply goes to Rasa as text).

    "2", " 2 ", "2." choose option 2 when it exists; a number out of range is plain text
    (it may be an age). The option's words choose it too, case-insensitive: the whole
    title ("Nej tak") or its part before a comma ("Ja" for "Ja, en vejleder"), when only
    one option matches.
    """
    if not options:
        return None
    number = _NUMBER.fullmatch(reply.strip())
    if number:
        index = int(number.group(1))
        return options[index - 1].payload if 1 <= index <= len(options) else None
    said = _words(reply)
    if not said:
        return None
    for candidates in (
        [o for o in options if _words(o.title) == said],
        [o for o in options if _words(o.title.split(",")[0]) == said],
    ):
        if len(candidates) == 1:
            return candidates[0].payload
    return None


class Keyword(Enum):
    """SMS control words that the channel answers itself, without Rasa."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    MORE = "more"


_KEYWORDS = {
    Keyword.STOP: {"stop", "stop alle", "stopall", "afmeld"},
    Keyword.START: {"start"},
    Keyword.HELP: {"hjælp", "hjaelp", "hjalp", "help"},
    Keyword.MORE: {"mere"},
}


def keyword(text: str) -> Optional[Keyword]:
    """The control word when the whole message is one ("Stop", "STOP!", " hjælp ")."""
    said = _words(text)
    for kind, words in _KEYWORDS.items():
        if said in words:
            return kind
    return None
