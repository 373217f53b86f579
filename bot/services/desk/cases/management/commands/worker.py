"""`worker`: sync cases from the tracker store every 5 s and apply retention every hour, until stopped."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from bot.services.desk.cases.management.commands._migrated import migrate
from bot.services.desk.cases.retention import purge
from bot.services.desk.cases.sync import sync_cases

log = logging.getLogger("vejviser.desk")
SYNC_SECONDS = 5
PURGE_SECONDS = 3600


class Command(BaseCommand):
    help = "Sync cases every 5 s and purge every hour, until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        migrate()
        next_purge = 0.0
        while True:
            close_old_connections()
            try:
                sync_cases()
                if time.monotonic() >= next_purge:
                    purge(timezone.now())
                    next_purge = time.monotonic() + PURGE_SECONDS
            except Exception:  # noqa: BLE001 - a bad round must not stop the worker; it is logged
                log.exception("desk worker round failed")
            time.sleep(SYNC_SECONDS)
