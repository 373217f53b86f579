"""Command line of `make bench-turn` (see bench/turn/__init__.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.turn.conversations import CONVERSATIONS, message_count
from bench.turn.model import ROOT
from bench.turn.report import table, write_chart, write_json
from bench.turn.run import ASSISTANTS, benchmark, machine_note


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.turn", description="CPU per message: ours vs Rasa's default configuration"
    )
    parser.add_argument("--assistants", default=",".join(ASSISTANTS), help="comma-separated: ours, rasa_default")
    parser.add_argument("--users", type=int, default=8, help="concurrent conversations for p95_ms_c8 and msgs_per_s_c8")
    parser.add_argument("--out", type=Path, default=ROOT / "out", help="folder for bench-turn.json and bench-turn.png")
    args = parser.parse_args()
    names = [n.strip() for n in args.assistants.split(",") if n.strip()]
    print(f"bench-turn: {len(CONVERSATIONS)} conversations, {message_count()} messages per pass; "
          f"1 conversation at a time, then {args.users} at once", flush=True)
    before = machine_note()
    results = benchmark(names, CONVERSATIONS, args.users)
    meta = {"before": before, "after": machine_note(), "users": args.users, "messages_per_pass": message_count()}
    write_json(results, meta, args.out / "bench-turn.json")
    write_chart(results, args.out / "bench-turn.png")
    print(table(results))
    print(f"load average (1, 5, 15 min) before {before['load_average']}, after {meta['after']['load_average']}")
    print(f"wrote {args.out / 'bench-turn.json'} and {args.out / 'bench-turn.png'}")


if __name__ == "__main__":
    main()
