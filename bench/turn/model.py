"""The comparison model: our domain and data trained with the configuration `rasa init` writes.

Cached under models/bench/ and retrained only when what shapes it changed (domain, data,
the packaged starter config, the locked packages), as scripts/train.sh does for ours."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "models" / "bench"
DEFAULT_MODEL = CACHE / "rasa-default.tar.gz"
OUR_MODEL = ROOT / "models" / "vejviser.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")


def starter_config_path() -> Path:
    """The config.yml `rasa init` copies into a new project (its pipeline and policies are
    left empty there, so Rasa fills in its defaults when it trains)."""
    import rasa.cli

    return Path(rasa.cli.__file__).parent / "initial_project" / "config.yml"


def starter_config_text() -> str:
    text = starter_config_path().read_text(encoding="utf-8")
    if "\nlanguage: en\n" not in text:
        raise RuntimeError(f"{starter_config_path()}: no 'language: en' line to make Danish")
    return text.replace("\nlanguage: en\n", "\nlanguage: da\n")


def _inputs() -> Iterable[Path]:
    yield ROOT / "domain.yml"
    yield ROOT / "requirements.lock"
    yield from sorted(p for p in (ROOT / "data").rglob("*") if p.is_file())


def inputs_stamp() -> str:
    digest = hashlib.sha256(starter_config_text().encode("utf-8"))
    for path in _inputs():
        digest.update(str(path.relative_to(ROOT)).encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_default_model() -> Path:
    """models/bench/rasa-default.tar.gz, trained now only if its inputs changed."""
    stamp_file = CACHE / ".rasa-default-stamp"
    want = inputs_stamp()
    if DEFAULT_MODEL.is_file() and stamp_file.is_file() and stamp_file.read_text().strip() == want:
        return DEFAULT_MODEL
    CACHE.mkdir(parents=True, exist_ok=True)
    config = CACHE / "rasa-default-config.yml"
    config.write_text(starter_config_text(), encoding="utf-8")
    print(f"bench-turn: training {DEFAULT_MODEL.relative_to(ROOT)} with Rasa's starter config (several minutes)", flush=True)
    subprocess.run(
        [RASA, "train", "--config", str(config), "--domain", "domain.yml", "--data", "data",
         "--out", str(CACHE), "--fixed-model-name", "rasa-default", "--force", "--quiet"],
        cwd=ROOT, check=True,
    )
    stamp_file.write_text(want + "\n")
    return DEFAULT_MODEL
