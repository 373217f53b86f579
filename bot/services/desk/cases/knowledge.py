"""The desk's page **Svar** (`/knowledge/`): every knowledge-base entry by topic, with its
source, the day it was checked and a "Skal tjekkes" mark, searchable.

The entries are read with bot.core.knowledge from the directory the action server reads
(VEJVISER_KNOWLEDGE_DIR, default data/knowledge), and read again when a file changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bot.core.knowledge import KNOWLEDGE_DIR, Entry, KnowledgeError, load_entries
from bot.core.knowledge.entries import PROFILE_SOURCE, STALE_AFTER_DAYS, Condition
from bot.core.paths import PROJECT_ROOT
from bot.core.settings import PathSettings
from bot.services.desk.cases import card
from bot.services.desk.cases.views import staff_only

log = logging.getLogger("vejviser.desk")
ROOT = PROJECT_ROOT
PROFILE_SOURCE_LABEL = "kommunens egen side"
MAX_QUERY = 200

Signature = Tuple[Tuple[str, int, int], ...]


def knowledge_dir() -> Path:
    """The directory the action server reads; a relative path is taken from the repo root."""
    directory = PathSettings.from_env().knowledge_dir or KNOWLEDGE_DIR
    return directory if directory.is_absolute() else ROOT / directory


def _signature(directory: Path) -> Signature:
    """Name, size and modification time of every knowledge file: changes when one is edited."""
    files = []
    for path in sorted(directory.glob("*.yml")):
        status = path.stat()
        files.append((path.name, status.st_size, status.st_mtime_ns))
    return tuple(files)


@lru_cache(maxsize=4)
def _entries(directory: Path, _signature: Signature) -> Tuple[Entry, ...]:
    # Reading and checking every entry takes a while (LIX of each bubble): once per version.
    return tuple(load_entries(directory))


def read_entries(directory: Path) -> Tuple[Entry, ...]:
    """The entries, or KnowledgeError (in Danish) when the directory or a file cannot be read."""
    if not directory.is_dir():
        raise KnowledgeError(f"mappen {directory} findes ikke")
    try:
        return _entries(directory, _signature(directory))
    except UnicodeDecodeError as error:
        raise KnowledgeError(f"en fil er ikke gemt som UTF-8: {error}") from error
    except OSError as error:
        raise KnowledgeError(f"en fil kunne ikke læses: {error}") from error


def stale_reasons(entry: Entry, today: dt.date) -> List[str]:
    """Entry.stale_reasons in Danish: why staff should read the entry against its source again."""
    age_days, past_year = entry.staleness(today)
    reasons = []
    if age_days is not None:
        reasons.append(f"tjekket for {age_days} dage siden (mere end {STALE_AFTER_DAYS})")
    if past_year is not None:
        reasons.append(f"beløbene gælder for {past_year}")
    return reasons


def source_label(entry: Entry) -> str:
    return PROFILE_SOURCE_LABEL if entry.source == PROFILE_SOURCE else entry.source


def matches(entry: Entry, query: str) -> bool:
    """Whether the (case-folded) query is in the id, title, an answer, a question or the source."""
    texts = [entry.id, entry.title, entry.source, source_label(entry), *entry.questions]
    texts += [bubble for answer in entry.all_answers() for bubble in answer]
    return any(query in text.casefold() for text in texts)


def _conditions(when: Condition) -> List[str]:
    """Where an entry (or an alternative answer) applies, when not everywhere, in words."""
    said = []
    if when.profiles:
        said.append("kun i " + ", ".join(when.profiles))
    if when.services:
        said.append("kun med " + ", ".join(when.services))
    if when.without_services:
        said.append("kun uden " + ", ".join(when.without_services))
    if when.age:
        said.append(f"kun for {when.age[0]}-{when.age[1]} år")
    return said


def _row(entry: Entry, today: dt.date) -> Dict[str, Any]:
    return {
        "entry": entry,
        "first_bubble": entry.answer[0],
        "more_bubbles": entry.answer[1:],
        "source_url": "" if entry.source == PROFILE_SOURCE else entry.source,
        "source_label": source_label(entry),
        "stale": stale_reasons(entry, today),
        "conditions": _conditions(entry.when),
        "alternatives": [{"conditions": _conditions(alt.when), "answer": alt.answer} for alt in entry.alternatives],
    }


def topic_label(topic: str) -> str:
    return card.SITUATIONS.get(topic, topic.removeprefix("ask_").replace("_", " "))


def group_by_topic(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Topics in alphabetical order of their label, each with its rows in file order."""
    topics: Dict[str, List[Dict[str, Any]]] = {}
    for row in rows:
        topics.setdefault(row["entry"].topic, []).append(row)
    groups = [
        {
            "topic": topic,
            "label": topic_label(topic),
            "rows": found,
            "stale_count": sum(1 for row in found if row["stale"]),
        }
        for topic, found in topics.items()
    ]
    return sorted(groups, key=lambda group: group["label"].casefold())


@staff_only
@require_GET
def knowledge(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    only_stale = request.GET.get("stale") == "1"
    context: Dict[str, Any] = {"q": query, "only_stale": only_stale}
    directory = knowledge_dir()
    try:
        entries = read_entries(directory)
    except KnowledgeError as error:
        log.error("knowledge base in %s: %s", directory, error)
        context["error"] = str(error)
        return render(request, "desk/knowledge.html", context, status=500)
    today = timezone.localdate()
    rows = [_row(entry, today) for entry in entries]
    shown = [
        row for row in rows if (not only_stale or row["stale"]) and (not query or matches(row["entry"], query.casefold()))
    ]
    context.update(
        {
            "total": len(rows),
            "stale_total": sum(1 for row in rows if row["stale"]),
            "shown": len(shown),
            "filtered": bool(query or only_stale),
            "groups": group_by_topic(shown),
            "stale_after_days": STALE_AFTER_DAYS,
        }
    )
    return render(request, "desk/knowledge.html", context)
