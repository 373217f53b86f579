"""`worker`: sync cases and the dashboard's counts from the tracker store every 5 s and apply
retention every hour, until stopped."""

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
from bot.services.desk.insight.aggregate import record_stale_answers, refresh_insight

log = logging.getLogger("vejviser.desk")
SYNC_SECONDS = 5
PURGE_SECONDS = 3600


class Command(BaseCommand):
    help = "Sync cases and dashboard counts every 5 s and purge every hour, until stopped."

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
            try:  # apart, so a fault in the statistics never holds up cases or retention
                refresh_insight()
                record_stale_answers()
            except Exception:  # noqa: BLE001 - as above
                log.exception("desk worker: dashboard counts failed")
            time.sleep(SYNC_SECONDS)
