"""python -m bench.fuzz [--count 10000] [--channels rest,widget,sms] [--seed 1] [--target production|dev]

Exit code 1 when any input failed or a server log got an exception or ERROR line."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

from bench.fuzz import __doc__ as PACKAGE_DOC
from bench.fuzz.channels import CHANNELS, run_channels
from bench.fuzz.logs import log_summary
from bench.fuzz.targets import dev_target, production_target


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=PACKAGE_DOC.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs per channel")
    parser.add_argument("--channels", default="rest,widget,sms")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=6, help="inputs sent in parallel")
    parser.add_argument("--target", choices=("production", "dev"), default="production")
    args = parser.parse_args(argv)
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        parser.error(f"unknown channel(s) {', '.join(unknown)}; choose from {', '.join(CHANNELS)}")
    tmp = Path(tempfile.mkdtemp(prefix="vejviser-fuzz-"))
    started = time.perf_counter()
    tmp.chmod(0o711)
    stack = production_target(tmp, keep=True) if args.target == "production" else dev_target(tmp)
    with stack as target:
        up = time.perf_counter() - started
        print(
            f"{target.name} stack up in {up:.0f} s (logs in {target.logs_at}); {args.count} inputs per channel, seed {args.seed}"
        )
        reports, problems = run_channels(
            target, channels, args.count, args.seed, args.workers, on_report=lambda report: print(report.summary(), flush=True)
        )
    print(log_summary(problems))
    return 1 if problems or any(r.failures for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
