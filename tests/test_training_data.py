"""The NLU data and the held-out split are what the spec asks for."""

import re
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path
from typing import Dict, List

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.core.folding import fold_text

ROOT = Path(__file__).resolve().parents[1]
MIN_TRAIN, MIN_HELDOUT = 25, 8
NEAR_IDENTICAL = 0.93


def spec_intents() -> List[str]:
    topics = (ROOT.parent / "shared" / "spec" / "topics.md")
    if not topics.exists():
        pytest.skip("shared/spec/topics.md is not beside the repo")
    names = re.findall(r"^\| ([a-z_]+(?: / [a-z_]+)?) \|", topics.read_text(encoding="utf-8"), re.M)
    return [n.strip() for name in names if name != "intent" for n in name.split("/")]


def examples_by_intent(directory: Path) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for path in sorted(directory.glob("*.yml")):
        for message in RasaYAMLReader().read(str(path)).intent_examples:
            found.setdefault(message.get("intent"), []).append(message.get("text"))
    return found


TRAIN = examples_by_intent(ROOT / "data" / "nlu")
HELDOUT = examples_by_intent(ROOT / "tests" / "nlu_heldout")
DEV = examples_by_intent(ROOT / "tests" / "nlu_dev")


def test_every_spec_intent_is_in_the_domain_with_data(domain):
    missing = [i for i in spec_intents() if i not in domain["intents"] or i not in TRAIN]
    assert missing == []


def test_one_training_file_per_topic_named_after_its_intent():
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        assert set(examples_by_intent(path.parent).keys()) >= {path.stem}


@pytest.mark.parametrize("intent", sorted(TRAIN))
def test_enough_training_and_heldout_examples(intent):
    assert len(TRAIN[intent]) >= MIN_TRAIN
    assert len(HELDOUT.get(intent, [])) >= MIN_HELDOUT


@pytest.mark.parametrize("split", [HELDOUT, DEV], ids=["heldout", "dev"])
def test_evaluation_splits_never_overlap_training(split):
    train = {fold_text(t) for texts in TRAIN.values() for t in texts}
    leaked = [t for texts in split.values() for t in texts if fold_text(t) in train]
    assert leaked == []


def test_no_text_belongs_to_two_intents():
    owner: Dict[str, str] = {}
    clashes = []
    for intent, texts in {**TRAIN}.items():
        for text in texts:
            key = fold_text(text)
            if owner.setdefault(key, intent) != intent:
                clashes.append((text, owner[key], intent))
    assert clashes == []


@pytest.mark.parametrize("intent", sorted(TRAIN))
def test_no_two_training_examples_are_near_identical(intent):
    folded = [fold_text(t) for t in TRAIN[intent]]
    twins = [
        (a, b)
        for a, b in combinations(folded, 2)
        if len(a) > 12 and SequenceMatcher(None, a, b).ratio() >= NEAR_IDENTICAL
    ]
    assert twins == [] and len(set(folded)) == len(folded)


def test_inform_examples_annotate_every_entity_the_flows_need():
    data = RasaYAMLReader().read(str(ROOT / "data" / "nlu" / "inform.yml"))
    entities = {e["entity"] for m in data.intent_examples for e in m.get("entities", [])}
    assert {"age", "phone_number", "email", "first_name"} <= entities


def test_rule_answers_carry_source_and_checked_date(domain):
    """A response with an official link is a stated rule: it keeps its source and date."""
    for name, variations in domain["responses"].items():
        for variation in variations:
            meta = variation.get("metadata") or {}
            if meta:
                assert str(meta.get("source", "")).startswith("https://"), name
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta.get("checked", ""))), name


def test_no_cpr_shaped_number_in_any_text():
    cpr = re.compile(r"\b(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}\b")
    # The masking gold set holds made-up CPR-shaped numbers on purpose; nothing else may.
    gold = ROOT / "tests" / "privacy"
    texts = [p for p in (ROOT / "tests").rglob("*.yml") if gold not in p.parents]
    for path in list((ROOT / "data").rglob("*.yml")) + texts + [ROOT / "domain.yml"]:
        assert not cpr.search(path.read_text(encoding="utf-8")), path
