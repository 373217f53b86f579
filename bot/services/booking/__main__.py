"""`python -m bot.services.booking serve|migrate`: run the booking service or only its migrations."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.core.settings import BookingSettings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.services.booking")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate the database, then serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5056)
    commands.add_parser("migrate", help="bring the database schema up to date and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = BookingSettings.from_env()
    except SettingsError as error:
        print(f"booking service: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        from bot.services.booking.db import migrate

        migrate(settings.database_url)
        return 0
    from bot.core.profile import ProfileError, load_profile

    try:
        load_profile(settings.profile_path)
    except ProfileError as error:
        print(f"booking service: {error}", file=sys.stderr)
        return 2
    import uvicorn

    from bot.services.booking.api import create_app

    # access_log off: request lines carry booking codes in paths; our own log says what happened.
    # ws="none": no websockets here, and Rasa pins an older websockets than uvicorn expects.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, access_log=False, log_level="info", ws="none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
