"""The one secret rule (bot/core/settings.py) and the settings groups read through it."""

from __future__ import annotations

import re

import pytest

from bot.core.paths import PROJECT_ROOT
from bot.core.settings import (
    ActionServerSettings,
    BookingSettings,
    DeskSettings,
    EnvSettings,
    SettingsError,
    check_secret,
    env_name,
    secret_problem,
)

GOOD = "Qm7vK2xZp9LrT4wN8bYc3HdF"  # 24 random characters


def test_missing_secret_names_the_variable_and_what_to_set() -> None:
    with pytest.raises(SettingsError, match=r"^WIDGET_SESSION_SECRET is not set: .*at least 24 characters"):
        check_secret("WIDGET_SESSION_SECRET", "")
    with pytest.raises(SettingsError, match="WIDGET_SESSION_SECRET is not set"):
        check_secret("WIDGET_SESSION_SECRET", None)


def test_short_secret_is_refused_with_the_minimum() -> None:
    with pytest.raises(SettingsError, match="DESK_SECRET_KEY is shorter than 32 characters"):
        check_secret("DESK_SECRET_KEY", GOOD, min_chars=32)


def test_placeholder_is_refused() -> None:
    with pytest.raises(SettingsError, match="SMS_SENDER_KEY looks like a placeholder"):
        check_secret("SMS_SENDER_KEY", " Change-Me ", min_chars=8)
    # The production profile's stricter reading: a placeholder word anywhere, or too few characters.
    assert secret_problem("change-me-please-change-me-please", 24, strict=True) == "looks like a placeholder, not a random secret"
    assert secret_problem("ab" * 20, 24, strict=True) == "has too few different characters to be random"
    assert secret_problem("change-me-please-change-me-please", 24) is None


def test_good_secret_is_accepted_and_returned() -> None:
    assert check_secret("BOOKING_API_TOKEN", GOOD) == GOOD
    assert secret_problem(GOOD, 24, strict=True) is None


def test_groups_raise_one_error_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="BOOKING_API_TOKEN is not set"):
        BookingSettings.from_env({})
    with pytest.raises(SettingsError, match="BOOKING_SLOT_MINUTES"):
        BookingSettings.from_env({"BOOKING_API_TOKEN": GOOD, "BOOKING_SLOT_MINUTES": "half an hour"})
    with pytest.raises(SettingsError, match="ACTION_SERVER_TOKEN is shorter than 24"):
        ActionServerSettings.from_env({"ACTION_SERVER_TOKEN": "short"})
    with pytest.raises(SettingsError, match="DESK_SECURE_COOKIES: must be 0 or 1"):
        DeskSettings.from_env({"DESK_SECRET_KEY": GOOD + GOOD, "DESK_RASA_TOKEN": GOOD, "DESK_SECURE_COOKIES": "yes"})


def test_groups_read_the_mapping_given_and_empty_means_default() -> None:
    booking = BookingSettings.from_env({"BOOKING_API_TOKEN": GOOD, "BOOKING_SLOT_MINUTES": "15", "BOOKING_HORIZON_DAYS": ""})
    assert (booking.api_token, booking.slot_minutes, booking.horizon_days) == (GOOD, 15, 180)
    assert ActionServerSettings.from_env({}).token is None
    assert GOOD not in repr(booking)  # secrets stay out of logs


def test_env_example_lists_every_variable_the_settings_read() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    read = {env_name(field) for group in EnvSettings.__subclasses__() for field in group.__fields__.values()}
    assert read - listed == set()
