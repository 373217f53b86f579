"""The production profile's ports, databases and environment: what every part of the stack
is told about the others (bot/launch/production/stack.py starts them)."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping

from bot.core.paths import PROJECT_ROOT
from bot.launch.processes import HOST, free_port

ROOT = PROJECT_ROOT
DEPLOY = ROOT / "deploy" / "production"
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "vejviser.tar.gz"
DATABASES = {
    "TRACKER_DATABASE_URL": "vejviser_rasa",
    "BOOKING_DATABASE_URL": "vejviser_booking",
    "DESK_DATABASE_URL": "vejviser_desk",
    "SMS_STORE_URL": "vejviser_channels",
    "BOOKING_OUTBOX_URL": "vejviser_channels",
}
MAX_BODY_BYTES = 64 * 1024  # the channels' requests; a message is at most 2,000 characters
# One Rasa process per core, each running TensorFlow and BLAS on one thread: threads of two
# processes no longer compete (measured: 92 instead of 108 ms CPU per message, median 96 ms
# instead of 116 ms for one user).
ONE_THREAD_PER_PROCESS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@dataclass
class Ports:
    public: int = 8000
    desk: int = 8090
    rasa: List[int] = field(default_factory=lambda: [5005, 5015])
    actions: List[int] = field(default_factory=lambda: [5055, 5065])
    actions_lb: int = 5050
    internal: int = 5006
    booking: int = 5056
    postgres: int = 5433
    redis: int = 6380
    sms_gateway: int = 5057

    @classmethod
    def free(cls) -> "Ports":
        return cls(
            public=free_port(),
            desk=free_port(),
            rasa=[free_port(), free_port()],
            actions=[free_port(), free_port()],
            actions_lb=free_port(),
            internal=free_port(),
            booking=free_port(),
            postgres=free_port(),
            redis=free_port(),
            sms_gateway=free_port(),
        )


def missing_programs() -> List[str]:
    """Debian packages the profile needs that are not installed."""
    missing = []
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        missing.append("nginx-light")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        missing.append("postgresql")
    return missing


def stack_environment(
    given: Mapping[str, str], database_urls: Mapping[str, str], ports: Ports, local_sms_gateway: bool
) -> Dict[str, str]:
    """The environment every part starts with: the given one plus where the others are."""
    env = dict(given)
    env.update(database_urls)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(ROOT),
            "REDIS_HOST": HOST,
            "REDIS_PORT": str(ports.redis),
            "VEJVISER_REDIS_URL": f"redis://:{env['REDIS_PASSWORD']}@{HOST}:{ports.redis}/2",
            "ACTION_SERVER_URL": f"http://{HOST}:{ports.actions_lb}/webhook",
            "BOOKING_URL": f"http://{HOST}:{ports.booking}",
            "RASA_URL": f"http://{HOST}:{ports.internal}",
            "DESK_ALLOWED_HOSTS": env.get("DESK_ALLOWED_HOSTS") or "127.0.0.1,localhost",
        }
    )
    env.setdefault("WIDGET_ALLOWED_ORIGINS", f"http://{HOST}:{ports.public}")
    env.setdefault("SMS_PUBLIC_URL", f"http://{HOST}:{ports.public}/webhooks/sms/webhook")
    if local_sms_gateway:  # a local stand-in for Twilio's API (tests, trying the profile out)
        env["TWILIO_API_URL"] = f"http://{HOST}:{ports.sms_gateway}"
        env.setdefault("TWILIO_ACCOUNT_SID", "AClocal")
        env.setdefault("TWILIO_FROM_NUMBER", "+4570000000")
    return env
