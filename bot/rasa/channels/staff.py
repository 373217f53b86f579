"""The staff desk's way into a conversation (bot/services/desk calls it; nobody else may).

    POST /webhooks/staff/take      {"conversation_id", "staff_name"}  the bot goes quiet, the user is told
    POST /webhooks/staff/message   {"conversation_id", "text", "staff_name"}
    POST /webhooks/staff/handback  {"conversation_id"}                the bot answers again, the user is told
    POST /webhooks/staff/erase     {"conversation_id"}                "slet mine data" on the staff side

Every call needs `Authorization: Bearer $DESK_RASA_TOKEN` (>= 24 characters; without one
the relay refuses everything). Each call holds the conversation's lock, writes its events to
the tracker store (so the transcript is complete and a reloaded widget shows the answer)
and sends the message on the channel the young person last wrote on: the widget's room or
an SMS. The REST channel cannot be written to later; the answer is stored and
`delivered: false` says so. An SMS user who sent STOP is not written to (409).

Named in credentials.yml as `bot.rasa.channels.staff.StaffRelayInput`."""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event, SlotSet
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.privacy import mask_cpr
from bot.core.settings import MIN_SECRET_CHARS, ChannelSettings, secret_problem
from bot.rasa.channels import registry
from bot.rasa.channels.domain_texts import domain_text

log = logging.getLogger(__name__)

TOKEN_ENV = "DESK_RASA_TOKEN"
MAX_TEXT = 2000
HANDOFF_ACTIVE = "handoff_active"


class RelayError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


def staff_message(text: str, staff_name: str) -> BotUttered:
    text = mask_cpr(text)[0]  # staff never need to send a CPR number either
    return BotUttered(text, metadata={"staff": True, "staff_name": staff_name}, timestamp=time.time())


def bot_notice(response: str, **values: Any) -> BotUttered:
    """A domain response the bot says on the staff's behalf ("... skriver med dig nu")."""
    text = domain_text(response, **values)
    if text is None:
        raise RelayError(500, f"missing response {response}")
    return BotUttered(text, metadata={"utter_action": response}, timestamp=time.time())


class StaffRelayInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(str((credentials or {}).get("token") or ChannelSettings.from_env().staff_token))

    def __init__(self, token: str) -> None:
        # Rasa starts without the desk, so a weak token only switches the relay off.
        weak = secret_problem(token)
        self.token = "" if weak else token
        if weak:
            log.warning("staff relay: %s %s (needs %d characters), so the desk cannot answer", TOKEN_ENV, weak, MIN_SECRET_CHARS)

    def authorised(self, request: Request) -> bool:
        given = request.headers.get("Authorization", "")
        return bool(self.token) and hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        relay = Blueprint("staff_relay", __name__)

        async def handle(request: Request, run: Callable[..., Awaitable[Dict[str, Any]]]) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json if isinstance(request.json, dict) else None
            conversation_id = body.get("conversation_id") if body else None
            if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 255:
                return response.json({"error": "conversation_id_required"}, status=400)
            try:
                return response.json(await run(conversation_id, body))
            except RelayError as refused:
                return response.json({"error": refused.error}, status=refused.status)

        @relay.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "accepting": bool(self.token)})

        @relay.route("/take", methods=["POST"])
        async def take(request: Request) -> HTTPResponse:
            async def run(conversation_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
                name = staff_name(body)
                notice = bot_notice("utter_staff_joined", staff_name=name)
                return await self.write(conversation_id, [SlotSet(HANDOFF_ACTIVE, True)], notice)

            return await handle(request, run)

        @relay.route("/message", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            async def run(conversation_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
                text = body.get("text")
                if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
                    raise RelayError(400, "text_required")
                return await self.write(conversation_id, [], staff_message(text.strip(), staff_name(body)))

            return await handle(request, run)

        @relay.route("/handback", methods=["POST"])
        async def handback(request: Request) -> HTTPResponse:
            async def run(conversation_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
                notice = bot_notice("utter_staff_left")
                return await self.write(conversation_id, [SlotSet(HANDOFF_ACTIVE, False)], notice, end_request=True)

            return await handle(request, run)

        @relay.route("/erase", methods=["POST"])
        async def erase(request: Request) -> HTTPResponse:
            async def run(conversation_id: str, _body: Dict[str, Any]) -> Dict[str, Any]:
                agent = current_agent()
                store = erasing_store(agent.tracker_store)
                async with agent.lock_store.lock(conversation_id):
                    erased = await store.erase(conversation_id)
                return {"erased": True, "events": erased}

            return await handle(request, run)

        return relay

    async def write(
        self, conversation_id: str, events: List[Event], message: BotUttered, end_request: bool = False
    ) -> Dict[str, Any]:
        """Adds `events` and `message` to the conversation, then sends the message. With
        `end_request` the hand-off request is marked ended: asking again makes a new case."""
        agent = current_agent()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.tracker_store.retrieve(conversation_id)
            if tracker is None or not tracker.events:
                raise RelayError(404, "unknown_conversation")
            channel_name = tracker.get_latest_input_channel()
            channel = registry.input_channel(channel_name)
            if channel is not None and hasattr(channel, "reachable") and not await channel.reachable(conversation_id):
                raise RelayError(409, "opted_out")
            request = tracker.get_slot("handoff_request")
            if end_request and isinstance(request, dict):
                events = [*events, SlotSet("handoff_request", {**request, "ended": True}), SlotSet("handoff_mode", None)]
            for event in [*events, message]:
                tracker.update(event)
            await agent.tracker_store.save(tracker)
            output = registry.output_channel(channel_name)
            if output is not None:
                # The stored event's own message(), so a reloaded widget shows the same (same id).
                await output.send_response(conversation_id, message.message())
        log.info("staff relay: wrote to a conversation on %s (delivered: %s)", channel_name, output is not None)
        return {"delivered": output is not None, "channel": channel_name or ""}


def staff_name(body: Dict[str, Any]) -> str:
    name = body.get("staff_name")
    return name.strip()[:60] if isinstance(name, str) and name.strip() else "En medarbejder"


def erasing_store(store: Any) -> Any:
    """Our tracker store inside Rasa's wrapper (FailSafeTrackerStore), which has no erase."""
    while store is not None and not hasattr(store, "erase"):
        store = getattr(store, "_tracker_store", None)
    if store is None:
        raise RelayError(501, "tracker_store_cannot_erase")  # endpoints.yml names another store
    return store


def current_agent() -> Any:
    agent = getattr(Sanic.get_app().ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        raise RelayError(503, "assistant_not_ready")
    return agent
