"""`create_admin --username X`: the first admin; create_user with the role fixed to admin."""

from __future__ import annotations

from django.core.management.base import CommandParser

from bot.services.desk.cases.management.commands import create_user


class Command(create_user.Command):
    help = "Create an admin account (password from DESK_ADMIN_PASSWORD or asked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.set_defaults(role="admin")
