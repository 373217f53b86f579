"""Print every file that shapes the trained model, one per line, for scripts/train.sh's stamp.

Rasa's own fingerprint does not see our component code. The code is found from config.yml
itself: each custom component or policy named there by dotted path, plus every module of
ours it imports (followed transitively) and the data files beside those modules. A moved
module is followed by its new name, so a move cannot silently stop retraining."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Set

import yaml

ROOT = Path(__file__).resolve().parents[1]
OURS = ("bot", "actions")
FIXED = ["config.yml", "domain.yml", "requirements.lock", "scripts/build_spacy_model.py", "scripts/model_inputs.py"]
DATA_SUFFIXES = {".yml", ".yaml", ".txt", ".json"}


def component_modules(config: dict) -> Iterator[str]:
    for section in ("pipeline", "policies"):
        for item in config.get(section) or []:
            name = str(item.get("name", ""))
            if name.split(".")[0] in OURS:
                yield name.rsplit(".", 1)[0]


def module_file(module: str) -> Path | None:
    """The file of one of our modules, found by path: importing it would start Rasa."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imports_of(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)  # `from pkg import module`


def model_inputs() -> Set[Path]:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    todo = list(component_modules(config))
    seen: Set[str] = set()
    files: Set[Path] = {ROOT / f for f in FIXED}
    files |= {p for p in (ROOT / "data").rglob("*") if p.is_file()}
    while todo:
        module = todo.pop()
        if module in seen or module.split(".")[0] not in OURS:
            continue
        seen.add(module)
        path = module_file(module)
        if path is None:
            continue
        files.add(path)
        files |= {p for p in path.parent.iterdir() if p.suffix in DATA_SUFFIXES}
        parent = module.rsplit(".", 1)[0]
        if parent != module:
            todo.append(parent)  # a package's __init__ runs on import too
        todo.extend(imports_of(path))
    return files


if __name__ == "__main__":
    for path in sorted(model_inputs()):
        print(path.relative_to(ROOT))
