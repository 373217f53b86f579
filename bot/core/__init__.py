"""The assistant's shared core: plain Python that every process may use (the action
server, Rasa's plug-ins, the services and the tools).

May import: the standard library, third-party packages, and `bot.core` itself.
Must not import: Rasa, rasa_sdk, Django, FastAPI, `actions`, or any other `bot` package.
"""
