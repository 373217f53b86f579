"""One production stack (bot/launch/production/stack.py) for the production, fuzz and load tests:
PostgreSQL, Redis, nginx, two Rasa processes, two action servers, booking service, desk,
started in a temporary folder with throw-away secrets and stopped afterwards."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import requests

from bot.core.stores.conversations import ConversationStore
from bot.launch.production import secrets as production_secrets
from bot.launch.production.stack import ProductionStack

# All test traffic comes from 127.0.0.1: nginx's per-address limit would count it as one
# very busy person. The per-sender limit in the channels still applies.
TEST_ENV = {"NGINX_ADDRESS_RATE": "1000", "NGINX_ADDRESS_BURST": "2000", "NGINX_ADDRESS_CONNECTIONS": "500"}


def start_stack(base_dir: Path, model: Path, extra: Optional[Dict[str, str]] = None) -> ProductionStack:
    env = {**production_secrets.generate(), **TEST_ENV, **(extra or {})}
    stack = ProductionStack(base_dir, extra_env=env, durable=False, model=model, local_sms_gateway=True)
    stack.start()
    return stack


def say(url: str, sender: str, text: str, timeout: float = 30) -> Tuple[List[Dict], float]:
    """REST message to `url` (nginx or one Rasa process): (answers, seconds)."""
    began = time.monotonic()
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout)
    response.raise_for_status()
    return response.json(), time.monotonic() - began


def texts(messages: List[Dict]) -> List[str]:
    return [m["text"] for m in messages if "text" in m]


def new_sender() -> str:
    return "prod-" + uuid.uuid4().hex


def conversation(stack: ProductionStack, sender: str) -> List[Dict]:
    """The stored events of one conversation, from PostgreSQL."""
    return ConversationStore(stack.env["TRACKER_DATABASE_URL"]).events(sender)


def user_texts(stack: ProductionStack, sender: str) -> List[str]:
    return [e["data"].get("text") for e in conversation(stack, sender) if e["type"] == "user"]
