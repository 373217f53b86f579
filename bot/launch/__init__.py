"""How the processes are started together. `processes` is the one table of them; `local`
runs it for `make run` (honcho), `production` runs it as the production profile on one
machine, `supervise` starts, stops and restarts one process (production and tests). It names
the processes by module string (`python -m ...`) and imports only `bot.core` and itself."""
