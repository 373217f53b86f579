"""Clients for the services the custom actions call."""
