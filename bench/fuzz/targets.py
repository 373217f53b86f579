"""The stacks the fuzzer runs against: the production profile, or the development assistant,
each with the SMS channel against a local gateway stand-in."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List

from bench.fuzz.sms import ACCOUNT_SID, TO_NUMBER

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "vejviser.tar.gz"


@dataclass
class Target:
    """Where the fuzzer sends its inputs, whichever stack runs."""

    base_url: str
    widget_origin: str
    sms_public_url: str
    sms_auth_token: str
    gateway_url: str
    log_files: Callable[[], List[Path]]
    name: str
    logs_at: str = ""
    body_limit: bool = True  # bodies over 64 KiB refused with 413 (nginx, and Sanic in front of Rasa)


def sms_env(tmp: Path, gateway_url: str, token: str) -> Dict[str, str]:
    """The SMS channel's settings for a stack on this machine, against the gateway stand-in."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_FROM_NUMBER": TO_NUMBER,
        "TWILIO_API_URL": gateway_url,
        "SMS_SENDER_KEY": secrets.token_urlsafe(32),
        "SMS_STORE_PATH": str(tmp / "sms.db"),
    }


@contextmanager
def dev_target(tmp: Path) -> Iterator[Target]:
    """tests.harness.services.Assistant (one Rasa process, the same channel code) with the
    SMS channel against a local gateway stand-in, and a profile with no staff on duty (so a
    hand-off asks questions instead of the bot going quiet)."""
    from tests.harness.fake_twilio import FakeTwilio
    from tests.harness.handoff import never_staffed
    from tests.harness.services import Assistant

    gateway = FakeTwilio()
    token = secrets.token_urlsafe(24)
    try:
        # No SANIC_REQUEST_MAX_SIZE here: the assistant gives every process the same environment,
        # and the action server must take Rasa's requests (tracker and domain, often over 64 KiB).
        env = {**sms_env(tmp, gateway.url, token), "VEJVISER_PROFILE": str(never_staffed(tmp))}
        assistant = Assistant(tmp, MODEL, extra_env=env)

        try:
            yield Target(
                base_url=assistant.url,
                widget_origin=assistant.allowed_origins[0],
                sms_public_url=f"{assistant.url}/webhooks/sms/webhook",
                sms_auth_token=token,
                gateway_url=gateway.url,
                log_files=lambda: sorted(tmp.glob("*.log")),
                name="dev",
                logs_at=str(tmp),
                body_limit=False,
            )
        finally:
            assistant.stop()
    finally:
        gateway.close()


@contextmanager
def production_target(tmp: Path, keep: bool = False) -> Iterator[Target]:
    """bot.launch.production.stack.ProductionStack (nginx in front of two Rasa processes) with
    throw-away secrets, the local SMS gateway stand-in and a profile with no staff on duty,
    started as the production tests start it (tests/harness/production.py)."""
    from tests.harness.handoff import never_staffed
    from tests.harness.production import start_stack

    # Not under pytest's tmp_path: as root PostgreSQL runs as `postgres`, which must enter it.
    base = Path(tempfile.mkdtemp(prefix="vejviser-fuzz-stack-"))
    base.chmod(0o711)
    stack = start_stack(base, MODEL, extra={"VEJVISER_PROFILE": str(never_staffed(tmp))})
    try:
        env = stack.env
        yield Target(
            base_url=stack.public_url,
            widget_origin=stack.widget_origin,
            sms_public_url=env["SMS_PUBLIC_URL"],
            sms_auth_token=env["TWILIO_AUTH_TOKEN"],
            gateway_url=env["TWILIO_API_URL"],
            log_files=lambda: sorted(p for p in Path(stack.log_dir).rglob("*") if p.is_file()),
            name="production",
            logs_at=str(stack.log_dir),
        )
    finally:
        stack.stop()
        if not keep:
            shutil.rmtree(base, ignore_errors=True)

