"""The one process table (bot/launch/processes.py) and what `make run`, the production
profile and the tests make of it, without starting anything (starting them is what
tests/test_rest_conversations.py, tests/test_widget.py and tests/test_production.py do)."""

from __future__ import annotations

import importlib.util
import sys

from bot.launch import local
from bot.launch.processes import PROCESSES, free_port
from bot.launch.production.stack import Ports, ProductionStack


def test_every_entry_names_a_module_that_runs():
    for spec in PROCESSES.values():
        found = importlib.util.find_spec(spec.module)
        assert found is not None, spec.name
        if found.submodule_search_locations is not None:  # a package: `python -m` runs its __main__
            assert importlib.util.find_spec(f"{spec.module}.__main__") is not None, spec.name


def test_a_port_variable_comes_with_a_default_and_a_health_url():
    for spec in PROCESSES.values():
        assert (spec.port_variable is None) == (spec.default_port is None), spec.name
        if spec.port_variable:
            assert spec.health_url() == f"http://127.0.0.1:{spec.default_port}{spec.health}", spec.name


def test_make_run_takes_the_ports_from_the_environment():
    env = local.local_environment({"RASA_PORT": "6005", "BOOKING_PORT": "6056", "DEMO_PORT": "6080"})
    commands = dict(local.run_commands(env))
    assert commands["rasa"][:3] == [sys.executable, "-m", "rasa"]
    assert commands["rasa"][-2:] == ["--port", "6005"]
    assert commands["booking"][-2:] == ["--port", "6056"]
    assert commands["demo-site"][-4:] == ["--port", "6080", "--assistant-url", "http://127.0.0.1:6005"]
    assert env["BOOKING_URL"] == "http://127.0.0.1:6056"
    assert env["WIDGET_ALLOWED_ORIGINS"] == "http://127.0.0.1:6080,http://localhost:6080"
    assert len(env["BOOKING_API_TOKEN"]) >= 24


def test_make_run_starts_the_local_sms_gateway_only_without_a_real_one():
    assert "sms-gateway" in dict(local.run_commands(local.local_environment({})))
    real = local.local_environment({"TWILIO_API_URL": "https://api.twilio.com"})
    assert "sms-gateway" not in dict(local.run_commands(real))
    assert real["TWILIO_API_URL"] == "https://api.twilio.com"


def test_production_runs_the_same_entries_twice_where_it_counts():
    stack = ProductionStack("/nonexistent", ports=Ports(), local_sms_gateway=True)
    parts = {name: (command, health, env) for name, command, health, env in stack._parts()}
    assert list(parts) == [
        "sms-gateway", "booking", "outbox-relay", "actions-1", "actions-2", "rasa-1", "rasa-2", "desk", "desk-worker"
    ]
    assert parts["actions-2"][0] == PROCESSES["actions"].argv(5065, extra=("--require-token",))
    assert parts["rasa-1"][1] == "http://127.0.0.1:5005/"
    assert parts["rasa-2"][2]["OMP_NUM_THREADS"] == "1"
    assert "SANIC_REQUEST_MAX_SIZE" not in parts["actions-1"][2]
    assert parts["outbox-relay"][1] is None


def test_free_port_is_free():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
