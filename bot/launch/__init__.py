"""How the processes are started together: `production` runs the production profile on one
machine. It names the processes by module string (`python -m ...`) and imports only
`bot.core` and itself."""
