"""`python -m bot.services.desk serve|create-admin|purge|worker|manage`; see bot/services/desk/__init__.py."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from typing import List, Optional

from bot.services.desk.config import DeskConfigError

log = logging.getLogger("vejviser.desk")
SYNC_SECONDS = 5
PURGE_SECONDS = 3600


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bot.services.desk.django_settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def serve(host: str, port: int) -> int:
    _setup()
    _migrate()
    import uvicorn

    from bot.services.desk.asgi import application

    # access_log off: paths carry case ids only, but we keep request lines out of the log anyway.
    # ws="none": no websockets here, and Rasa pins an older websockets than uvicorn expects.
    uvicorn.run(application, host=host, port=port, access_log=False, log_level="info", ws="none", lifespan="off")
    return 0


def create_user(username: str, role: str = "admin") -> int:
    _setup()
    _migrate()
    from django.contrib.auth.models import Group, User
    from django.contrib.auth.password_validation import ValidationError, validate_password

    if User.objects.filter(username=username).exists():
        print(f"desk: the user {username!r} exists already; nothing changed", file=sys.stderr)
        return 1
    password = os.environ.get("DESK_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Adgangskode: ")
        if password != getpass.getpass("Gentag adgangskode: "):
            print("desk: the passwords differ; nothing changed", file=sys.stderr)
            return 1
    user = User(username=username, is_staff=False, is_superuser=role == "admin")
    try:
        validate_password(password, user)
    except ValidationError as problems:
        print("desk: password refused: " + " ".join(problems.messages), file=sys.stderr)
        return 1
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    print(f"desk: {role} {username!r} created")
    return 0


def purge() -> int:
    _setup()
    _migrate()
    from django.utils import timezone

    from bot.services.desk.cases.retention import purge as run_purge

    result = run_purge(timezone.now())
    print(
        f"purge: {result.closed_cases} closed cases, {result.conversations} idle conversations, "
        f"{result.sms_numbers} SMS numbers deleted"
    )
    return 0


def worker() -> int:
    _setup()
    _migrate()
    from django.db import close_old_connections
    from django.utils import timezone

    from bot.services.desk.cases.retention import purge as run_purge
    from bot.services.desk.cases.sync import sync_cases

    next_purge = 0.0
    while True:
        close_old_connections()
        try:
            sync_cases()
            if time.monotonic() >= next_purge:
                run_purge(timezone.now())
                next_purge = time.monotonic() + PURGE_SECONDS
        except Exception:  # noqa: BLE001 - a bad round must not stop the worker; it is logged
            log.exception("desk worker round failed")
        time.sleep(SYNC_SECONDS)


def manage(args: List[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m bot.services.desk manage", *args])
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bot.services.desk", description="Vejviser's staff desk")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="migrate the database, then serve the desk")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8090)
    admin = commands.add_parser("create-admin", help="create the first admin (password from DESK_ADMIN_PASSWORD or asked)")
    admin.add_argument("--username", required=True)
    advisor = commands.add_parser("create-user", help="create an account (password from DESK_ADMIN_PASSWORD or asked)")
    advisor.add_argument("--username", required=True)
    advisor.add_argument("--role", choices=("advisor", "admin"), default="advisor")
    commands.add_parser("purge", help="delete what is past its retention period, print the counts")
    commands.add_parser("worker", help="sync cases every 5 s and purge every hour, until stopped")
    commands.add_parser("manage", help="run a Django management command", add_help=False)
    if argv[:1] == ["manage"]:
        args, rest = parser.parse_args(argv[:1]), argv[1:]
    else:
        args, rest = parser.parse_args(argv), []
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "serve":
            return serve(args.host, args.port)
        if args.command == "create-admin":
            return create_user(args.username, "admin")
        if args.command == "create-user":
            return create_user(args.username, args.role)
        if args.command == "purge":
            return purge()
        if args.command == "worker":
            return worker()
        return manage(rest)
    except DeskConfigError as error:
        print(f"desk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
