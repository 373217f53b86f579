"""CPR masking against a gold set written blind (tests/privacy/cpr_gold.yml: the author
saw only the definition, not bot/core/privacy.py): every CPR-shaped number is masked (recall
1.0) and hardly anything else is."""

from pathlib import Path

import yaml

from bot.core.privacy import mask_cpr

GOLD = yaml.safe_load((Path(__file__).parent / "privacy" / "cpr_gold.yml").read_text(encoding="utf-8"))["messages"]
MAX_FALSE_HIT_RATE = 0.02


def test_the_gold_set_is_big_enough():
    assert len(GOLD) >= 100
    assert sum(1 for m in GOLD if m["cpr"]) >= 50 and sum(1 for m in GOLD if not m["cpr"]) >= 50


def test_every_cpr_number_is_masked():
    expected = sum(m["cpr"] for m in GOLD)
    found = sum(min(mask_cpr(m["text"])[1], m["cpr"]) for m in GOLD)
    missed = [m["text"] for m in GOLD if mask_cpr(m["text"])[1] < m["cpr"]]
    print(f"\nCPR gold set: {len(GOLD)} messages, recall {found / expected:.3f} ({found} of {expected})")
    assert missed == []


def test_few_false_hits():
    false_hits = [m["text"] for m in GOLD if mask_cpr(m["text"])[1] > m["cpr"]]
    rate = len(false_hits) / len(GOLD)
    print(f"\nCPR gold set: {len(false_hits)} messages with a false hit ({rate:.3f}): {false_hits}")
    assert rate <= MAX_FALSE_HIT_RATE

