"""What a knowledge entry or a topic's general answer looks like when the assistant sends
it (for conversation tests)."""


from typing import Any, Dict, List, Tuple

from actions.knowledge import answer_context, general_answers, knowledge_entries
from bot.core.knowledge import render, source_link
from bot.core.paths import PROJECT_ROOT
from bot.core.profile import load_profile

ROOT = PROJECT_ROOT


class NoSlots:
    """A tracker that knows nothing about the young person yet."""

    @staticmethod
    def get_slot(_name):
        return None


def entry_texts(entry_id: str, profile: str = "aalborg") -> Tuple[List[str], str]:
    """The entry's bubbles as the assistant sends them with this profile, and its source line."""
    entry = knowledge_entries()[entry_id]
    context = answer_context(load_profile(ROOT / "profiles" / f"{profile}.yml"), NoSlots())
    return render(entry, context), f"Læs mere: {source_link(entry, context)}"


def general_messages(topic: str, profile: str = "aalborg", channel: str = "rest") -> List[Dict[str, Any]]:
    """The topic's general answer as the assistant sends it: text and buttons per bubble."""
    context = answer_context(load_profile(ROOT / "profiles" / f"{profile}.yml"), NoSlots(), channel)
    return general_answers()[topic].messages(context)
