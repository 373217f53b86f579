"""The REST channel with CPR masking: a CPR number typed by mistake never reaches the
tracker store, the NLU or a log; the user is told kindly that it is not needed.

Named in credentials.yml as `bot.channels.rest.PrivateRestInput`; the URL stays
/webhooks/rest/webhook."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from bot.channels.domain_texts import tell_cpr_removed
from bot.privacy import CPR_MASK, mask_cpr


class PrivateRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        text = super()._extract_message(req)
        masked, _count = mask_cpr(text) if isinstance(text, str) else (text, 0)
        return masked

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> Any:
            if isinstance(message.text, str) and CPR_MASK in message.text:
                await tell_cpr_removed(message.output_channel, message.sender_id)
            return await on_new_message(message)

        return super().blueprint(handle)
