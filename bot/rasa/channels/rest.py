"""The REST channel, hardened: POST /webhooks/rest/webhook with {"sender": ..., "message": ...}.

Differences from Rasa's RestInput (same URL and answer format):
- a request without a usable sender or message gets a clear 400 (Rasa's would file it under
  the shared sender "default", mixing strangers' conversations);
- a CPR number typed by mistake never reaches the tracker store, the NLU or a log; the user
  is told kindly that it is not needed;
- messages over 2,000 characters are answered kindly and not processed; a sender over the
  rate limit gets 429; Rasa's slash syntax only works for buttons the bot offered
  (bot/rasa/channels/guard.py).

Named in credentials.yml as `bot.rasa.channels.rest.PrivateRestInput`."""

from __future__ import annotations

import json
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.privacy import mask_cpr
from bot.rasa.channels.domain_texts import domain_text, tell_cpr_removed
from bot.rasa.channels.guard import (
    FAILED_FALLBACK,
    FAILED_RESPONSE,
    MAX_SENDER_CHARS,
    SLOW_DOWN_FALLBACK,
    SLOW_DOWN_RESPONSE,
    TOO_LONG_FALLBACK,
    TOO_LONG_RESPONSE,
    admit_from_tracker,
    readable,
    shared_limits,
    too_long,
)

log = logging.getLogger(__name__)


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def parse_body(body: bytes) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """(the request's JSON object, None) or (None, why it cannot be used)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        return None, 'The body must be JSON in UTF-8: {"sender": "...", "message": "..."}.'
    if not isinstance(data, dict):
        return None, 'The body must be a JSON object: {"sender": "...", "message": "..."}.'
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        return None, '"sender" is required: a string that identifies the conversation.'
    if len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        return None, f'"sender" must be at most {MAX_SENDER_CHARS} printable characters.'
    if not isinstance(data.get("message"), str):
        return None, '"message" is required and must be a string.'
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, '"metadata" must be a JSON object when given.'
    return data, None


class PrivateRestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_PrivateRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            data, problem = parse_body(request.body or b"")
            if data is None:
                return _bad_request(problem or "bad request")
            sender_id: str = data["sender"]
            text: str = data["message"]
            if too_long(text):
                answer = domain_text(TOO_LONG_RESPONSE) or TOO_LONG_FALLBACK
                return response.json([{"recipient_id": sender_id, "text": answer}])
            if not shared_limits().allow(self.name(), sender_id):
                answer = domain_text(SLOW_DOWN_RESPONSE) or SLOW_DOWN_FALLBACK
                return response.json({"error": "rate_limited", "text": answer}, status=429, headers={"Retry-After": "30"})
            text, masked = mask_cpr(readable(text))
            collector = CollectingOutputChannel()
            agent = getattr(request.app.ctx, "agent", None)
            text = await admit_from_tracker(agent, sender_id, text)
            if masked:
                await tell_cpr_removed(collector, sender_id)
            message = UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=data.get("metadata"))
            try:
                await on_new_message(message)
            except CancelledError:
                log.error("rest: the turn was cancelled (timeout)")
            except Exception as exc:
                # Logged without the text; the answers collected so far are still returned.
                log.exception("rest: the turn failed (%s)", type(exc).__name__)
                if not collector.messages:
                    apology = domain_text(FAILED_RESPONSE) or FAILED_FALLBACK
                    collector.messages.append({"recipient_id": sender_id, "text": apology})
            return response.json(collector.messages)

        return webhook
