"""Quality gate: the trained model on the held-out split (never used for training)."""

import pytest

from bot.quality.nlu_eval import load_heldout, score_model

MIN_MACRO_F1 = 0.90
REQUIRED_CRISIS_RECALL = 1.0

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def scores(trained_model):
    return score_model(trained_model, load_heldout())


def test_print_the_scores(scores):
    print()
    for name, value in scores.as_rows().items():
        print(f"  {name:28s} {value:8.3f}")
    print(f"  misclassified held-out messages ({len(scores.errors)}):")
    for text, gold, predicted in scores.errors:
        print(f"    {gold:>24s} -> {predicted:<24s} {text!r}")


def test_macro_f1_is_at_least_090(scores):
    assert scores.macro_f1 >= MIN_MACRO_F1


def test_every_crisis_message_is_recognised(scores):
    missed = [text for text, gold, _ in scores.errors if gold == "crisis"]
    assert missed == [] and scores.crisis_recall == REQUIRED_CRISIS_RECALL


def test_no_ordinary_message_is_mistaken_for_a_crisis(scores):
    false_alarms = [(text, gold) for text, gold, predicted in scores.errors if predicted == "crisis"]
    assert len(false_alarms) <= 2, false_alarms
