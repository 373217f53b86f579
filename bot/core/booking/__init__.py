"""The one client of the booking service and the action server's outbox of booking calls
that must not be lost (delivered later by `bot.services.outbox_relay`)."""
