"""Custom actions for Vejviser; started with `rasa run actions --actions actions`."""
