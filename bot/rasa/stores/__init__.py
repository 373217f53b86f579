"""Rasa's tracker store (CPR numbers masked, desk-readable) and lock store (Redis in production)."""
