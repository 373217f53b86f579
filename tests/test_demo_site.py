"""The demo page names the municipality of the profile it runs with (`make run PROFILE=ballerup`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests

from bot.core.paths import PROJECT_ROOT
from tests.harness.services import free_port


@pytest.mark.parametrize(
    "profile, shown, not_shown",
    [("profiles/ballerup.yml", "Ballerup Kommune", "Aalborg"), ("profiles/aalborg.yml", "Aalborg Kommune", "Ballerup")],
)
def test_the_demo_page_names_the_profiles_municipality(profile, shown, not_shown):
    port = free_port()
    env = {**os.environ, "VEJVISER_PROFILE": profile, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.services.demo_site", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        page = None
        for _ in range(100):
            try:
                page = requests.get(f"http://127.0.0.1:{port}/", timeout=2).text
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert page is not None, "the demo site did not start"
        assert f"{shown} · demo-side" in page
        assert not_shown not in page
    finally:
        process.terminate()
        process.wait(timeout=10)
