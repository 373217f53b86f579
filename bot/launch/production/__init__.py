"""The production profile on one machine (`python -m bot.launch.production run`): the process
table's entries twice where it counts, behind nginx, with a local PostgreSQL and Redis."""
