"""The layout stays a map (bot/__init__.py): no loose modules in bot/, every package says what
it is, and no Python file outside tests/ grows past 400 lines without a stated reason."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
# A long file may stay long when its first lines say why, e.g. "# long: one table of ..."
REASON_MARK = "long:"


def test_no_module_lies_loose_in_bot():
    loose = sorted(p.name for p in (ROOT / "bot").glob("*.py") if p.name != "__init__.py")
    assert loose == []


def test_every_package_says_what_it_is():
    missing = [
        str(init.relative_to(ROOT))
        for init in (ROOT / "bot").rglob("__init__.py")
        if "migrations" not in init.parts and not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    ]
    assert missing == []


def tracked_python_files():
    names = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / name for name in names if not name.startswith("tests/") and "/migrations/" not in name]


def test_no_file_is_long_without_a_reason():
    long = []
    for path in tracked_python_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and not any(REASON_MARK in line for line in lines[:5]):
            long.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
    assert long == []
