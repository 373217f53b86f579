"""`python -m bot.services.desk <command> [options]`: the desk's manage.py. Its own commands
(serve, worker, purge, create_user, create_admin) are in cases/management/commands/; Django's
own (migrate, shell, ...) work as well; `python -m bot.services.desk help` lists them all."""

from __future__ import annotations

import os
import sys
from typing import List, Optional

from bot.services.desk.config import DeskConfigError


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bot.services.desk.django_settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["python -m bot.services.desk", *argv])
    except DeskConfigError as error:  # missing or weak secrets: say which, without a traceback
        print(f"desk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
