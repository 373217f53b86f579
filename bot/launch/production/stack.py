"""The production profile on one machine: PostgreSQL, Redis, nginx, two Rasa processes,
two action servers, the booking service, the outbox relay and the staff desk.

Used by `python -m bot.launch.production run` (make run-production), by the production tests
and by the load, fuzz and soak benchmarks, so what is measured is what runs.

Which parts hold state: PostgreSQL (conversations, bookings, desk cases, SMS store,
outbox) and Redis (ticket locks, socket.io rooms, rate counters; all short-lived). Rasa,
the action servers, the booking service and the desk keep nothing between requests and
can run on as many machines as needed with the same environment variables.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

import requests

from bot.core.paths import PROJECT_ROOT
from bot.core.profile import ProfileError, load_profile, profile_path
from bot.launch.production import secrets as production_secrets
from bot.launch.production.postgres import LocalPostgres

log = logging.getLogger(__name__)

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
START_TIMEOUT = 240.0
MAX_BODY_BYTES = 64 * 1024  # the channels' requests; a message is at most 2,000 characters
# One Rasa process per core, each running TensorFlow and BLAS on one thread: threads of two
# processes no longer compete (measured: 92 instead of 108 ms CPU per message, median 96 ms
# instead of 116 ms for one user).
ONE_THREAD_PER_PROCESS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


@dataclass
class Part:
    """One process of the stack: how to start it and how to tell it is up."""

    name: str
    command: List[str]
    health: Optional[str] = None  # URL answering 2xx/3xx/4xx once up
    env: Dict[str, str] = field(default_factory=dict)  # on top of the stack's environment
    process: Optional[subprocess.Popen] = None


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


class ProductionStack:
    """Starts and stops the production profile's processes in `base_dir` (data, logs)."""

    def __init__(
        self,
        base_dir: Path,
        extra_env: Optional[Mapping[str, str]] = None,
        durable: bool = True,
        ports: Optional[Ports] = None,
        model: Path = MODEL,
        local_sms_gateway: bool = False,
    ) -> None:
        self.base_dir = Path(base_dir).absolute()
        self.log_dir = self.base_dir / "logs"
        self.run_dir = self.base_dir / "run"
        self.ports = ports or Ports.free()
        self.model = model
        self.durable = durable
        self.local_sms_gateway = local_sms_gateway
        self.given_env = dict(os.environ if extra_env is None else {**os.environ, **extra_env})
        self.env: Dict[str, str] = {}
        self.parts: Dict[str, Part] = {}
        self.postgres: Optional[LocalPostgres] = None
        self._logs: List = []

    # --- what the tests and benchmarks read ---------------------------------------
    @staticmethod
    def required_secrets() -> List[str]:
        return list(production_secrets.REQUIRED)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.public}"

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.rasa]

    @property
    def desk_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.desk}"

    @property
    def widget_origin(self) -> str:
        return self.env["WIDGET_ALLOWED_ORIGINS"].split(",")[0]

    @property
    def sms_gateway_url(self) -> str:
        return self.env.get("TWILIO_API_URL", "")

    def pids(self) -> Dict[str, int]:
        found = {name: part.process.pid for name, part in self.parts.items() if part.process and part.process.poll() is None}
        if self.postgres and self.postgres.pid:
            found["postgres"] = self.postgres.pid
        nginx_pid = self.run_dir / "nginx.pid"
        if nginx_pid.exists():
            found["nginx"] = int(nginx_pid.read_text().strip() or 0)
        return found

    def __enter__(self) -> "ProductionStack":
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- start and stop --------------------------------------------------------------
    def start(self) -> None:
        problems = production_secrets.problems(self.given_env)
        if problems:
            raise SystemExit("production profile refused:\n  - " + "\n  - ".join(problems))
        missing = missing_programs()
        if missing:
            raise SystemExit(f"production profile needs Debian packages: apt-get install {' '.join(missing)}")
        if not self.model.exists():
            raise SystemExit(f"no trained model at {self.model}: run make train")
        try:
            load_profile(profile_path(self.given_env))
        except ProfileError as error:
            raise SystemExit(f"production profile refused: {error}") from None
        for directory in (self.log_dir, self.run_dir):
            directory.mkdir(parents=True, exist_ok=True)
        try:
            self._start_postgres()
            self.env = self._environment()
            self._start_redis()
            self._migrate()
            for part in self._parts():
                self._launch(part)
            for part in self.parts.values():
                self._wait(part)
            self._start_nginx()
            self._wait_url(f"{self.public_url}/health", "nginx")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self._stop_nginx()  # first: no new requests
        # Then all at once (one by one, each Rasa's graceful stop would add up).
        running = [part for part in self.parts.values() if part.process is not None and part.process.poll() is None]
        for part in running:
            part.process.terminate()
        deadline = time.monotonic() + 30
        for part in running:
            try:
                part.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                part.process.kill()
                part.process.wait(timeout=10)
        if self.postgres:
            try:
                self.postgres.stop()
            except Exception as exc:  # noqa: BLE001 - stopping the rest matters more
                log.warning("postgres did not stop cleanly: %s", exc)
        for handle in self._logs:
            handle.close()
        self._logs = []

    # --- faults (tests) ------------------------------------------------------------------
    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        part = self.parts[name]
        if part.process and part.process.poll() is None:
            part.process.send_signal(sig)
            part.process.wait(timeout=30)

    def restart_part(self, name: str) -> None:
        """Stops the part if it runs and starts it again with the same command."""
        part = self.parts[name]
        self._terminate(part)
        self._launch(part)
        if name == "redis":
            self._wait_redis()
        else:
            self._wait(part)

    def restart_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.restart()

    # --- the parts -----------------------------------------------------------------------
    def _start_postgres(self) -> None:
        self.postgres = LocalPostgres(
            self.base_dir / "postgres",
            self.ports.postgres,
            self.given_env["POSTGRES_PASSWORD"],
            log_file=self.log_dir / "postgres.log",
            durable=self.durable,
        )
        self.postgres.start()
        for name in sorted(set(DATABASES.values())):
            self.postgres.create_database(name)

    def _environment(self) -> Dict[str, str]:
        assert self.postgres is not None
        ports = self.ports
        env = dict(self.given_env)
        env.update({name: self.postgres.url(database) for name, database in DATABASES.items()})
        env.update(
            {
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "PYTHONPATH": str(ROOT),
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(ports.redis),
                "VEJVISER_REDIS_URL": f"redis://:{env['REDIS_PASSWORD']}@127.0.0.1:{ports.redis}/2",
                "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions_lb}/webhook",
                "BOOKING_URL": f"http://127.0.0.1:{ports.booking}",
                "RASA_URL": f"http://127.0.0.1:{ports.internal}",
                "DESK_ALLOWED_HOSTS": env.get("DESK_ALLOWED_HOSTS") or "127.0.0.1,localhost",
            }
        )
        env.setdefault("WIDGET_ALLOWED_ORIGINS", f"http://127.0.0.1:{ports.public}")
        env.setdefault("SMS_PUBLIC_URL", f"http://127.0.0.1:{ports.public}/webhooks/sms/webhook")
        if self.local_sms_gateway:  # a local stand-in for Twilio's API (tests, trying the profile out)
            env["TWILIO_API_URL"] = f"http://127.0.0.1:{ports.sms_gateway}"
            env.setdefault("TWILIO_ACCOUNT_SID", "AClocal")
            env.setdefault("TWILIO_FROM_NUMBER", "+4570000000")
        return env

    def _start_redis(self) -> None:
        redis_dir = self.base_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        config = redis_dir / "redis.conf"
        # A config file, not arguments: the password must not show in `ps`.
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.ports.redis}",
                    "protected-mode yes",
                    f'requirepass "{self.env["REDIS_PASSWORD"]}"',
                    f"dir {redis_dir}",
                    'save ""',  # locks, rooms and counters are short-lived: nothing to keep
                    "appendonly no",
                    "daemonize no",
                    "maxmemory 256mb",
                    "maxmemory-policy volatile-lru",
                    f"logfile {self.log_dir / 'redis.log'}",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        config.chmod(0o600)
        part = Part("redis", [shutil.which("redis-server") or "redis-server", str(config)])
        self._launch(part)
        self._wait_redis()

    def _wait_redis(self, timeout: float = 30) -> None:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.ports.redis, password=self.env["REDIS_PASSWORD"], socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis did not start; see {self.log_dir / 'redis.log'}") from None
                time.sleep(0.1)

    def _migrate(self) -> None:
        """Schema changes once, before the servers start (several would race)."""
        commands = [
            [str(BIN / "python"), "-m", "bot.services.booking", "migrate"],
            [str(BIN / "python"), "-m", "bot.services.desk", "migrate", "--no-input"],
        ]
        for command in commands:
            with open(self.log_dir / "migrate.log", "a") as handle:
                subprocess.run(command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, check=True)

    def _parts(self) -> List[Part]:
        python, ports = str(BIN / "python"), self.ports
        parts: List[Part] = []
        if self.local_sms_gateway:
            parts.append(
                Part(
                    "sms-gateway",
                    [python, "-m", "bot.services.sms_gateway", "--port", str(ports.sms_gateway)],
                    f"http://127.0.0.1:{ports.sms_gateway}/messages",
                )
            )
        parts.append(
            Part(
                "booking",
                [python, "-m", "bot.services.booking", "serve", "--host", "127.0.0.1", "--port", str(ports.booking)],
                f"http://127.0.0.1:{ports.booking}/health",
            )
        )
        parts.append(Part("outbox-relay", [python, "-m", "bot.services.outbox_relay"]))
        for number, port in enumerate(ports.actions, start=1):
            parts.append(
                Part(
                    f"actions-{number}",
                    [python, "-m", "actions.server", "--host", "127.0.0.1", "--port", str(port), "--require-token"],
                    f"http://127.0.0.1:{port}/health",
                )
            )
        for number, port in enumerate(ports.rasa, start=1):
            parts.append(
                Part(
                    f"rasa-{number}",
                    [
                        str(BIN / "rasa"),
                        "run",
                        "--model",
                        str(self.model),
                        "--endpoints",
                        str(DEPLOY / "endpoints.yml"),
                        "--credentials",
                        str(ROOT / "credentials.yml"),
                        "--interface",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    f"http://127.0.0.1:{port}/",
                    # Rasa refuses bigger request bodies (413) even if nginx is bypassed. Only
                    # Rasa: the action servers receive the whole tracker and domain (~100 KB).
                    env={"SANIC_REQUEST_MAX_SIZE": str(MAX_BODY_BYTES), **ONE_THREAD_PER_PROCESS},
                )
            )
        parts.append(
            Part(
                "desk",
                [python, "-m", "bot.services.desk", "serve", "--host", "127.0.0.1", "--port", str(ports.desk)],
                f"http://127.0.0.1:{ports.desk}/health",
            )
        )
        parts.append(Part("desk-worker", [python, "-m", "bot.services.desk", "worker"]))
        return parts

    def _launch(self, part: Part) -> None:
        handle = open(self.log_dir / f"{part.name}.log", "a")
        self._logs.append(handle)
        part.process = subprocess.Popen(
            part.command, cwd=ROOT, env={**self.env, **part.env}, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.parts[part.name] = part

    def _wait(self, part: Part) -> None:
        if part.health:
            self._wait_url(part.health, part.name, part.process)
        elif part.process is not None:
            time.sleep(0.5)
            if part.process.poll() is not None:
                raise RuntimeError(f"{part.name} exited with {part.process.returncode}; see {self.log_dir / part.name}.log")

    def _wait_url(self, url: str, name: str, process: Optional[subprocess.Popen] = None) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.log_dir / name}.log")
            try:
                if requests.get(url, timeout=2, allow_redirects=False).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{name} did not answer at {url} within {START_TIMEOUT:.0f} s")

    def _terminate(self, part: Part, timeout: float = 30) -> None:
        process = part.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    # --- nginx ---------------------------------------------------------------------------
    def _nginx(self) -> str:
        return shutil.which("nginx") or "/usr/sbin/nginx"

    def nginx_config(self) -> str:
        ports = self.ports
        values = {
            "RUN_DIR": str(self.run_dir),
            "LOG_DIR": str(self.log_dir),
            # As root nginx's workers drop to www-data (Debian's nginx user).
            "USER_LINE": "user www-data;" if os.geteuid() == 0 else "",
            "PUBLIC_HOST": self.env.get("PUBLIC_HOST", "127.0.0.1"),
            "PUBLIC_PORT": str(ports.public),
            "RASA_PORT_1": str(ports.rasa[0]),
            "RASA_PORT_2": str(ports.rasa[1]),
            "ACTIONS_PORT_1": str(ports.actions[0]),
            "ACTIONS_PORT_2": str(ports.actions[1]),
            "ACTIONS_LB_PORT": str(ports.actions_lb),
            "INTERNAL_PORT": str(ports.internal),
            "ADDRESS_RATE": self.env.get("NGINX_ADDRESS_RATE", "20"),
            "ADDRESS_BURST": self.env.get("NGINX_ADDRESS_BURST", "40"),
            "ADDRESS_CONNECTIONS": self.env.get("NGINX_ADDRESS_CONNECTIONS", "20"),
        }
        template = (DEPLOY / "nginx.conf.template").read_text(encoding="utf-8")
        return string.Template(template).safe_substitute(values)

    def _start_nginx(self) -> None:
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / name).mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.run_dir / name, "www-data", "www-data")
        config = self.run_dir / "nginx.conf"
        config.write_text(self.nginx_config(), encoding="utf-8")
        command = [self._nginx(), "-p", str(self.run_dir), "-c", str(config), "-g", "daemon off;"]
        check = subprocess.run(command[:-2] + ["-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx configuration refused: {check.stderr.strip()}")
        self._launch(Part("nginx", command))

    def _stop_nginx(self) -> None:
        part = self.parts.get("nginx")
        if part:
            self._terminate(part)


def wait_forever(stack: ProductionStack, on_exit: Callable[[str], None]) -> None:
    """Returns when a part exits on its own (the caller stops the rest)."""
    while True:
        for name, part in stack.parts.items():
            if part.process is not None and part.process.poll() is not None:
                on_exit(name)
                return
        time.sleep(1)
