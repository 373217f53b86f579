"""Quality gate: the trained model answers the blind knowledge held-out set.

tests/knowledge_heldout/ was written apart from the variants, from the entries' answers
only (its authors never saw data/knowledge/'s questions nor the model): never trained on.
"""

from difflib import SequenceMatcher
from pathlib import Path

import pytest

from actions.knowledge import answer_context
from bot.core.folding import fold_text
from bot.core.knowledge import load_entries
from bot.core.profile import load_profile
from bot.quality.knowledge_eval import load_questions, score_model

ROOT = Path(__file__).resolve().parents[1]
# Floors a little under what the model measured on 2026-12-03 (top-1 0.837, top-2 0.852,
# wrong 0.009, uncovered wrong-topic 0.295), so a regression fails. The product's targets
# are higher (top-1 0.90, top-2 0.95, uncovered wrong-topic 0.05) and not reached yet:
# most misses fall to a topic's general answer (see the printed errors).
MIN_TOP1, MIN_TOP2, MAX_WRONG_SPECIFIC = 0.80, 0.82, 0.03
MAX_NOT_COVERED_WRONG_TOPIC = 0.35
NEAR_IDENTICAL = 0.93

QUESTIONS = load_questions()
TUNING = load_questions(ROOT / "data" / "knowledge" / "tuning")
ENTRIES = {entry.id: entry for entry in load_entries()}


def near_twins(texts, others):
    """The texts that equal, or nearly equal, one of the others (after folding)."""
    folded_others = [fold_text(o) for o in others]
    exact = set(folded_others)
    twins = []
    for text in texts:
        folded = fold_text(text)
        matcher = SequenceMatcher(None, "", folded)  # the text is seq2: SequenceMatcher caches it
        for other in folded_others if folded not in exact else ():
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() >= NEAR_IDENTICAL and matcher.quick_ratio() >= NEAR_IDENTICAL:
                if matcher.ratio() >= NEAR_IDENTICAL:
                    twins.append(text)
                    break
        else:
            if folded in exact:
                twins.append(text)
    return twins


def test_the_heldout_set_is_large_enough_and_names_real_entries():
    covered = [q for q in QUESTIONS if q.entry]
    assert len(covered) >= 300
    assert len([q for q in QUESTIONS if not q.entry]) >= 60
    assert {q.entry for q in covered} <= set(ENTRIES)


def test_the_heldout_set_never_overlaps_the_variants_or_the_tuning_set():
    variants = [v for entry in ENTRIES.values() for v in entry.questions]
    assert near_twins([q.text for q in QUESTIONS], variants + [q.text for q in TUNING]) == []


def test_the_tuning_set_names_real_entries_and_is_not_training_data():
    assert len([q for q in TUNING if q.entry]) >= 250 and len([q for q in TUNING if not q.entry]) >= 60
    assert {q.entry for q in TUNING if q.entry} <= set(ENTRIES)
    variants = [v for entry in ENTRIES.values() for v in entry.questions]
    assert near_twins([q.text for q in TUNING], variants) == []


@pytest.fixture(scope="module")
def scores(trained_model):
    profile = load_profile(ROOT / "profiles" / "aalborg.yml")

    class NoSlots:
        @staticmethod
        def get_slot(_name):
            return None

    return score_model(trained_model, QUESTIONS, ENTRIES, answer_context(profile, NoSlots()))



@pytest.mark.model
def test_print_the_scores(scores):
    print()
    for name, value in scores.as_rows().items():
        print(f"  {name:42s} {value:8.3f}")
    print("  per topic (n, top-1, top-2, wrong specific):")
    for topic, row in scores.per_topic().items():
        print(f"    {topic:24s} {row['n']:4d} {row['top1']:6.2f} {row['top2']:6.2f} {row['wrong']:6.2f}")
    print(f"  misanswered held-out questions ({len(scores.errors())}):")
    for text, gold, given in scores.errors():
        print(f"    {gold:>30s} -> {given:<40s} {text!r}")


@pytest.mark.model
def test_top1_answer_accuracy(scores):
    assert scores.top1 >= MIN_TOP1


@pytest.mark.model
def test_top2_answer_accuracy(scores):
    assert scores.top2 >= MIN_TOP2


@pytest.mark.model
def test_a_wrong_entry_is_rarely_answered_with_confidence(scores):
    assert scores.wrong_specific <= MAX_WRONG_SPECIFIC


@pytest.mark.model
def test_a_question_no_entry_covers_rarely_gets_a_wrong_topics_text(scores):
    assert scores.not_covered_wrong_topic <= MAX_NOT_COVERED_WRONG_TOPIC
