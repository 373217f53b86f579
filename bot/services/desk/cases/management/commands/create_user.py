"""`create_user --username X [--role advisor|admin]`: a desk account; the password comes from
DESK_ADMIN_PASSWORD or is asked twice."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import ValidationError, validate_password
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bot.services.desk.cases.management.commands._migrated import migrate

ROLES = ("advisor", "admin")


class Command(BaseCommand):
    help = "Create a desk account (password from DESK_ADMIN_PASSWORD or asked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", choices=ROLES, default="advisor")

    def handle(self, *args: Any, username: str, role: str, **options: Any) -> None:
        migrate()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"the user {username!r} exists already; nothing changed")
        password = os.environ.get("DESK_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Adgangskode: ")
            if password != getpass.getpass("Gentag adgangskode: "):
                raise CommandError("the passwords differ; nothing changed")
        user = User(username=username, is_staff=False, is_superuser=role == "admin")
        try:
            validate_password(password, user)
        except ValidationError as problems:
            raise CommandError("password refused: " + " ".join(problems.messages)) from None
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        self.stdout.write(f"desk: {role} {username!r} created")
