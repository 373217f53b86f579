"""Rasa input channels for Vejviser."""
