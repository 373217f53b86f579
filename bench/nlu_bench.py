"""`make bench`: our NLU pipeline against Rasa's default pipeline, side by side.

Both are trained on data/nlu on this machine and scored on the blind held-out split
(tests/nlu_heldout) and on the harder development split (tests/nlu_dev, optimistic:
its errors guided training data). A third column drops our Danish normaliser, so its
benefit is measured, not assumed. Rasa's confusion matrix pictures go to results/bench/.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.quality.nlu_eval import DEV_DIR, HELDOUT_DIR, NluScores, load_heldout, score_model

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "bench"
OUR_MODEL = ROOT / "models" / "vejviser.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")


def rasa_default_config() -> Dict:
    """The pipeline `rasa init` relies on (Rasa's packaged default), in Danish."""
    import rasa.engine.recipes as recipes

    path = Path(recipes.__file__).parent / "config_files" / "default_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["language"] = "da"
    config["assistant_id"] = "rasa_default_pipeline"
    return config


def without_normaliser() -> Dict:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if not c["name"].endswith("DanishNormalizer")]
    return config


def train_nlu(name: str, config: Dict) -> Tuple[Path, float]:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(
        [RASA, "train", "nlu", "--config", str(config_path), "--nlu", "data/nlu",
         "--out", str(folder), "--fixed-model-name", name, "--quiet"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    return folder / f"{name}.tar.gz", time.perf_counter() - started


def confusion_matrix(name: str, model: Path) -> Path:
    folder = OUT / name
    subprocess.run(
        [RASA, "test", "nlu", "--nlu", "tests/nlu_heldout", "--model", str(model),
         "--out", str(folder / "rasa_test"), "--quiet"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return folder / "rasa_test" / "intent_confusion_matrix.png"


def print_table(title: str, columns: Dict[str, NluScores], train_seconds: Dict[str, float]) -> None:
    names = list(columns)
    print(f"\n{title + ': ' + str(len(next(iter(columns.values())).gold)) + ' messages':32s}"
          + "".join(f"{n:>22s}" for n in names))
    rows: List[str] = list(next(iter(columns.values())).as_rows())
    for row in rows:
        cells = "".join(f"{columns[n].as_rows()[row]:22.3f}" for n in names)
        print(f"{row:32s}{cells}")
    print(f"{'NLU training time (s)':32s}"
          + "".join(f"{train_seconds[n]:22.1f}" if n in train_seconds else f"{'(make train)':>22s}" for n in names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-ablation", action="store_true", help="skip the no-normaliser column")
    args = parser.parse_args()
    if not OUR_MODEL.exists():
        print("bench: models/vejviser.tar.gz is missing; run `make train`", file=sys.stderr)
        return 1
    models = {"vejviser": OUR_MODEL}
    train_seconds: Dict[str, float] = {}
    models["rasa default"], train_seconds["rasa default"] = train_nlu("rasa_default", rasa_default_config())
    if not args.no_ablation:
        models["vejviser - normaliser"], train_seconds["vejviser - normaliser"] = train_nlu(
            "vejviser_without_normaliser", without_normaliser())
    splits = {"held-out (blind)": load_heldout(HELDOUT_DIR), "dev (optimistic)": load_heldout(DEV_DIR)}
    tables = {title: {name: score_model(path, pairs) for name, path in models.items()} for title, pairs in splits.items()}
    for title, columns in tables.items():
        print_table(title, columns, train_seconds)
    columns = tables["held-out (blind)"]
    for name, path in (("vejviser", OUR_MODEL), ("rasa_default", models["rasa default"])):
        print(f"confusion matrix ({name}): {confusion_matrix(name, path).relative_to(ROOT)}")
    ours, default = columns["vejviser"], columns["rasa default"]
    print(f"\nmacro-F1 gain over Rasa's default pipeline: {ours.macro_f1 - default.macro_f1:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
