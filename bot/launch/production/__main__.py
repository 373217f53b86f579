"""`python -m bot.launch.production run | secrets | check`: the production profile on one machine.

run      starts PostgreSQL, Redis, nginx, two Rasa processes, two action servers, the
         booking service, the outbox relay and the staff desk (see bot/launch/production/stack.py);
         Ctrl-C stops them all. Refuses missing or default secrets.
secrets  writes fresh random secrets to var/production.env (mode 600) unless it exists.
check    says whether the environment's secrets would be accepted.
desk-admin --name anna [--role advisor]
         creates a staff desk account in the profile's desk database (asks for the password).

Secrets come from the environment; var/production.env (or --env-file) fills in the ones
the environment does not set.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict

from bot.launch.production import secrets as production_secrets
from bot.launch.production.postgres import LocalPostgres
from bot.launch.production.stack import ROOT, Ports, ProductionStack, wait_forever

DEFAULT_ENV_FILE = ROOT / "var" / "production.env"


def environment(env_file: Path) -> Dict[str, str]:
    env = dict(os.environ)
    for name, value in production_secrets.read_env_file(env_file).items():
        env.setdefault(name, value)
    return env


def write_secrets(path: Path) -> int:
    if path.exists():
        print(f"production: {path} exists; not overwritten")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Secrets of the production profile (python -m bot.launch.production secrets). Keep private.\n")
        for name, value in production_secrets.generate().items():
            handle.write(f"{name}={value}\n")
    print(f"production: wrote new secrets to {path} (mode 600)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.launch.production", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "secrets", "check", "desk-admin"])
    parser.add_argument("--name", default="admin", help="desk-admin: the account's user name")
    parser.add_argument("--role", default="admin", choices=["admin", "advisor"], help="desk-admin: the account's role")
    parser.add_argument("--env-file", type=Path, default=DEFAULT_ENV_FILE)
    parser.add_argument("--base-dir", type=Path, default=ROOT / "var" / "production")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "secrets":
        return write_secrets(args.env_file)
    env = environment(args.env_file)
    problems = production_secrets.problems(env)
    if problems:
        print("production: refused to start with these secrets:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(
            "Set them in the environment (see .env.example), or run `make production-secrets` "
            f"to write random ones to {DEFAULT_ENV_FILE.relative_to(ROOT)}.",
            file=sys.stderr,
        )
        return 2
    if args.command == "check":
        print("production: the secrets are acceptable")
        return 0
    if args.command == "desk-admin":
        desk_env = {
            **env,
            "DESK_DATABASE_URL": LocalPostgres.url_for(env["POSTGRES_PASSWORD"], Ports().postgres, "vejviser_desk"),
        }
        command = [sys.executable, "-m", "bot.services.desk", "create_user", "--username", args.name, "--role", args.role]
        return subprocess.call(command, cwd=ROOT, env=desk_env)

    local_sms = not env.get("TWILIO_API_URL") and env.get("VEJVISER_LOCAL_SMS_GATEWAY", "1") == "1"
    stack = ProductionStack(args.base_dir, extra_env=env, ports=Ports(), local_sms_gateway=local_sms)
    # Ctrl-C and a service manager's SIGTERM both stop everything (also when started from a
    # shell that ignores SIGINT for background jobs).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start()
        print(f"production: public entry (nginx) on {stack.public_url}: REST, widget, SMS webhooks")
        print(f"production: Rasa processes {', '.join(stack.rasa_urls)} (HTTP API off), action servers behind nginx")
        print(f"production: staff desk on {stack.desk_url}/ (make desk-admin with the same environment)")
        if local_sms:
            print(f"production: no TWILIO_API_URL set: SMS answers go to the local stand-in {stack.sms_gateway_url}/messages")
        print(f"production: logs in {stack.log_dir}; Ctrl-C stops everything")
        wait_forever(stack, lambda name: print(f"production: {name} stopped on its own; stopping the rest", file=sys.stderr))
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
