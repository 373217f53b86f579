"""The channels under hostile input, in the test suite: a reduced run of bench/fuzz/.

Why: REST, the widget's socket and the SMS webhook are open to anyone. Every generated
input (empty, whitespace, 10,000 characters, emoji, zero-width and bidi characters, HTML,
SQL, slash commands, broken UTF-8, missing fields, broken protocol messages) must get an
answer or a clear refusal; no 5xx, no silence, no timeout, and no traceback or ERROR line
in any server log. `python -m bench.fuzz` runs the same with 10,000 inputs per channel.

One stack for the module: the production profile (nginx in front of two Rasa processes)
when bot/launch/production/stack.py is there, else the development assistant.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bench.fuzz.cases import ChannelReport
from bench.fuzz.channels import CHANNELS, fuzz_channel
from bench.fuzz.generators import TEXT_KINDS
from bench.fuzz.logs import log_offsets, log_summary, scan_logs
from bench.fuzz.rest import REST_MUTATIONS
from bench.fuzz.sms import SMS_MUTATIONS
from bench.fuzz.targets import Target, dev_target, production_target
from bench.fuzz.widget import WIDGET_MUTATIONS
from tests.harness.services import ROOT

pytestmark = [pytest.mark.model, pytest.mark.servers]

COUNT = 300  # per channel: every input class several times, in a few minutes on two cores
SEED = 7
WORKERS = 4
KINDS = {
    "rest": TEXT_KINDS + REST_MUTATIONS,
    "widget": TEXT_KINDS + WIDGET_MUTATIONS,
    "sms": TEXT_KINDS + SMS_MUTATIONS,
}
PRODUCTION = (ROOT / "bot" / "launch" / "production" / "stack.py").exists()


class FuzzRun:
    """The stack, where its logs stood before the first input, and each channel's report
    (run once, whichever test asks first)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.offsets = log_offsets(target.log_files())
        self.reports: Dict[str, ChannelReport] = {}

    def report(self, channel: str) -> ChannelReport:
        if channel not in self.reports:
            self.reports[channel] = fuzz_channel(self.target, channel, COUNT, SEED, WORKERS)
        return self.reports[channel]


@pytest.fixture(scope="module")
def fuzzed(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzRun]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with (production_target if PRODUCTION else dev_target)(tmp) as target:
        yield FuzzRun(target)


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_input_is_answered_or_clearly_refused(fuzzed: FuzzRun, channel: str) -> None:
    report = fuzzed.report(channel)
    assert report.inputs == COUNT
    assert report.failures == 0, report.summary()


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_input_class_was_exercised(fuzzed: FuzzRun, channel: str) -> None:
    """A class the generator stopped producing would pass the other tests unnoticed."""
    report = fuzzed.report(channel)
    seen = Counter({kind: sum(outcomes.values()) for kind, outcomes in report.by_kind.items()})
    rare: List[str] = [f"{kind}: {seen[kind]}" for kind in KINDS[channel] if seen[kind] < 2]
    assert not rare, f"input classes sent fewer than twice: {rare}"


def test_no_exception_or_error_in_the_server_logs(fuzzed: FuzzRun) -> None:
    """An exception that a channel caught and answered kindly still shows a bug (an input
    that breaks the NLU, a handler that crashes): the logs must stay clean."""
    for channel in CHANNELS:
        fuzzed.report(channel)
    problems = scan_logs(fuzzed.target.log_files(), fuzzed.offsets)
    assert not problems, log_summary(problems)
