"""The knowledge base: specific, sourced answers to the questions young people ask.

Entries live as data in `data/knowledge/*.yml` (docs/knowledge-base.md). `entries` reads
and checks them; `choice` decides, from a retrieval ranking, whether to answer one entry,
to ask "Mente du ...?" between two, or to answer none. No Rasa imports: the NLU
component, the action server, the desk and `make validate` all use this package.
"""

from bot.core.knowledge.choice import Choice, Thresholds, choose
from bot.core.knowledge.entries import (
    KNOWLEDGE_DIR,
    AnswerContext,
    Entry,
    KnowledgeError,
    load_entries,
    load_file,
    offer_button,
    render,
    source_link,
    stale_entries,
)

__all__ = [
    "KNOWLEDGE_DIR",
    "AnswerContext",
    "Choice",
    "Entry",
    "KnowledgeError",
    "Thresholds",
    "choose",
    "load_entries",
    "load_file",
    "offer_button",
    "render",
    "source_link",
    "stale_entries",
]
