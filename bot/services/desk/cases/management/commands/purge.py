"""`purge`: delete what is past its retention period once, and print the counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from bot.services.desk.cases.management.commands._migrated import migrate
from bot.services.desk.cases.retention import purge


class Command(BaseCommand):
    help = "Delete what is past its retention period, print the counts."

    def handle(self, *args: Any, **options: Any) -> None:
        migrate()
        result = purge(timezone.now())
        self.stdout.write(
            f"purge: {result.closed_cases} closed cases, {result.conversations} idle conversations, "
            f"{result.sms_numbers} SMS numbers deleted"
        )
