"""The desk's outside parts, built from settings.DESK when needed (no I/O at import)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from bot.core.booking.client import BookingClient
from bot.core.stores.conversations import ConversationStore
from bot.services.desk.cases.rasa_relay import RasaRelay

# Staff lists can be long, so a longer read than the actions' budget; no retry, since an
# advisor sees the error and reloads the page.
STAFF_BOOKING_TIMEOUT = (3.0, 10.0)


@lru_cache(maxsize=4)
def _store(url: str) -> ConversationStore:
    return ConversationStore(url)


def conversation_store() -> ConversationStore:
    return _store(settings.DESK.tracker_database_url)


def relay() -> RasaRelay:
    return RasaRelay(settings.DESK.rasa_url, settings.DESK.rasa_token)


def booking_client() -> BookingClient:
    return BookingClient(
        base_url=settings.DESK.booking_url, token=settings.DESK.booking_token, timeout=STAFF_BOOKING_TIMEOUT, attempts=1
    )
