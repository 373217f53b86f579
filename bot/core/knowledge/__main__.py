"""`python -m bot.core.knowledge [FILE ...]`: checks knowledge files (default: all) and
lists stale entries as warnings. Exit code 1 on the first fault."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

from bot.core.knowledge.entries import KnowledgeError, load_entries, load_file, stale_entries
from bot.core.plain_language import measure


def main(argv: Optional[Sequence[str]] = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    try:
        entries = [e for p in paths for e in load_file(p)] if paths else load_entries()
    except KnowledgeError as error:
        print(f"knowledge: {error}")
        return 1
    scores = [measure(text).lix for e in entries for answer in e.all_answers() for text in answer]
    print(
        f"knowledge: {len(entries)} entries, {sum(len(e.questions) for e in entries)} question variants, "
        f"mean LIX {sum(scores) / max(1, len(scores)):.1f}"
    )
    for entry, reasons in stale_entries(entries):
        print(f"knowledge: warning: {entry.file}: {entry.id} is stale: {'; '.join(reasons)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
