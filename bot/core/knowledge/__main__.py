"""`python -m bot.core.knowledge [FILE ...]`: checks knowledge files (default: all entries
and the topics' general answers) and lists stale ones as warnings. Exit code 1 on the
first fault."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.core.knowledge.entries import Entry, KnowledgeError, load_entries, load_file, stale_entries
from bot.core.knowledge.general import GeneralAnswer, load_general_answers, load_general_file
from bot.core.plain_language import measure


def is_general_file(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return False  # load_file reports the YAML fault
    return isinstance(data, dict) and "topics" in data


def load(paths: List[Path]) -> Tuple[List[Entry], Dict[str, GeneralAnswer]]:
    if not paths:
        return load_entries(), load_general_answers()
    entries: List[Entry] = []
    general: Dict[str, GeneralAnswer] = {}
    for path in paths:
        if is_general_file(path):
            general.update((answer.topic, answer) for answer in load_general_file(path))
        else:
            entries.extend(load_file(path))
    return entries, general


def main(argv: Optional[Sequence[str]] = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    try:
        entries, general = load(paths)
    except KnowledgeError as error:
        print(f"knowledge: {error}")
        return 1
    scores = [measure(text).lix for e in entries for answer in e.all_answers() for text in answer]
    print(
        f"knowledge: {len(entries)} entries, {sum(len(e.questions) for e in entries)} question variants, "
        f"mean LIX {sum(scores) / max(1, len(scores)):.1f}; {len(general)} general topic answers"
    )
    for entry, reasons in stale_entries(entries):
        print(f"knowledge: warning: {entry.file}: {entry.id} is stale: {'; '.join(reasons)}")
    today = dt.date.today()
    for answer in general.values():
        reasons = answer.stale_reasons(today)
        if reasons:
            print(f"knowledge: warning: {answer.file}: general answer {answer.topic} is stale: {'; '.join(reasons)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
