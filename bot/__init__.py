"""Vejviser's Python code, grouped by kind. Each package's docstring says what it may import.

- `bot.core`: plain Python shared by every process (profile, privacy, dates, knowledge base,
  booking client and outbox, stores that several processes read). Imports nothing else of ours.
- `bot.rasa`: what Rasa loads by dotted name from config.yml, endpoints.yml and
  credentials.yml (NLU components, policies, channels with SMS under them, tracker and lock
  stores). May import `bot.core`.
- `bot.services`: the processes beside Rasa, one package each with its own `__main__`
  (booking, desk, outbox_relay, sms_gateway, demo_site). May import `bot.core`, never each other.
- `bot.launch`: starts the processes (the production profile on one machine). Names the
  other packages only as module strings for `python -m`.
- `bot.quality`: scoring used by tests and benchmarks (held-out NLU, knowledge base).

Nothing here imports `actions` (the action server); tests/test_import_direction.py checks it.
"""
