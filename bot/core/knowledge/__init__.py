"""The knowledge base: specific, sourced answers to the questions young people ask.

Entries live as data in `data/knowledge/*.yml` (docs/knowledge-base.md). `entries` reads
and checks them; `general` the topics' general answers (`data/knowledge/general/`), said
when no entry answers; `choice` decides, from a retrieval ranking, whether to answer one entry,
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
from bot.core.knowledge.general import GENERAL_DIR, GeneralAnswer, load_general_answers

__all__ = [
    "KNOWLEDGE_DIR",
    "AnswerContext",
    "Choice",
    "Entry",
    "GENERAL_DIR",
    "GeneralAnswer",
    "KnowledgeError",
    "Thresholds",
    "choose",
    "load_entries",
    "load_file",
    "load_general_answers",
    "offer_button",
    "render",
    "source_link",
    "stale_entries",
]
