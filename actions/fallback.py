"""First stage of the two-stage fallback: "Mente du ...?" with the top guesses."""

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

LABELS_FILE = Path(__file__).parent / "content" / "topic_labels.yml"
MAX_GUESSES = 3
MIN_GUESS_CONFIDENCE = 0.05


@lru_cache(maxsize=1)
def topic_labels() -> Mapping[str, Any]:
    with LABELS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def guess_buttons(
    intent_ranking: List[Dict[str, Any]], labels: Mapping[str, Any]
) -> List[Dict[str, str]]:
    """Buttons for the best-ranked intents that have a label, plus "none of them"."""
    known = labels["intents"]
    guesses = [
        entry["name"]
        for entry in intent_ranking
        if entry.get("name") in known
        and float(entry.get("confidence") or 0.0) >= MIN_GUESS_CONFIDENCE
    ][:MAX_GUESSES]
    if not guesses:
        return []
    buttons = [{"title": known[name], "payload": f"/{name}"} for name in guesses]
    # Rasa's two-stage fallback reads out_of_scope as "none of these".
    buttons.append({"title": labels["none_of_them"], "payload": "/out_of_scope"})
    return buttons


class ActionDefaultAskAffirmation(Action):
    """Replaces Rasa's English one-intent question with up to three Danish guesses."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = guess_buttons(ranking, topic_labels())
        if buttons:
            dispatcher.utter_message(response="utter_ask_affirmation", buttons=buttons)
        else:  # nothing worth offering: ask for other words instead of an empty "Mente du"
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
