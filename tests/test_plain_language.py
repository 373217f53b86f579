"""Every text the assistant sends meets shared/spec/plain-language.md (LIX, length)."""

import json
from pathlib import Path
from typing import List, Tuple

import yaml

from bot.core.knowledge import load_general_answers
from bot.core.plain_language import hardest, measure
from tests.harness.domain import RESPONSES

ROOT = Path(__file__).resolve().parents[1]
MAX_LIX = 35
MAX_MEAN_LIX = 28
MAX_WORDS_PER_BUBBLE = 60
MAX_BUTTON_WORDS = 4


def widget_texts() -> List[Tuple[str, str]]:
    """The website widget's own interface texts (web/widget/texts.da.json)."""
    texts = json.loads((ROOT / "web/widget/texts.da.json").read_text(encoding="utf-8"))
    return [(f"widget:{key}", text) for key, text in texts.items()]


def general_answer_bubbles():
    """The topics' general answers (data/knowledge/general/), every alternative text too."""
    return [
        (f"general:{topic}:{number}", bubble)
        for topic, answer in load_general_answers().items()
        for number, bubble in enumerate(answer.bubbles, start=1)
    ]


def is_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "?", "!"))


def bubble_texts() -> List[Tuple[str, str]]:
    """(where, text) for every response variation in the domain, every general topic
    answer, and the widget's own sentences (its labels are checked like buttons)."""
    return (
        [
            (name, variation["text"])
            for name, variations in RESPONSES.items()
            for variation in variations
            if variation.get("text")
        ]
        + [(where, text) for where, bubble in general_answer_bubbles() for text in bubble.all_texts()]
        + [(where, text) for where, text in widget_texts() if is_sentence(text)]
    )


def button_titles() -> List[Tuple[str, str]]:
    labels = yaml.safe_load((ROOT / "actions/content/topic_labels.yml").read_text(encoding="utf-8"))
    titles = [
        (name, button["title"])
        for name, variations in RESPONSES.items()
        for variation in variations
        for button in variation.get("buttons", [])
    ]
    titles += [(where, title) for where, bubble in general_answer_bubbles() for title, _ in bubble.buttons]
    titles += [("topic_labels", label) for label in labels["intents"].values()]
    titles += [(where, text) for where, text in widget_texts() if not is_sentence(text)]
    return titles + [("topic_labels", labels["none_of_them"])]


def test_print_the_ten_hardest_texts():
    print("\nThe 10 hardest texts (LIX, words, response):")
    by_text = {text: name for name, text in bubble_texts()}
    for score in hardest(by_text):
        print(f"  {score.lix:5.1f} {score.words:3d}  {by_text[score.text]}: {score.text[:70]!r}")


def test_every_bubble_has_lix_at_most_35():
    too_hard = {name: round(measure(text).lix, 1) for name, text in bubble_texts() if measure(text).lix > MAX_LIX}
    assert too_hard == {}


def test_mean_lix_is_at_most_28():
    scores = [measure(text).lix for _, text in bubble_texts()]
    assert sum(scores) / len(scores) <= MAX_MEAN_LIX


def test_every_bubble_has_at_most_60_words():
    too_long = {name: measure(text).words for name, text in bubble_texts() if measure(text).words > MAX_WORDS_PER_BUBBLE}
    assert too_long == {}


def test_buttons_have_one_to_four_words():
    assert [t for _, t in button_titles() if not 1 <= len(t.split()) <= MAX_BUTTON_WORDS] == []


def test_lix_formula_matches_the_spec():
    score = measure("Du kan søge SU på su.dk. Det tager fem minutter: https://www.su.dk")
    # 9 words ("su.dk" and the URL are left out), 2 sentences, 1 long word ("minutter").
    assert (score.words, score.sentences, score.long_words) == (9, 2, 1)
    assert round(score.lix, 2) == round(9 / 2 + 100 * 1 / 9, 2)


def test_template_variables_count_as_one_short_word():
    score = measure("Ring til {unit_name} på {unit_phone}.")
    assert (score.words, score.long_words) == (5, 0)
