"""The README stays a short front door, and the paths the docs name stay true while files move.

Checked: the README's size, every docs/ link in the README and every relative link between
the docs pages (file and heading), and every repository path written in backticks in the
README and docs/architecture.md (outside code blocks, which hold commands and pictures)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_BYTES = 12_000
# Pages whose backticked paths must exist: the front door and the map of the code.
PATH_CHECKED = [README, DOCS / "architecture.md"]
FILE_SUFFIXES = {
    ".py", ".yml", ".yaml", ".md", ".json", ".sh", ".js", ".css", ".html", ".txt", ".toml",
    ".ini", ".lock", ".in", ".example", ".template", ".mako", ".db", ".env", ".png",
}
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def prose(path: Path) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set:
    return {anchor(h) for h in HEADING.findall(prose(path))}


def relative_links(path: Path) -> Iterator[Tuple[str, str]]:
    for target in LINK.findall(prose(path)):
        if re.match(r"^[a-z]+:", target):
            continue  # http://, mailto: and the like are not ours to check
        file_part, _, fragment = target.partition("#")
        yield file_part, fragment


def repo_path(span: str) -> str | None:
    """The repository path a code span names, or None when it names no path (a command,
    a URL path, a variable, a dotted module name)."""
    if re.search(r"\s|:|=|@|^[/$.\-]", span) and not span.startswith(("./", "../", ".env")):
        return None
    if "/" not in span and Path(span).suffix not in FILE_SUFFIXES:
        return None
    cut = re.search(r"[<{*]", span)
    if cut:  # a pattern such as data/nlu/<intent>.yml: its folder must exist
        return span[: cut.start()].rpartition("/")[0] + "/"
    return span


def ignored_by_git() -> List[str]:
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def made_at_run_time(path: str) -> bool:
    """var/, logs/, results/ ... are written by the running project and git-ignored."""
    return path.split("/")[0] in ignored_by_git()


def test_readme_is_short():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move reference into docs/"


def test_readme_links_to_docs_pages_that_exist():
    linked = [file_part for file_part, _ in relative_links(README) if file_part.startswith("docs/")]
    assert linked, "the README should point to the docs/ pages"
    missing = sorted({name for name in linked if not (ROOT / name).is_file()})
    assert missing == []


@pytest.mark.parametrize("page", [README, *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_relative_links_reach_a_file_and_heading(page: Path):
    broken = []
    for file_part, fragment in relative_links(page):
        target = (page.parent / file_part).resolve() if file_part else page
        if not target.exists():
            broken.append(f"{file_part}: no such file")
        elif fragment and target.suffix == ".md" and fragment not in anchors(target):
            broken.append(f"{file_part}#{fragment}: no such heading")
    assert broken == []


@pytest.mark.parametrize("page", PATH_CHECKED, ids=lambda p: p.name)
def test_backticked_paths_exist(page: Path):
    named = {path for span in CODE_SPAN.findall(prose(page)) if (path := repo_path(span))}
    assert named, f"{page.name} names no paths: the check would prove nothing"
    missing = sorted(path for path in named if not made_at_run_time(path) and not (ROOT / path).exists())
    assert missing == []


@pytest.mark.parametrize(
    "span, path",
    [
        ("bot/rasa/channels/widget.py", "bot/rasa/channels/widget.py"),
        ("data/nlu/<intent>.yml", "data/nlu/"),
        ("domain.yml", "domain.yml"),
        ("python -m actions.server", None),
        ("/webhooks/rest/webhook", None),
        ("sqlite:///var/desk.db", None),
        ("bot.rasa.nlu.crisis_guard.CrisisGuard", None),
        ("DESK_RASA_TOKEN", None),
    ],
)
def test_what_counts_as_a_path(span, path):
    """The checker must find paths and pass over commands, URLs and names."""
    assert repo_path(span) == path
