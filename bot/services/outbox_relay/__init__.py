"""Delivers the action server's queued booking calls to the booking service."""
