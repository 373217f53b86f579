"""What every desk command does first: bring the database schema up to date."""

from __future__ import annotations

from django.core.management import call_command


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)
