"""The stack's two programs that are not ours, Redis and nginx: their configuration files
and how to tell they are up."""

from __future__ import annotations

import os
import shutil
import string
import subprocess
import time
from pathlib import Path
from typing import List, Mapping

from bot.launch.production.environment import DEPLOY, Ports


def redis_command(redis_dir: Path, log_dir: Path, port: int, password: str) -> List[str]:
    redis_dir.mkdir(parents=True, exist_ok=True)
    config = redis_dir / "redis.conf"
    # A config file, not arguments: the password must not show in `ps`.
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                "protected-mode yes",
                f'requirepass "{password}"',
                f"dir {redis_dir}",
                'save ""',  # locks, rooms and counters are short-lived: nothing to keep
                "appendonly no",
                "daemonize no",
                "maxmemory 256mb",
                "maxmemory-policy volatile-lru",
                f"logfile {log_dir / 'redis.log'}",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    return [shutil.which("redis-server") or "redis-server", str(config)]


def wait_for_redis(port: int, password: str, log_dir: Path, timeout: float = 30) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis did not start; see {log_dir / 'redis.log'}") from None
            time.sleep(0.1)


def nginx_config(ports: Ports, env: Mapping[str, str], run_dir: Path, log_dir: Path) -> str:
    values = {
        "RUN_DIR": str(run_dir),
        "LOG_DIR": str(log_dir),
        # As root nginx's workers drop to www-data (Debian's nginx user).
        "USER_LINE": "user www-data;" if os.geteuid() == 0 else "",
        "PUBLIC_HOST": env.get("PUBLIC_HOST", "127.0.0.1"),
        "PUBLIC_PORT": str(ports.public),
        "RASA_PORT_1": str(ports.rasa[0]),
        "RASA_PORT_2": str(ports.rasa[1]),
        "ACTIONS_PORT_1": str(ports.actions[0]),
        "ACTIONS_PORT_2": str(ports.actions[1]),
        "ACTIONS_LB_PORT": str(ports.actions_lb),
        "INTERNAL_PORT": str(ports.internal),
        "ADDRESS_RATE": env.get("NGINX_ADDRESS_RATE", "20"),
        "ADDRESS_BURST": env.get("NGINX_ADDRESS_BURST", "40"),
        "ADDRESS_CONNECTIONS": env.get("NGINX_ADDRESS_CONNECTIONS", "20"),
    }
    template = (DEPLOY / "nginx.conf.template").read_text(encoding="utf-8")
    return string.Template(template).safe_substitute(values)


def nginx_command(config_text: str, run_dir: Path) -> List[str]:
    """Writes the configuration, has nginx check it, and returns the command that serves it."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / name).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(run_dir / name, "www-data", "www-data")
    config = run_dir / "nginx.conf"
    config.write_text(config_text, encoding="utf-8")
    command = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(run_dir), "-c", str(config), "-g", "daemon off;"]
    check = subprocess.run(command[:-2] + ["-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx configuration refused: {check.stderr.strip()}")
    return command
