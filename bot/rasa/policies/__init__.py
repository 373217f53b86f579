"""Rasa policies of our own: the crisis answer first, and staff hand-off (the bot listens while staff have the conversation)."""
