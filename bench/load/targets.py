"""The stack under load: the production profile or the development assistant, started with
throw-away secrets and always stopped."""

from __future__ import annotations

import argparse
import contextlib
import inspect
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "vejviser.tar.gz"
FALLBACK_SECRETS = (
    "WIDGET_SESSION_SECRET SMS_SENDER_KEY TWILIO_AUTH_TOKEN DESK_SECRET_KEY DESK_RASA_TOKEN "
    "BOOKING_API_TOKEN ACTION_SERVER_TOKEN POSTGRES_PASSWORD REDIS_PASSWORD"
).split()


@dataclass
class Target:
    """What the load goes to: one public URL, the widget's Origin, and the processes to watch."""

    label: str
    base_url: str
    origin: str
    pids: Callable[[], Dict[str, int]]

    @classmethod
    def from_stack(cls, stack: Any) -> "Target":
        origin = getattr(stack, "widget_origin", None) or stack.env["WIDGET_ALLOWED_ORIGINS"].split(",")[0].strip()
        return cls("production", stack.public_url, origin, stack.pids)

    @classmethod
    def from_assistant(cls, assistant: Any) -> "Target":
        def pids() -> Dict[str, int]:
            return {
                "rasa": assistant.rasa.pid,
                "actions": assistant.actions.pid,
                "outbox-relay": assistant.relay.pid,
                "booking": assistant.booking.process.pid,
            }

        return cls("dev", assistant.url, assistant.allowed_origins[0], pids)


def required_secrets(stack_class: Any) -> List[str]:
    """The stack refuses missing or default secrets; it knows best which ones it needs."""
    ask = getattr(stack_class, "required_secrets", None)
    return list(ask()) if callable(ask) else list(FALLBACK_SECRETS)


def throwaway_secrets(names: Sequence[str]) -> Dict[str, str]:
    # Hex: valid in URLs, DSNs and config files alike, and long enough for every minimum.
    return {name: secrets.token_hex(32) for name in names}



@contextlib.contextmanager
def started_target(args: argparse.Namespace) -> Iterator[Target]:
    """Starts the stack to measure and always stops it, also on Ctrl-C or an error."""
    base_dir = Path(tempfile.mkdtemp(prefix="vejviser-load-", dir="/tmp"))
    base_dir.chmod(0o711)  # PostgreSQL runs as its own user and must reach its data dir inside
    started = time.monotonic()
    keep = args.keep
    try:
        if args.target == "production":
            try:
                from bot.launch.production.stack import ProductionStack
            except ImportError as exc:
                raise SystemExit(f"no production stack ({exc}); try --target dev") from exc

            options: Dict[str, Any] = {}
            if "local_sms_gateway" in inspect.signature(ProductionStack).parameters:
                options["local_sms_gateway"] = True  # the SMS channel needs a gateway to start; never the real one here
            secrets_env = throwaway_secrets(required_secrets(ProductionStack))
            stack = ProductionStack(base_dir, extra_env=secrets_env, durable=True, **options)
            try:
                stack.start()
                print(f"Production stack up in {time.monotonic() - started:.1f} s (logs: {stack.log_dir})", flush=True)
                yield Target.from_stack(stack)
            except BaseException:
                keep = True  # the logs tell why
                raise
            finally:
                stack.stop()
        else:
            from tests.harness.services import Assistant

            assistant = Assistant(base_dir, MODEL)
            try:
                print(f"Dev stack up in {time.monotonic() - started:.1f} s (logs: {base_dir})", flush=True)
                yield Target.from_assistant(assistant)
            except BaseException:
                keep = True
                raise
            finally:
                assistant.stop()
    finally:
        if keep or args.keep:
            print(f"Kept {base_dir}", flush=True)
        else:
            shutil.rmtree(base_dir, ignore_errors=True)
