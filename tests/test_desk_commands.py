"""The desk's management commands (`python -m bot.services.desk <command>`) in this process,
against the desk's real database; serve is covered by the served desk in test_desk_browser."""

from __future__ import annotations

import io
import subprocess

import pytest

from tests.harness.desk import PASSWORD, desk, desk_services, start_desk_django
from tests.harness.services import BIN, ROOT

start_desk_django()  # before Django's models are imported

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402

__all__ = ["desk", "desk_services"]  # fixtures


def groups(username: str) -> list:
    return [g.name for g in User.objects.get(username=username).groups.all()]


def test_create_admin_and_create_user_give_each_account_its_role(desk, monkeypatch):
    monkeypatch.setenv("DESK_ADMIN_PASSWORD", PASSWORD)
    call_command("create_admin", username="anna", stdout=io.StringIO())
    call_command("create_user", username="bo", stdout=io.StringIO())
    call_command("create_user", "--username", "cecilie", "--role", "admin", stdout=io.StringIO())
    assert (User.objects.get(username="anna").is_superuser, groups("anna")) == (True, ["admin"])
    assert (User.objects.get(username="bo").is_superuser, groups("bo")) == (False, ["advisor"])
    assert groups("cecilie") == ["admin"]
    assert User.objects.get(username="bo").check_password(PASSWORD)


def test_create_user_refuses_an_existing_name_and_a_weak_password_and_changes_nothing(desk, monkeypatch):
    monkeypatch.setenv("DESK_ADMIN_PASSWORD", PASSWORD)
    call_command("create_user", username="bo", stdout=io.StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_user", username="bo", role="admin")
    assert groups("bo") == ["advisor"]
    monkeypatch.setenv("DESK_ADMIN_PASSWORD", "kort")
    with pytest.raises(CommandError, match="password refused"):
        call_command("create_user", username="dorte")
    assert not User.objects.filter(username="dorte").exists()


def test_purge_prints_what_it_deleted(desk):
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert out.getvalue().strip() == "purge: 0 closed cases, 0 idle conversations, 0 SMS numbers deleted"


def test_missing_secrets_stop_every_command_with_a_plain_message():
    result = subprocess.run(
        [str(BIN / "python"), "-m", "bot.services.desk", "purge"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "desk: DESK_SECRET_KEY must be a random value of at least 32 characters"
