"""The production profile on one machine: PostgreSQL, Redis, nginx, two Rasa processes,
two action servers, the booking service, the outbox relay and the staff desk.

Used by `python -m bot.launch.production run` (make run-production), by the production tests
and by the load, fuzz and soak benchmarks, so what is measured is what runs. Our processes
are the entries of bot/launch/processes.py; ports and environment: environment.py; Redis and
nginx: servers.py.

Which parts hold state: PostgreSQL (conversations, bookings, desk cases, SMS store,
outbox) and Redis (ticket locks, socket.io rooms, rate counters; all short-lived). Rasa,
the action servers, the booking service and the desk keep nothing between requests and
can run on as many machines as needed with the same environment variables.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from bot.core.profile import ProfileError, load_profile, profile_path
from bot.launch.processes import HOST, PROCESSES, migration_commands
from bot.launch.production import secrets as production_secrets
from bot.launch.production import servers
from bot.launch.production.environment import (
    DATABASES,
    DEPLOY,
    MAX_BODY_BYTES,
    MODEL,
    ONE_THREAD_PER_PROCESS,
    ROOT,
    Ports,
    missing_programs,
    stack_environment,
)
from bot.launch.production.postgres import LocalPostgres
from bot.launch.supervise import Supervised, wait_until_up

__all__ = ["ROOT", "MODEL", "Ports", "ProductionStack", "missing_programs", "wait_forever"]

log = logging.getLogger(__name__)

START_TIMEOUT = 240.0


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
        self.parts: Dict[str, Supervised] = {}
        self.postgres: Optional[LocalPostgres] = None

    # --- what the tests and benchmarks read ---------------------------------------
    @staticmethod
    def required_secrets() -> List[str]:
        return list(production_secrets.REQUIRED)

    @property
    def public_url(self) -> str:
        return f"http://{HOST}:{self.ports.public}"

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://{HOST}:{port}" for port in self.ports.rasa]

    @property
    def desk_url(self) -> str:
        return f"http://{HOST}:{self.ports.desk}"

    @property
    def widget_origin(self) -> str:
        return self.env["WIDGET_ALLOWED_ORIGINS"].split(",")[0]

    @property
    def sms_gateway_url(self) -> str:
        return self.env.get("TWILIO_API_URL", "")

    def pids(self) -> Dict[str, int]:
        found = {name: part.pid for name, part in self.parts.items() if part.pid is not None}
        if self.postgres and self.postgres.pid:
            found["postgres"] = self.postgres.pid
        nginx_pid = self.run_dir / "nginx.pid"
        if nginx_pid.exists():
            found["nginx"] = int(nginx_pid.read_text().strip() or 0)
        return found

    def nginx_config(self) -> str:
        return servers.nginx_config(self.ports, self.env, self.run_dir, self.log_dir)

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
            assert self.postgres is not None
            database_urls = {name: self.postgres.url(database) for name, database in DATABASES.items()}
            self.env = stack_environment(self.given_env, database_urls, self.ports, self.local_sms_gateway)
            self._start_redis()
            self._migrate()
            started = [self._supervise(*part).start() for part in self._parts()]
            for part in started:
                part.wait_up()
            self._start_nginx()
            wait_until_up(f"{self.public_url}/health", "nginx", timeout=START_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        nginx = self.parts.get("nginx")
        if nginx:
            nginx.stop()  # first: no new requests
        # Then all at once (one by one, each Rasa's graceful stop would add up).
        for part in self.parts.values():
            part.terminate()
        deadline = time.monotonic() + 30
        for part in self.parts.values():
            part.wait_stopped(timeout=max(0.1, deadline - time.monotonic()))
        if self.postgres:
            try:
                self.postgres.stop()
            except Exception as exc:  # noqa: BLE001 - stopping the rest matters more
                log.warning("postgres did not stop cleanly: %s", exc)
        for part in self.parts.values():
            part.close()

    # --- faults (tests) ------------------------------------------------------------------
    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.parts[name].kill(sig)

    def restart_part(self, name: str) -> None:
        """Stops the part if it runs and starts it again with the same command."""
        part = self.parts[name]
        part.stop()
        part.start()
        if name == "redis":
            self._wait_redis()
        else:
            part.wait_up()

    def restart_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.restart()

    # --- the parts -----------------------------------------------------------------------
    def _supervise(
        self, name: str, command: List[str], health: Optional[str] = None, env: Optional[Mapping[str, str]] = None
    ) -> Supervised:
        part = Supervised(name, command, {**self.env, **(env or {})}, self.log_dir / f"{name}.log", health, START_TIMEOUT)
        self.parts[name] = part
        return part

    def _parts(self) -> List[Tuple[str, List[str], Optional[str], Mapping[str, str]]]:
        """(name, command, health URL, extra environment) of each of our processes, in start order."""
        ports = self.ports
        rasa_files = {"model": self.model, "endpoints": DEPLOY / "endpoints.yml", "credentials": ROOT / "credentials.yml"}
        # Rasa refuses bigger request bodies (413) even if nginx is bypassed. Only Rasa: the
        # action servers receive the whole tracker and domain (~100 KB).
        rasa_env = {"SANIC_REQUEST_MAX_SIZE": str(MAX_BODY_BYTES), **ONE_THREAD_PER_PROCESS}
        parts = []
        if self.local_sms_gateway:
            parts.append(_entry("sms-gateway", "sms-gateway", ports.sms_gateway))
        parts += [_entry("booking", "booking", ports.booking), _entry("outbox-relay", "outbox-relay")]
        parts += [_entry(f"actions-{n}", "actions", port, extra=("--require-token",)) for n, port in enumerate(ports.actions, 1)]
        parts += [_entry(f"rasa-{n}", "rasa", port, env=rasa_env, values=rasa_files) for n, port in enumerate(ports.rasa, 1)]
        parts += [_entry("desk", "desk", ports.desk), _entry("desk-worker", "desk-worker")]
        return parts

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

    def _start_redis(self) -> None:
        command = servers.redis_command(self.base_dir / "redis", self.log_dir, self.ports.redis, self.env["REDIS_PASSWORD"])
        self._supervise("redis", command).start()
        self._wait_redis()

    def _wait_redis(self) -> None:
        servers.wait_for_redis(self.ports.redis, self.env["REDIS_PASSWORD"], self.log_dir)

    def _migrate(self) -> None:
        """Schema changes once, before the servers start (several would race)."""
        for command in migration_commands():
            with open(self.log_dir / "migrate.log", "a") as handle:
                subprocess.run(command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, check=True)

    def _start_nginx(self) -> None:
        self._supervise("nginx", servers.nginx_command(self.nginx_config(), self.run_dir)).start()


def _entry(
    name: str,
    table_name: str,
    port: Optional[int] = None,
    *,
    extra: Tuple[str, ...] = (),
    env: Optional[Mapping[str, str]] = None,
    values: Optional[Mapping[str, object]] = None,
) -> Tuple[str, List[str], Optional[str], Mapping[str, str]]:
    """One process of the table (bot/launch/processes.py) as this stack runs it."""
    spec = PROCESSES[table_name]
    return name, spec.argv(port, values, extra), spec.health_url(port), {**spec.env, **(env or {})}


def wait_forever(stack: ProductionStack, on_exit: Callable[[str], None]) -> None:
    """Returns when a part exits on its own (the caller stops the rest)."""
    while True:
        for name, part in stack.parts.items():
            if part.process is not None and part.process.poll() is not None:
                on_exit(name)
                return
        time.sleep(1)
