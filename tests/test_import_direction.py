"""Imports flow one way (bot/__init__.py): services and Rasa plug-ins use the shared core,
never each other's internals, and nothing outside the action server imports `actions`.

Every import statement counts, also one inside a function: a lazy import still couples."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import tomli

ROOT = Path(__file__).resolve().parents[1]


def area(module: str) -> str:
    """The unit the rules speak of: a service is its own area, the rest by package."""
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1:
        if parts[1] == "services" and len(parts) > 2:
            return ".".join(parts[:3])
        return ".".join(parts[:2])
    if parts[0] == "tests" and len(parts) > 1 and parts[1] == "harness":
        return "tests.harness"
    return parts[0]


RULES = tomli.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["vejviser"]
# What each area may import of ours (its own area always), and the frameworks it must not.
ALLOWED: Dict[str, Set[str]] = {area: set(targets) for area, targets in RULES["imports"].items()}
FORBIDDEN_FRAMEWORKS: Dict[str, Tuple[str, ...]] = {area: tuple(names) for area, names in RULES["frameworks"].items()}


def python_files(folder: str) -> Iterator[Path]:
    yield from (p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> Iterator[Tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def ours(module: str) -> bool:
    return module.split(".")[0] in {"bot", "actions", "tests", "bench", "scripts"}


def allowed_for(source: str) -> Set[str]:
    if source.startswith("bot.services."):
        return ALLOWED["bot.services"]
    return ALLOWED.get(source, set())


def permitted(source: str, target_module: str) -> bool:
    target = area(target_module)
    if target == source or target_module == "bot":
        return True
    return any(target == a or target.startswith(a + ".") for a in allowed_for(source))


def violations() -> List[str]:
    found = []
    for folder in ("bot", "actions", "bench", "scripts"):
        for path in python_files(folder):
            source = area(module_name(path))
            frameworks = next((v for k, v in FORBIDDEN_FRAMEWORKS.items() if source == k or source.startswith(k + ".")), ())
            for line, target in imported(path):
                where = f"{path.relative_to(ROOT)}:{line}"
                if ours(target) and not permitted(source, target):
                    found.append(f"{where} {source} imports {target}")
                elif target.split(".")[0] in frameworks:
                    found.append(f"{where} {source} imports the framework {target}")
    return found


def test_imports_flow_one_way():
    assert violations() == []


def test_tests_import_test_modules_never():
    """Shared test code lives in tests/harness; a test module is nobody's library."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for folder in ("tests", "bench")
        for path in python_files(folder)
        for line, target in imported(path)
        if target.startswith("tests.test_")
    ]
    assert found == []


def test_no_cycle_between_packages():
    graph: Dict[str, Set[str]] = {}
    for path in python_files("bot"):
        parts = module_name(path).split(".")
        package = ".".join(parts[:3]) if len(parts) > 3 or (path.name == "__init__.py" and len(parts) == 3) else None
        if package is None:
            continue
        for _, target in imported(path):
            target_parts = target.split(".")
            if target_parts[0] == "bot" and len(target_parts) >= 3:
                other = ".".join(target_parts[:3])
                if other != package and (ROOT / Path(*target_parts[:3])).is_dir():
                    graph.setdefault(package, set()).add(other)
    cycles = [(a, b) for a, deps in graph.items() for b in deps if a in graph.get(b, set())]
    assert cycles == []


@pytest.mark.parametrize(
    "source, target, expected",
    [
        ("bot.rasa", "bot.core.profile", True),
        ("bot.rasa", "actions.booking", False),
        ("bot.services.desk", "bot.services.booking.api", False),
        ("bot.services.desk", "bot.rasa.channels.sms", False),
        ("bot.services.desk", "bot.services.desk.cases", True),
        ("bot.core", "bot.rasa.nlu", False),
        ("actions", "bot.core.booking.client", True),
        ("bench", "tests.harness.services", True),
        ("bench", "tests.test_widget", False),
    ],
)
def test_the_rule_itself(source, target, expected):
    """The checker must be able to fail: these pairs pin what it allows and refuses."""
    assert permitted(source, target) is expected
