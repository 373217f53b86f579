"""The three channels by name: one channel's run against a started stack, or all of them
followed by the log scan."""

from __future__ import annotations

import time
from typing import Callable, List, Sequence, Tuple

from bench.fuzz.cases import ChannelReport
from bench.fuzz.logs import LogProblem, log_offsets, scan_logs
from bench.fuzz.rest import fuzz_rest
from bench.fuzz.sms import fuzz_sms
from bench.fuzz.targets import Target
from bench.fuzz.widget import fuzz_widget

CHANNELS = ("rest", "widget", "sms")


def fuzz_channel(target: Target, channel: str, count: int, seed: int, workers: int) -> ChannelReport:
    """One channel's run against a started stack."""
    if channel == "rest":
        return fuzz_rest(target.base_url, count, seed, workers, target.body_limit)
    if channel == "widget":
        return fuzz_widget(target.base_url, target.widget_origin, count, seed, workers)
    if channel == "sms":
        token, gateway = target.sms_auth_token, target.gateway_url
        return fuzz_sms(target.base_url, target.sms_public_url, token, gateway, count, seed, workers, target.body_limit)
    raise ValueError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")


def run_channels(
    target: Target,
    channels: Sequence[str],
    count: int,
    seed: int,
    workers: int,
    on_report: Callable[[ChannelReport], None] = lambda report: None,
) -> Tuple[List[ChannelReport], List[LogProblem]]:
    """Fuzzes the channels one after the other; then the logs' new exceptions and errors."""
    offsets = log_offsets(target.log_files())
    reports = []
    for channel in channels:
        reports.append(fuzz_channel(target, channel, count, seed, workers))
        on_report(reports[-1])
    time.sleep(1.0)  # a turn's last log lines
    return reports, scan_logs(target.log_files(), offsets)

