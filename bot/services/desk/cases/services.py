"""The desk's outside parts, built from settings.DESK when needed (no I/O at import)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from bot.core.stores.conversations import ConversationStore
from bot.services.desk.cases.clients import BookingClient, RasaRelay


@lru_cache(maxsize=4)
def _store(url: str) -> ConversationStore:
    return ConversationStore(url)


def conversation_store() -> ConversationStore:
    return _store(settings.DESK.tracker_database_url)


def relay() -> RasaRelay:
    return RasaRelay(settings.DESK.rasa_url, settings.DESK.rasa_token)


def booking_client() -> BookingClient:
    return BookingClient(settings.DESK.booking_url, settings.DESK.booking_token)
