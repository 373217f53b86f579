"""The assistant's shared core: plain Python that every process may use.

May import: the standard library, third-party packages, and `bot.quality`.
Must not import: Rasa, rasa_sdk, `actions`, or any other `bot` package; they import it.
"""
