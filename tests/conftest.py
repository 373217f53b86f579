"""Shared fixtures: a dispatcher and a tracker factory for action tests."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "vejviser.tar.gz"


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The domain as Rasa loads it and hands it to the action server."""
    return Domain.load(str(ROOT / "domain.yml")).as_dict()


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent_ranking: Optional[List[Dict[str, Any]]] = None,
    text: str = "",
    active_loop: Optional[str] = None,
) -> Tracker:
    ranking = intent_ranking or []
    latest = {
        "text": text,
        "intent": ranking[0] if ranking else {},
        "intent_ranking": ranking,
        "entities": [],
    }
    return Tracker(
        sender_id="test-user",
        slots=slots or {},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def tracker_factory():
    return make_tracker


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it first)")
    return MODEL


@pytest.fixture(scope="session")
def production_stack(trained_model):
    """The production profile (tests/harness/production.py), started once for the session's
    production, fuzz and load tests: PostgreSQL, Redis, nginx, two Rasa processes, two action
    servers, booking service and desk."""
    from tests.harness.postgres import cluster_dir
    from tests.harness.production import start_stack

    with cluster_dir() as base:
        stack = start_stack(base / "stack", trained_model)
        try:
            yield stack
        finally:
            stack.stop()
