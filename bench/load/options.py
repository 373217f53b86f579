"""The command line's options (also what tests/test_load_smoke.py builds a run from)."""

from __future__ import annotations

import argparse
from typing import List, Optional, Sequence

from bench.load import __doc__ as PACKAGE_DOC
from bench.load.users import CHANNELS


def numbers(text: str) -> List[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def names(text: str) -> List[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in CHANNELS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown channel(s) {unknown}; known: {sorted(CHANNELS)}")
    return chosen


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=PACKAGE_DOC.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--target", choices=("production", "dev"), default="production", help="stack to start (default production)"
    )
    parser.add_argument("--channels", type=names, default=["rest", "widget"], help="comma-separated: rest,widget")
    parser.add_argument("--concurrency", type=numbers, default=[1, 8, 32], help="concurrent users per run, e.g. 1,8,32")
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per channel and concurrency")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring (not counted)")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between messages, +-50%%; 0 = closed loop")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="run a soak of mixed load instead of the benchmark")
    parser.add_argument("--users", type=int, default=8, help="concurrent users in the soak")
    parser.add_argument(
        "--widget-transport",
        choices=("auto", "websocket", "polling"),
        default="auto",
        help="auto: websocket when the websocket-client package is installed, else polling",
    )
    parser.add_argument(
        "--source-addresses",
        choices=("per-user", "one"),
        default="per-user",
        help="per-user: each new user connects from its own 127.a.b.1 (as real users have their own addresses);"
        " one: everything from 127.0.0.1 (meets nginx's per-address limits as one client)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the production stack's temp dir (logs) even without errors")
    parser.add_argument("--show", action="store_true", help="only print the bot's answers to the scripted conversations")
    args = parser.parse_args(argv)
    args.many = args.source_addresses == "per-user"
    return args
