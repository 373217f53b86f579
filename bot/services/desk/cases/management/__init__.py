"""The desk's Django management commands (in commands/), run as `python -m bot.services.desk <command>`."""
