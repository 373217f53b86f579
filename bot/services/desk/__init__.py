"""The staff desk: advisors see hand-offs from the chatbot, read the conversation and
answer the young person in it.

Start it with `python -m bot.services.desk serve --port 8090` (migrates, then serves with uvicorn);
`python -m bot.services.desk create-admin --username X` makes the first admin,
`python -m bot.services.desk worker` syncs cases every 5 s and purges every hour,
`python -m bot.services.desk purge` applies the retention periods once,
`python -m bot.services.desk manage <args>` runs Django's manage commands.

Environment (read by bot/services/desk/config.py; the desk refuses to start without the secrets).
Retention periods come from the municipality profile (VEJVISER_PROFILE, `privacy`).

| variable | meaning | default |
| --- | --- | --- |
| DESK_SECRET_KEY | Django secret, at least 32 random characters | required |
| DESK_RASA_TOKEN | bearer token for Rasa's /webhooks/staff/* relay, at least 24 characters | required |
| DESK_DATABASE_URL | sqlite:///path (relative to the repo) or postgresql://user:pass@host:port/db | sqlite:///var/desk.db |
| TRACKER_DATABASE_URL | SQLAlchemy URL of Rasa's tracker store (as in endpoints.yml) | sqlite:///var/rasa_tracker.db |
| RASA_URL | Rasa server with the staff relay | http://127.0.0.1:5005 |
| BOOKING_URL, BOOKING_API_TOKEN | booking service and its bearer token | http://127.0.0.1:5056, empty |
| SMS_STORE_PATH | the SMS channel's SQLite file (numbers are purged with the conversation) | var/sms.db |
| DESK_ALLOWED_HOSTS | host names the desk answers to | 127.0.0.1,localhost |
| DESK_SECURE_COOKIES | 1 behind HTTPS | 0 |
| DESK_SESSION_MINUTES | idle minutes before a login expires | 30 |
| DESK_ADMIN_PASSWORD | password for create-admin (else asked twice) | |
"""
