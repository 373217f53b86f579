"""`python -m bot.launch.local [run|shell]`: the assistant on this machine (make run, make shell).

run    starts the process table's entries (bot/launch/processes.py) under honcho: Rasa, the
       action server, the booking service, the outbox relay, the local SMS gateway, the demo
       page and the staff desk, one output prefix per process; Ctrl-C (or one process
       exiting) stops them all.
shell  starts the booking service, outbox relay and action server (logs in logs/), then
       chats with the model in the terminal (`rasa shell`).

Run it after `source scripts/local_env.sh` (the Makefile does): that makes the local secrets
and the SQLite defaults. Ports come from RASA_PORT, ACTIONS_PORT, BOOKING_PORT,
SMS_GATEWAY_PORT, DEMO_PORT and DESK_PORT.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import subprocess
import sys
from typing import Dict, List, Mapping, Optional, Tuple

from bot.core.paths import PROJECT_ROOT
from bot.core.profile import ProfileError, load_profile, profile_path
from bot.launch.processes import HOST, PROCESSES, migration_commands
from bot.launch.supervise import Supervised

MODEL = PROJECT_ROOT / "models" / "vejviser.tar.gz"
RASA_FILES = {
    "model": MODEL,
    "endpoints": PROJECT_ROOT / "endpoints.yml",
    "credentials": PROJECT_ROOT / "credentials.yml",
}
LOG_DIR = PROJECT_ROOT / "logs"


def port(name: str, env: Mapping[str, str]) -> int:
    spec = PROCESSES[name]
    assert spec.port_variable is not None and spec.default_port is not None
    return int(env.get(spec.port_variable) or spec.default_port)


def local_environment(given: Mapping[str, str]) -> Dict[str, str]:
    """The environment of a local run: what scripts/local_env.sh set, plus where the parts are."""
    env = dict(given)
    env.setdefault("BOOKING_URL", f"http://{HOST}:{port('booking', env)}")
    env.setdefault("BOOKING_API_TOKEN", secrets.token_urlsafe(48))  # a fresh one per run
    if not env.get("TWILIO_API_URL"):
        # No real SMS gateway configured: answers go to a local stand-in for Twilio's API
        # (bot/services/sms_gateway); what was sent is at <TWILIO_API_URL>/messages.
        env.update(TWILIO_API_URL=f"http://{HOST}:{port('sms-gateway', env)}", LOCAL_SMS_GATEWAY="1")
        env.setdefault("TWILIO_ACCOUNT_SID", "AClocal")
        env.setdefault("TWILIO_FROM_NUMBER", "+4570000000")
    demo = port("demo-site", env)
    # The sites that may embed the widget: here the demo page.
    env.setdefault("WIDGET_ALLOWED_ORIGINS", f"http://{HOST}:{demo},http://localhost:{demo}")
    env["PYTHONUNBUFFERED"] = "1"  # lines reach honcho's prefixed output as they are written
    return env


def command(name: str, env: Mapping[str, str], values: Optional[Mapping[str, object]] = None) -> List[str]:
    spec = PROCESSES[name]
    return spec.argv(port(name, env) if spec.port_variable else None, values)


def health_url(name: str, env: Mapping[str, str]) -> Optional[str]:
    spec = PROCESSES[name]
    return spec.health_url(port(name, env)) if spec.port_variable else None


def run_commands(env: Mapping[str, str]) -> List[Tuple[str, List[str]]]:
    """(name, command) of every process `make run` starts."""
    assistant_url = f"http://{HOST}:{port('rasa', env)}"
    names = ["booking", "outbox-relay", "actions"]
    if env.get("LOCAL_SMS_GATEWAY"):
        names.append("sms-gateway")
    names += ["demo-site", "desk", "desk-worker"]
    found = [(name, command(name, env, {"assistant_url": assistant_url})) for name in names]
    return found + [("rasa", command("rasa", env, RASA_FILES))]


def where(env: Mapping[str, str]) -> List[str]:
    """What `make run` tells the person who started it."""
    url = {name: f"http://{HOST}:{port(name, env)}" for name in ("rasa", "actions", "desk", "demo-site")}
    lines = [
        f"booking service on {env['BOOKING_URL']} (API docs: {env['BOOKING_URL']}/docs)",
        f"action server on {url['actions']}",
        f"staff desk on {url['desk']}/ (first account: make desk-admin)",
        f"Rasa on {url['rasa']}  (REST: POST /webhooks/rest/webhook, SMS: POST /webhooks/sms/webhook)",
        f"chat widget demo page on {url['demo-site']}/",
    ]
    if env.get("LOCAL_SMS_GATEWAY"):
        sms = env["TWILIO_API_URL"]
        lines.insert(1, f"local SMS gateway on {sms} (sent SMS: {sms}/messages; scripts/sms.sh sends one)")
    return [f"run: {line}" for line in lines]


def migrate(env: Mapping[str, str]) -> None:
    """Once before the servers start (the desk's server and worker would race on a new database)."""
    LOG_DIR.mkdir(exist_ok=True)
    with open(LOG_DIR / "migrate.log", "a") as log:
        for migration in migration_commands():
            subprocess.run(migration, cwd=PROJECT_ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT, check=True)


def run(env: Mapping[str, str]) -> int:
    from honcho import manager as honcho_manager

    # honcho kills what has not stopped 5 s after Ctrl-C; Rasa's graceful stop may take
    # longer. 30 s, as the production profile and the tests wait.
    honcho_manager.KILL_WAIT = 30
    migrate(env)
    for line in where(env):
        print(line, flush=True)
    manager = honcho_manager.Manager()
    for name, argv in run_commands(env):
        # exec: the shell honcho starts becomes the process, so its signals reach it directly.
        manager.add_process(name, "exec " + shlex.join(argv), env=dict(env), cwd=str(PROJECT_ROOT))
    manager.loop()
    return manager.returncode or 0


def shell(env: Mapping[str, str]) -> int:
    LOG_DIR.mkdir(exist_ok=True)
    logs = {"booking": "booking.log", "outbox-relay": "outbox.log", "actions": "actions.log"}
    helpers = [Supervised(name, command(name, env), env, LOG_DIR / log, health_url(name, env)) for name, log in logs.items()]
    # The helpers run in their own sessions: a closed terminal or a SIGTERM must still stop them.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, _frame: sys.exit(128 + number))
    chat: Optional[subprocess.Popen] = None
    try:
        for helper in helpers:
            helper.start().wait_up()
        chat_command = [sys.executable, "-m", "rasa", "shell", "--model", str(MODEL), "--endpoints", str(RASA_FILES["endpoints"])]
        chat = subprocess.Popen(chat_command, cwd=PROJECT_ROOT, env=dict(env))
        return chat.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if chat is not None and chat.poll() is None:
            chat.terminate()
            chat.wait(timeout=30)
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.wait_stopped()
            helper.close()


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.launch.local", description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "shell"])
    args = parser.parse_args(argv)
    env = local_environment(os.environ)
    try:  # nothing starts on an invalid municipality profile ($VEJVISER_PROFILE): one line says what is wrong
        load_profile(profile_path(env))
    except ProfileError as error:
        print(error, file=sys.stderr)
        return 1
    return run(env) if args.mode == "run" else shell(env)


if __name__ == "__main__":
    sys.exit(main())
