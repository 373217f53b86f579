"""The Danish normaliser and the crisis phrase safety net, without a trained model."""

from pathlib import Path

import pytest
import yaml
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.folding import fold_text, fold_word
from bot.rasa.nlu.crisis_guard import CrisisGuard, CrisisMatcher
from bot.rasa.nlu.danish_normalizer import DanishNormalizer

PHRASES = Path(__file__).resolve().parents[1] / "bot" / "rasa" / "nlu" / "crisis_phrases.yml"
EXAMPLES = yaml.safe_load(PHRASES.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "written, folded",
    [
        ("hjælp", "hjaelp"),
        ("hjaelp", "hjaelp"),
        ("HJÆÆÆLP", "hjaelp"),
        ("ikk", "ikke"),
        ("ik", "ikke"),
        ("Søger", "soeger"),
        ("åbningstider", "aabningstider"),
        ("hejjjjj", "hej"),
        ("gym", "gymnasium"),
        ("ja", "ja"),  # "ja" means both "jeg" and "yes": left alone
    ],
)
def test_fold_word_maps_phone_spellings_to_one_form(written, folded):
    assert fold_word(written) == folded


def test_fold_text_keeps_words_and_drops_punctuation():
    assert fold_text("Hvordn søger ja SU??") == "hvordan soeger ja su"


def test_normaliser_changes_lemmas_but_keeps_offsets():
    message = Message({TEXT: "hjælp ikk"})
    tokens = [Token("hjælp", 0, lemma="hjælp"), Token("ikk", 6, lemma="ikk")]
    message.set("text_tokens", tokens)
    DanishNormalizer().process([message])
    assert [(t.text, t.start, t.lemma) for t in tokens] == [("hjælp", 0, "hjaelp"), ("ikk", 6, "ikke")]


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_file(PHRASES)


@pytest.mark.parametrize("text", EXAMPLES["must_match_examples"])
def test_crisis_phrase_list_catches_danger(matcher, text):
    assert matcher.matches(text)


@pytest.mark.parametrize("text", EXAMPLES["never_match_examples"])
def test_crisis_phrase_list_leaves_ordinary_messages_alone(matcher, text):
    assert not matcher.matches(text)


@pytest.mark.parametrize("text", ["jeg vil slå mig selv ihjel", "JEG VIL SLAA MIG SELV IHJEL!!", "tænker på selvmord"])
def test_crisis_matching_ignores_case_punctuation_and_spelling(matcher, text):
    assert matcher.matches(text)


def test_crisis_guard_overrides_the_classifier_and_beats_fallback_ambiguity(matcher):
    message = Message({TEXT: "jeg tænker på selvmord"})
    message.set(INTENT, {"name": "ask_mental_health", "confidence": 0.9})
    message.set(
        INTENT_RANKING_KEY,
        [{"name": "ask_mental_health", "confidence": 0.9}, {"name": "crisis", "confidence": 0.1}],
    )
    CrisisGuard(matcher).process([message])
    ranking = message.get(INTENT_RANKING_KEY)
    assert message.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    assert ranking[0]["name"] == "crisis"
    assert [r["name"] for r in ranking].count("crisis") == 1
    assert ranking[0]["confidence"] - ranking[1]["confidence"] >= 0.5


def test_crisis_guard_leaves_other_messages_untouched(matcher):
    message = Message({TEXT: "hvordan søger jeg su"})
    message.set(INTENT, {"name": "ask_su", "confidence": 0.97})
    CrisisGuard(matcher).process([message])
    assert message.get(INTENT)["name"] == "ask_su"


def test_crisis_guard_answers_a_plausible_crisis_even_when_it_is_not_the_top_guess(matcher):
    message = Message({TEXT: "hvordan gør man det uden at det gør ondt"})
    message.set(INTENT, {"name": "ask_substance_abuse", "confidence": 0.5})
    message.set(
        INTENT_RANKING_KEY,
        [{"name": "ask_substance_abuse", "confidence": 0.5}, {"name": "crisis", "confidence": 0.35}],
    )
    CrisisGuard(matcher, crisis_confidence_floor=0.3).process([message])
    assert message.get(INTENT)["name"] == "crisis"


def test_crisis_guard_ignores_a_faint_crisis_score(matcher):
    message = Message({TEXT: "hvordan søger jeg su"})
    message.set(INTENT, {"name": "ask_su", "confidence": 0.8})
    message.set(INTENT_RANKING_KEY, [{"name": "ask_su", "confidence": 0.8}, {"name": "crisis", "confidence": 0.1}])
    CrisisGuard(matcher, crisis_confidence_floor=0.3).process([message])
    assert message.get(INTENT)["name"] == "ask_su"
