"""The processes that run beside Rasa, one package each, started with `python -m bot.services.<name>`:
`booking` (FastAPI), `desk` (Django), `outbox_relay`, `sms_gateway` (a local Twilio stand-in),
`demo_site` (a municipality page that embeds the widget).

May import: `bot.core` and third-party packages. Must not import: Rasa, `actions`,
`bot.rasa`, `bot.launch`, or another service.
"""
