"""The SMS channel: Twilio-format webhooks in, SMS out through the gateway's HTTP API.

Named in credentials.yml as `bot.rasa.channels.sms.channel.SmsInput`. Webhook:
POST /webhooks/sms/webhook (form-encoded, signed); health: GET /webhooks/sms/.
Settings come from the environment (bot/rasa/channels/sms/settings.py). Without TWILIO_AUTH_TOKEN the
channel loads but refuses every webhook, since it could not check a signature.

The SMS logic lives in bot/rasa/channels/sms/; this module only joins it to Rasa and Sanic.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Set, Text
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.stores.sms import SmsStore
from bot.rasa.channels import registry
from bot.rasa.channels.domain_texts import domain_text
from bot.rasa.channels.sms.senders import is_phone_number
from bot.rasa.channels.sms.service import Outcome, SmsService
from bot.rasa.channels.sms.settings import SmsSettings
from bot.rasa.channels.sms.twilio import TwilioGateway
from bot.rasa.policies.crisis_policy import CRISIS_ANSWER

log = logging.getLogger(__name__)
CHANNEL_NAME = "sms"


def build_service(settings: SmsSettings) -> SmsService:
    """The service for enabled settings (no I/O here: the store opens on first use)."""
    gateway = TwilioGateway(
        account_sid=settings.account_sid,
        auth_token=settings.auth_token,
        from_number=settings.from_number,
        messaging_service_sid=settings.messaging_service_sid,
        api_url=settings.api_url,
    )
    return SmsService(gateway, SmsStore(settings.store_location), settings.sender_key, texts=domain_text, first=CRISIS_ANSWER)


class SmsTurnCollector(CollectingOutputChannel):
    """Collects the bot messages of one webhook turn; they go out together afterwards.
    Named "sms" so responses can have `channel: sms` variations. Keeps each message whole
    (Rasa's collector drops `utter_action`, which tells the crisis answer apart)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self._persist_message({**message, "recipient_id": recipient_id})


class SmsOutput(OutputChannel):
    """Sends each message at once, for messages outside a webhook turn (Rasa's
    trigger_intent with output_channel=sms, a staff answer later). Opt-outs hold."""

    def __init__(self, service: SmsService) -> None:
        self.service = service

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def _deliver(self, recipient_id: Text, messages: List[Dict[str, Any]]) -> None:
        await self.service.deliver(recipient_id, messages)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if message.get("elements"):
            await self.send_elements(recipient_id, message["elements"])
        if message.get("custom") and not (message.get("text") or message.get("buttons")):
            log.info("sms: a custom payload cannot be sent as SMS; skipped")
            return
        shown = {k: v for k, v in message.items() if k in ("text", "buttons", "image", "attachment") and v}
        if message.get("quick_replies"):
            shown["buttons"] = message["quick_replies"]
        if shown:
            await self._deliver(recipient_id, [shown])

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._deliver(recipient_id, [{"text": text}])

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self._deliver(recipient_id, [{"text": text, "buttons": buttons}])

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._deliver(recipient_id, [{"text": text, "buttons": quick_replies}])

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._deliver(recipient_id, [{"image": image}])

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self._deliver(recipient_id, [{"attachment": attachment}])

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        messages = [
            {"text": " - ".join(p for p in (e.get("title"), e.get("subtitle")) if p), "buttons": e.get("buttons") or []}
            for e in elements
        ]
        await self._deliver(recipient_id, messages)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        log.info("sms: a custom payload cannot be sent as SMS; skipped")


class SmsInput(InputChannel):
    """Twilio-format SMS webhooks (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SmsInput":
        settings = SmsSettings.load(overrides=credentials or {})
        settings.check()  # refuses to start with a clear error, e.g. a missing SMS_SENDER_KEY
        return cls(settings)

    def __init__(self, settings: SmsSettings, service: Optional[SmsService] = None) -> None:
        self.settings = settings
        self.service = service or (build_service(settings) if settings.enabled else None)
        self._turns: Set["asyncio.Future[Any]"] = set()
        if self.service is None:
            log.warning("sms: TWILIO_AUTH_TOKEN is not set, so every SMS webhook is refused (403)")

    def get_output_channel(self) -> Optional[OutputChannel]:
        return SmsOutput(self.service) if self.service else None

    async def reachable(self, sender_id: str) -> bool:
        """Whether a message written now can reach this sender (not after STOP)."""
        return self.service is not None and not await asyncio.to_thread(self.service.store.is_opted_out, sender_id)

    async def forget(self, sender_id: str) -> None:
        """Deletes what the channel keeps about a sender (number, options, pending text)."""
        if self.service is not None:
            await asyncio.to_thread(self.service.store.forget_sender, sender_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        registry.register(self)
        sms_webhook = Blueprint("sms_webhook", __name__)

        @sms_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "accepting": self.service is not None})

        @sms_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.service is None:
                return response.text("Forbidden", status=403)
            gateway = self.service.gateway
            # Parsed here, not with request.form: Sanic drops blank values, but the
            # signature covers them (Twilio sends e.g. an empty "ToCity").
            params = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
            url = request.url
            if self.settings.public_url:
                query = request.query_string
                url = self.settings.public_url + (f"?{query}" if query else "")
            if not gateway.verify(url, params, request.headers):
                log.warning("sms: webhook refused: missing or wrong signature")
                return response.text("Forbidden", status=403)
            body, content_type = gateway.empty_reply()
            inbound = gateway.parse_inbound(params)
            if inbound is None:
                log.info("sms: signed webhook without an inbound message ignored")
                return response.text(body, content_type=content_type)

            if not is_phone_number(inbound.sender):  # nothing could be sent back to it
                log.info("sms: signed webhook from something that is not a phone number refused")
                return response.text("Bad Request: From must be a phone number", status=400)
            metadata = self.get_metadata(request)

            async def run_turn(sender: str, text: str) -> List[Dict[str, Any]]:
                collector = SmsTurnCollector()
                await on_new_message(UserMessage(text, collector, sender, input_channel=CHANNEL_NAME, metadata=metadata))
                return collector.messages

            async def restart(sender: str) -> None:
                # Whatever Rasa says after a restart is discarded: the user opted out.
                await on_new_message(UserMessage("/restart", CollectingOutputChannel(), sender, input_channel=CHANNEL_NAME))

            # The gateway may hang up on a slow turn (Twilio waits 15 s); the message is
            # already claimed, so its turn runs to the end even if this request is cancelled.
            turn = asyncio.ensure_future(self.service.handle(inbound, run_turn, restart))
            self._turns.add(turn)
            turn.add_done_callback(self._turns.discard)
            outcome = await asyncio.shield(turn)
            log.info("sms: webhook %s", outcome.value)
            if outcome is Outcome.RATE_LIMITED:
                return response.text("Too many messages from this sender", status=429)
            return response.text(body, content_type=content_type)

        return sms_webhook
