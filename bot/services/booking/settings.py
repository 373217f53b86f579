"""The booking service's settings live with every other setting in bot/core/settings.py;
named here too because the service's modules import them from their own package."""

from bot.core.settings import BookingSettings, SettingsError

__all__ = ["BookingSettings", "SettingsError"]
