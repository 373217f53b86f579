"""One SMS turn, from a verified inbound message to the SMS parts sent back.

Rasa is reached only through two callables the channel passes in (run a turn, restart a
conversation), so the whole flow can be tested without a Rasa server. Every text the
service sends itself is a response in domain.yml, fetched through `texts`.

Phone numbers are personal data: they go to the store and the gateway, never to a log
and never to Rasa (Rasa sees the keyed-hash sender id from bot/rasa/channels/sms/senders.py).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from enum import Enum
from typing import Any, Awaitable, Callable, Collection, Dict, List, Optional

from bot.core.privacy import mask_cpr
from bot.core.stores.sms import SmsStore
from bot.rasa.channels.guard import (
    FAILED_FALLBACK,
    FAILED_RESPONSE,
    TOO_LONG_FALLBACK,
    TOO_LONG_RESPONSE,
    shared_limits,
    too_long,
    without_intent_syntax,
)
from bot.rasa.channels.sms.gateway import InboundSms, SmsGateway, SmsSendError
from bot.rasa.channels.sms.gsm import split_parts, to_gsm
from bot.rasa.channels.sms.replies import Keyword, keyword, match_option, render_messages
from bot.rasa.channels.sms.senders import normalise_number, sender_id

log = logging.getLogger(__name__)

MAX_PARTS = 3
# (sender id, text) -> the bot messages of the turn, as Rasa's CollectingOutputChannel has them.
TurnRunner = Callable[[str, str], Awaitable[List[Dict[str, Any]]]]
Restarter = Callable[[str], Awaitable[None]]
Texts = Callable[..., Optional[str]]


class Outcome(str, Enum):
    """What happened to one inbound SMS (logged; the number and text never are)."""

    DUPLICATE = "repeated delivery ignored"
    DROPPED = "sender opted out, message dropped"
    STOPPED = "sender opted out"
    STARTED = "sender opted in"
    HELP = "help sent"
    MORE = "rest of a long answer sent"
    EMPTY = "empty message answered with the help text"
    TOO_LONG = "too long, asked to write less"
    RATE_LIMITED = "too many messages, not answered"
    TURN = "answered"
    FAILED = "turn failed, asked to try again"


class SmsService:
    """Runs SMS turns for one gateway and store."""

    def __init__(
        self,
        gateway: SmsGateway,
        store: SmsStore,
        sender_key: str,
        texts: Texts,
        first: Collection[str] = (),
        max_parts: int = MAX_PARTS,
    ) -> None:
        """`first`: responses that go before the rest of their turn (the crisis answer),
        so a welcome never pushes them behind "MERE"."""
        self.gateway = gateway
        self.store = store
        self._sender_key = sender_key
        self._texts = texts
        self._first = frozenset(first)
        self.max_parts = max_parts
        # Held only while a sender's turn runs (weak values: no lock kept per number for ever).
        self._locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()

    def sender_id_for(self, number: str) -> str:
        return sender_id(self._sender_key, number)

    # --- texts from the domain ----------------------------------------------
    def _text(self, name: str, **values: Any) -> Optional[str]:
        text = self._texts(name, **values)
        if not text:
            log.warning("sms: response %s is missing from the domain; it was not sent", name)
        return text

    def _choose_line(self, count: int) -> Optional[str]:
        if count == 1:
            return self._text("utter_sms_choose_one", number=1)
        return self._text("utter_sms_choose", numbers=", ".join(str(n) for n in range(1, count)), last=count)

    def _more_line(self) -> str:
        # Without the domain text the keyword itself still tells the user what to write.
        return to_gsm(self._text("utter_sms_more") or "MERE")

    # --- sending ----------------------------------------------------------------
    async def _send_parts(self, number: str, parts: List[str]) -> int:
        """Sends the parts in order; stops at the first failure (a later part alone would
        not make sense). Returns how many were sent. Failures are logged, never raised."""
        for index, part in enumerate(parts, 1):
            try:
                await asyncio.to_thread(self.gateway.send, number, part)
            except SmsSendError as exc:
                log.warning("sms: sending part %d of %d failed (%s)", index, len(parts), exc)
                return index - 1
            except Exception as exc:  # a gateway bug must not break the webhook either
                log.error("sms: sending part %d of %d failed (%s)", index, len(parts), type(exc).__name__)
                return index - 1
        log.info("sms: sent %d part(s)", len(parts))
        return len(parts)

    async def _send_text(self, number: str, text: Optional[str]) -> int:
        if not text:
            return 0
        return await self._send_parts(number, split_parts(to_gsm(text), self._more_line(), self.max_parts).parts)

    async def deliver(self, sender: str, messages: List[Dict[str, Any]], number: Optional[str] = None) -> int:
        """Renders bot messages as one SMS text, splits it into at most `max_parts` SMS
        (the rest kept for MERE), remembers the offered options and sends. Nothing goes to
        an opted-out sender. Returns the number of parts sent."""
        if await asyncio.to_thread(self.store.is_opted_out, sender):
            log.info("sms: %d message(s) to an opted-out sender suppressed", len(messages))
            return 0
        # Stable: the crisis answer first, everything else in Rasa's order after it.
        ordered = sorted(messages, key=lambda m: m.get("utter_action") not in self._first)
        rendered = render_messages(ordered, self._choose_line)
        text = to_gsm(rendered.text)
        if not text:
            return 0
        number = number or await asyncio.to_thread(self.store.number_for, sender)
        if not number:
            log.warning("sms: no phone number stored for a sender; %d message(s) not sent", len(messages))
            return 0
        split = split_parts(text, self._more_line(), self.max_parts)
        await asyncio.to_thread(self.store.set_options, sender, rendered.options)
        await asyncio.to_thread(self.store.set_pending, sender, split.remainder)
        return await self._send_parts(number, split.parts)

    async def _send_more(self, sender: str, number: str) -> None:
        rest = await asyncio.to_thread(self.store.take_pending, sender)
        if not rest:
            await self._send_text(number, self._text("utter_sms_no_more"))
            return
        split = split_parts(rest, self._more_line(), self.max_parts)
        await asyncio.to_thread(self.store.set_pending, sender, split.remainder)
        await self._send_parts(number, split.parts)

    # --- one inbound message ------------------------------------------------------
    def _lock_for(self, sender: str) -> asyncio.Lock:
        lock = self._locks.get(sender)
        if lock is None:
            lock = self._locks[sender] = asyncio.Lock()
        return lock

    async def handle(self, inbound: InboundSms, run_turn: TurnRunner, restart: Restarter) -> Outcome:
        """Processes a verified inbound SMS and sends the answer before returning.

        One sender's messages are handled one at a time, in the order they came: the
        numbered options and the kept MERE text of one turn are what the next one reads."""
        if not await asyncio.to_thread(self.store.claim_message, inbound.message_id):
            return Outcome.DUPLICATE
        sender = self.sender_id_for(inbound.sender)
        async with self._lock_for(sender):
            return await self._handle(inbound, sender, run_turn, restart)

    async def _handle(self, inbound: InboundSms, sender: str, run_turn: TurnRunner, restart: Restarter) -> Outcome:
        number = normalise_number(inbound.sender)
        kind = keyword(inbound.text)

        if await asyncio.to_thread(self.store.is_opted_out, sender):
            if kind is not Keyword.START:
                return Outcome.DROPPED
            await asyncio.to_thread(self.store.opt_in, sender)
            await asyncio.to_thread(self.store.remember_number, sender, number)
            await self._send_text(number, self._text("utter_sms_started"))
            return Outcome.STARTED

        await asyncio.to_thread(self.store.remember_number, sender, number)
        if kind is Keyword.STOP:
            return await self._stop(sender, number, restart)
        if kind is Keyword.START:
            await self._send_text(number, self._text("utter_sms_started"))
            return Outcome.STARTED
        if kind is Keyword.HELP:
            await self._send_text(number, self._text("utter_sms_help"))
            return Outcome.HELP
        if kind is Keyword.MORE:
            await self._send_more(sender, number)
            return Outcome.MORE

        text = inbound.text.strip()
        if not text:  # e.g. a picture without words: say what the service reads
            await self._send_text(number, self._text("utter_sms_help"))
            return Outcome.EMPTY
        if too_long(text):
            await self._send_text(number, self._text(TOO_LONG_RESPONSE) or TOO_LONG_FALLBACK)
            return Outcome.TOO_LONG
        if not shared_limits().allow("sms", sender):
            return Outcome.RATE_LIMITED  # nothing sent: every SMS costs, and this may be a loop
        payload = match_option(text, await asyncio.to_thread(self.store.options_for, sender))
        # Only the options the bot offered become commands; typed "/..." is read as words.
        masked, cpr_count = mask_cpr(payload or (without_intent_syntax(text) if text.startswith("/") else text))
        notices: List[Dict[str, Any]] = []
        if cpr_count:
            log.info("sms: a CPR number was masked in a message")
            notice = self._text("utter_cpr_removed")
            notices = [{"text": notice}] if notice else []
        try:
            messages = await run_turn(sender, masked)
        except Exception as exc:  # Rasa failed: the user gets the notice at most, the webhook still answers
            log.error("sms: the Rasa turn failed (%s)", type(exc).__name__)
            apology = self._text(FAILED_RESPONSE) or FAILED_FALLBACK
            await self.deliver(sender, notices + [{"text": apology}], number=number)
            return Outcome.FAILED
        await self.deliver(sender, notices + messages, number=number)
        return Outcome.TURN

    async def _stop(self, sender: str, number: str, restart: Restarter) -> Outcome:
        """STOP: opted out first (so nothing else can be sent), the Rasa conversation
        restarted, one confirmation sent, then the number and state deleted."""
        await asyncio.to_thread(self.store.opt_out, sender)
        try:
            await restart(sender)
        except Exception as exc:
            log.error("sms: restarting the conversation failed (%s)", type(exc).__name__)
        await self._send_text(number, self._text("utter_sms_stopped"))
        await asyncio.to_thread(self.store.forget_sender, sender)
        return Outcome.STOPPED
