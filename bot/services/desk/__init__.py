"""The staff desk (Django): advisors see hand-offs from the chatbot, read the conversation and answer in it.
Commands: `python -m bot.services.desk help`; settings and environment: docs/configuration.md."""
