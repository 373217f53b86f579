"""What the production profile runs besides Rasa and the action servers (a local PostgreSQL)."""
