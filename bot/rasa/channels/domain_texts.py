"""Texts that channels send themselves (notices, SMS help), read at run time from the
running agent's domain: every user-facing text lives in domain.yml."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Mapping, Optional

from rasa.core.channels.channel import OutputChannel
from sanic import Sanic
from sanic.exceptions import SanicException

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
CPR_NOTICE = "utter_cpr_removed"
log = logging.getLogger(__name__)


def response_text(responses: Mapping[str, List[Dict[str, Any]]], name: str, **values: Any) -> Optional[str]:
    """The text of response `name` (its first variant without a condition) with the
    given {placeholders} filled; other placeholders are left as they are."""
    variants = [v for v in responses.get(name) or [] if v.get("text")]
    if not variants:
        return None
    text = next((v for v in variants if not v.get("condition")), variants[0])["text"]
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def domain_text(name: str, **values: Any) -> Optional[str]:
    """Response `name` from the domain of the agent the Rasa server is running, or None
    outside a running server or when the model's domain lacks it."""
    try:
        agent = Sanic.get_app().ctx.agent
    except (SanicException, AttributeError):
        return None
    domain = getattr(agent, "domain", None)
    return response_text(getattr(domain, "responses", None) or {}, name, **values)


async def tell_cpr_removed(output: OutputChannel, recipient_id: str) -> None:
    """Tells the user kindly that the CPR number in their message was removed."""
    log.info("a CPR number was masked in a message")  # never the number or the text
    notice = domain_text(CPR_NOTICE)
    if notice:
        await output.send_text_message(recipient_id, notice)
