"""Answers the question asked: a knowledge-base entry, "Mente du ...?", or the topic's
general answer (data/knowledge/general/), sent as text with its buttons.

The NLU component (bot/rasa/nlu/knowledge_retriever.py) ranks the entries for the message and
ships the thresholds it was tuned with; this action passes over entries that do not apply
here (another municipality, a service this one does not run, another age), then decides
with bot.core.knowledge.choose. A button from "Mente du ...?" names its entry directly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.core.knowledge import (
    KNOWLEDGE_DIR,
    AnswerContext,
    Entry,
    GeneralAnswer,
    load_entries,
    load_general_answers,
    offer_button,
    render,
    source_link,
)
from bot.core.knowledge.choice import ANSWER, CLARIFY, ENTRY_ENTITY, outcome_for
from bot.core.profile import MunicipalityProfile, current_profile
from bot.core.settings import PathSettings


def knowledge_dir() -> Path:
    return PathSettings.from_env().knowledge_dir or KNOWLEDGE_DIR


@lru_cache(maxsize=1)
def knowledge_entries() -> Dict[str, Entry]:
    return {entry.id: entry for entry in load_entries(knowledge_dir())}


@lru_cache(maxsize=1)
def general_answers() -> Mapping[str, GeneralAnswer]:
    return load_general_answers(knowledge_dir() / "general")


def answer_context(profile: MunicipalityProfile, tracker: Tracker, channel: Optional[str] = None) -> AnswerContext:
    values = {**profile.slot_values(), "age_min": str(profile.age_min), "age_max": str(profile.age_max)}
    age = tracker.get_slot("age")
    try:
        age = int(float(age)) if age is not None else None
    except (TypeError, ValueError):
        age = None
    return AnswerContext(
        profile.profile_id,
        profile.services,
        {k: str(v) for k, v in values.items()},
        age,
        channel=channel,
        opening_hours_verified=profile.opening_hours_verified,
    )


class ActionAnswerQuestion(Action):
    def __init__(
        self,
        profile: Callable[[], MunicipalityProfile] = current_profile,
        entries: Callable[[], Dict[str, Entry]] = knowledge_entries,
        general: Callable[[], Mapping[str, GeneralAnswer]] = general_answers,
    ) -> None:
        self._profile = profile
        self._entries = entries
        self._general = general

    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        entries = self._entries()
        context = answer_context(self._profile(), tracker, tracker.get_latest_input_channel())

        def applies(entry_id: str) -> bool:
            entry = entries.get(entry_id)
            return entry is not None and entry.applies(context)

        general = self._general()
        outcome = outcome_for(message, applies, frozenset(general))
        if outcome.kind == ANSWER:
            self._answer(dispatcher, entries[outcome.entries[0]], context)
        elif outcome.kind == CLARIFY:
            buttons = [entry_button(entries[entry_id]) for entry_id in outcome.entries]
            buttons.append({"title": "Ingen af dem", "payload": "/out_of_scope"})
            dispatcher.utter_message(response="utter_knowledge_clarify", buttons=buttons)
        elif outcome.topic in general:
            for bubble in general[outcome.topic].messages(context):
                dispatcher.utter_message(text=bubble["text"], buttons=bubble["buttons"])
        else:
            dispatcher.utter_message(response="utter_knowledge_unknown")
        return []

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, entry: Entry, context: AnswerContext) -> None:
        for bubble in render(entry, context):
            dispatcher.utter_message(text=bubble)
        button = offer_button(entry)
        dispatcher.utter_message(
            response="utter_knowledge_source", source=source_link(entry, context), buttons=[button] if button else []
        )


def entry_button(entry: Entry) -> Dict[str, str]:
    return {"title": entry.title, "payload": f'/{entry.topic}{{"{ENTRY_ENTITY}": "{entry.id}"}}'}
