"""`serve [--host H] [--port P]`: migrate, then serve the desk's ASGI app with uvicorn."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bot.services.desk.cases.management.commands._migrated import migrate


class Command(BaseCommand):
    help = "Migrate the database, then serve the desk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8090)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        migrate()
        import uvicorn

        from bot.services.desk.asgi import application

        # access_log off: paths carry case ids only, but we keep request lines out of the log anyway.
        # ws="none": no websockets here, and Rasa pins an older websockets than uvicorn expects.
        uvicorn.run(application, host=host, port=port, access_log=False, log_level="info", ws="none", lifespan="off")
