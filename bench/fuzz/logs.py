"""Scanning server logs for what a run added: tracebacks, exceptions and ERROR lines, one
entry per log record, grouped by the exception that ended it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from bench.fuzz.cases import FIRST_FAILURES

# Python tracebacks and log levels; nginx's "[error]" and worse; PostgreSQL's "ERROR:" and worse.
LOG_PROBLEM = re.compile(r"Traceback|Exception| ERROR | CRITICAL |\[(error|crit|alert|emerg)\]|\b(ERROR|FATAL|PANIC):")
LOG_LINE_START = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d|^\[\d{4}-|^\d{4}/\d\d/\d\d|^\S+ - - \[")


@dataclass(frozen=True)
class LogProblem:
    file: str
    first_lines: str
    signature: str  # the exception that ended the traceback, or the record's first line


def log_offsets(paths: Sequence[Path]) -> Dict[Path, int]:
    """Where each log ends now: only what a run adds is scanned afterwards."""
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


CHAIN_LINES = ("During handling", "The above exception")


def _indented(line: str) -> bool:
    return line.startswith((" ", "\t"))


def _record_end(lines: List[str], start: int) -> int:
    """The line after the record that starts at `start`: a header line or two, then its
    traceback (chained ones included) up to the line that names the exception."""
    end = start + 1
    in_traceback = lines[start].startswith("Traceback")
    while end < len(lines) and not LOG_LINE_START.match(lines[end]):
        line = lines[end]
        if line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and not _indented(line) and line.strip() and not line.startswith(CHAIN_LINES):
            end += 1  # the exception line; a chained traceback may follow
            if end < len(lines) and (not lines[end].strip() or lines[end].startswith(CHAIN_LINES)):
                continue
            return end
        elif not in_traceback and not _indented(line) and not line.startswith("future: "):
            return end  # a record without a traceback ends at the next unindented line (asyncio's "future:" belongs)
        end += 1
    return end


def _signature(block: List[str]) -> str:
    """What makes two log records the same problem: the traceback's root exception, else the
    start of the record's first line without its time and numbers."""
    exceptions = [line for i, line in enumerate(block) if i and not _indented(line) and _indented(block[i - 1])]
    text = exceptions[0] if exceptions else re.sub(r"^[\d/: T,.-]+", "", block[0])  # a chain's root cause first
    text = re.sub(r"\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|0x[0-9a-f]+|\d+", "#", text)
    return text[:160] if exceptions else text[:70]


# Logged at error level by design, for a refusal the contract asks for (413 from nginx).
EXPECTED_LOG_LINES = re.compile(r"\[error\].*client intended to send too large body")


def scan_logs(paths: Sequence[Path], offsets: Optional[Mapping[Path, int]] = None, context: int = 6) -> List[LogProblem]:
    """Tracebacks, exceptions and ERROR lines written since `offsets` (one entry per log
    record with its traceback, showing the first lines and the exception)."""
    problems: List[LogProblem] = []
    for path in paths:
        if not path.exists():
            continue
        with path.open("rb") as handle:
            handle.seek((offsets or {}).get(path, 0))
            lines = handle.read().decode("utf-8", "replace").splitlines()
        index = 0
        while index < len(lines):
            if not LOG_PROBLEM.search(lines[index]) or EXPECTED_LOG_LINES.search(lines[index]):
                index += 1
                continue
            end = _record_end(lines, index)
            block = [line[:300] for line in lines[index:end] if line.strip()]
            shown = block[:context] + (["…", block[-1]] if len(block) > context else [])
            problems.append(LogProblem(path.name, "\n".join(shown), _signature(block)))
            index = end
    return problems


def log_summary(problems: Sequence[LogProblem], examples: int = FIRST_FAILURES) -> str:
    """Distinct problems (by exception) with how often and in which logs they occurred, and one example each."""
    counts = Counter(p.signature for p in problems)
    files: Dict[str, set] = defaultdict(set)
    example: Dict[str, LogProblem] = {}
    for problem in problems:
        files[problem.signature].add(problem.file)
        example.setdefault(problem.signature, problem)
    lines = [f"server logs: {len(problems)} exception/ERROR entries, {len(counts)} distinct"]
    for signature, number in counts.most_common(examples):
        lines.append(f"  - {number}x in {', '.join(sorted(files[signature]))}: {signature}")
        lines += ["      " + line for line in example[signature].first_lines.splitlines()]
    return "\n".join(lines)

