"""For the dashboard's tests and benchmark: tracker events as Rasa writes them for a
conversation (session start, channel, the bot's response names), and a year of daily
aggregate rows for 50,000 conversations, written straight into the desk's database."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any, List, Optional

INTENTS = [f"ask_topic_{n}" for n in range(40)]
REASONS = ["asked_for_person", "not_understood", "crisis", "caseworker_only"]


def session_start(at: Optional[float] = None) -> List[Any]:
    """What Rasa writes when a conversation (session) begins."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    at = at or time.time()
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


def said(text: str, intent: str, channel: str, at: Optional[float] = None) -> Any:
    """A user message as it arrives on a channel ("widget", "sms", "rest")."""
    from rasa.shared.core.events import UserUttered

    return UserUttered(text, intent={"name": intent, "confidence": 1.0}, input_channel=channel, timestamp=at or time.time())


def answered(response: str, text: str = "...", at: Optional[float] = None) -> List[Any]:
    """The bot running a response (directly or from an action): the action and its message."""
    from rasa.shared.core.events import ActionExecuted, BotUttered

    at = at or time.time()
    return [ActionExecuted(response, timestamp=at), BotUttered(text, metadata={"utter_action": response}, timestamp=at)]


def from_action(action: str, response: str, text: str = "...", at: Optional[float] = None) -> List[Any]:
    """A custom action that uttered a response (rasa_sdk's dispatcher.utter_message(response=...))."""
    from rasa.shared.core.events import ActionExecuted, BotUttered

    at = at or time.time()
    return [ActionExecuted(action, timestamp=at), BotUttered(text, metadata={"utter_action": response}, timestamp=at)]


def seed_aggregates(conversations: int = 50_000, days: int = 365, today: Optional[dt.date] = None) -> None:
    """Daily rows for `days` days up to today on three channels, `conversations` in all, with
    per-intent and per-reason counts (about 48,000 rows), as the worker would have written them."""
    from bot.services.desk.insight.models import CHANNELS, DailyChannel, DailyCount

    today = today or dt.date.today()
    rng = random.Random(17)
    per_cell = conversations // (days * len(CHANNELS))
    left = conversations - per_cell * days * len(CHANNELS)
    rows, counts = [], []
    for n in range(days):
        day = today - dt.timedelta(days=n)
        for channel in CHANNELS:
            talks = per_cell + (1 if left > 0 else 0)
            left -= 1
            messages = talks * 6
            rows.append(
                DailyChannel(
                    day=day,
                    channel=channel,
                    conversations=talks,
                    user_messages=messages,
                    understood=messages - rng.randint(0, talks),
                    handoffs=talks // 10,
                    bookings_made=talks // 20,
                    bookings_cancelled=talks // 60,
                    crisis_answers=talks // 100,
                )
            )
            counts += [DailyCount(day=day, channel=channel, kind="intent", key=i, count=rng.randint(1, 20)) for i in INTENTS]
            counts += [DailyCount(day=day, channel=channel, kind="reason", key=r, count=rng.randint(0, 3)) for r in REASONS]
    DailyChannel.objects.bulk_create(rows, batch_size=2000)
    DailyCount.objects.bulk_create(counts, batch_size=2000)
