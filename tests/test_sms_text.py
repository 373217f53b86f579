"""SMS text shaping: GSM-7 normalisation, segment counting, splitting, markdown, buttons
as numbered options and replies mapped back (bot/rasa/channels/sms/gsm.py, bot/rasa/channels/sms/replies.py)."""

import re

import pytest

from bot.rasa.channels.sms.gsm import is_gsm7, measure, segment_count, split_parts, to_gsm
from bot.rasa.channels.sms.replies import Keyword, Option, keyword, markdown_to_plain, match_option, render_messages

MORE = "Skriv MERE for at få resten."


# --- GSM-7 normalisation -------------------------------------------------------
def test_danish_and_other_gsm_letters_are_kept():
    text = "æøå ÆØÅ é É ü Ü ä ö Ä Ö ñ à ß Ç"
    assert to_gsm(text) == text
    assert measure(text).encoding == "GSM-7"


@pytest.mark.parametrize(
    "raw, shaped",
    [
        ("“Hej” ‘du’", "\"Hej\" 'du'"),
        ("9–16 — altid", "9-16 - altid"),
        ("Vent…", "Vent..."),
        ("70\u00a0201\u00a0201", "70 201 201"),
        ("Godt 👍 gået 🎉", "Godt gået"),
        ("Hej 👋🏽 familie 👨‍👩‍👧 ❤️", "Hej familie"),
        ("• punkt", "- punkt"),
        ("café ç á ê", "café c a e"),
        ("½ time", "1/2 time"),
    ],
)
def test_typography_and_emoji_become_gsm(raw, shaped):
    assert to_gsm(raw) == shaped
    assert is_gsm7(to_gsm(raw))


def test_text_outside_gsm_stays_and_is_counted_as_ucs2():
    assert to_gsm("Привет") == "Привет"
    assert measure("Привет").encoding == "UCS-2"


# --- segments --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, segments",
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),  # 2 x 153
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters count 2: 160 units
        ("a" * 159 + "€", 2),  # 161 units
        ("[" * 76 + "a" * 9, 2),  # 161 units
        ("ш" * 70, 1),
        ("ш" * 71, 2),
        ("ш" * 134, 2),  # 2 x 67
        ("ш" * 135, 3),
    ],
)
def test_segment_count(text, segments):
    assert segment_count(text) == segments


def test_extension_character_is_never_split_across_two_parts():
    # 306 units would be 2 x 153, but the escape pair cannot straddle the boundary.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text).units == 306
    assert segment_count(text) == 3


def test_emoji_kept_in_ucs2_costs_two_units():
    assert measure("ш😀").units == 3


# --- splitting -----------------------------------------------------------------------
def sentences(count: int) -> str:
    return " ".join(f"Det her er sætning nummer {n} i et langt svar om SU." for n in range(1, count + 1))


def words(text: str) -> list:
    return text.split()


def test_short_text_is_one_part():
    split = split_parts("Hej! Hvad vil du vide?", MORE)
    assert split.parts == ["Hej! Hvad vil du vide?"] and split.remainder == ""


def test_long_text_is_split_at_sentence_ends_into_one_segment_parts():
    text = sentences(7)  # about 370 characters: 3 parts
    split = split_parts(text, MORE)
    assert len(split.parts) == 3 and split.remainder == ""
    assert all(segment_count(p) == 1 for p in split.parts)
    assert all(p.endswith("SU.") for p in split.parts)  # whole sentences
    assert words(" ".join(split.parts)) == words(text)


def test_too_long_text_ends_with_the_more_line_and_keeps_the_rest():
    text = sentences(20)
    split = split_parts(text, MORE)
    assert len(split.parts) == 3
    assert all(segment_count(p) == 1 for p in split.parts)
    assert split.parts[-1].endswith("\n" + MORE)
    assert split.remainder
    sent = " ".join(split.parts).replace(MORE, "")
    assert words(sent + " " + split.remainder) == words(text)  # nothing lost

    # MERE: the next parts, until everything was sent.
    received, rest = sent, split.remainder
    while rest:
        nxt = split_parts(rest, MORE)
        assert 1 <= len(nxt.parts) <= 3 and all(segment_count(p) == 1 for p in nxt.parts)
        received += " " + " ".join(nxt.parts).replace(MORE, "")
        rest = nxt.remainder
    assert words(received) == words(text)


def test_abbreviations_and_dates_are_not_sentence_ends():
    text = "Du er booket torsdag d. 26. november kl. 09.00. " + sentences(3)
    split = split_parts(text, MORE)
    assert split.parts[0].startswith("Du er booket torsdag d. 26. november kl. 09.00.")


def test_a_sentence_longer_than_a_part_is_split_at_words():
    text = " ".join(["uddannelseshjælp"] * 25)  # one sentence, about 425 characters
    split = split_parts(text, MORE)
    assert all(segment_count(p) == 1 for p in split.parts)
    assert all(set(p.replace(MORE, "").split()) <= {"uddannelseshjælp"} for p in split.parts)
    assert words(" ".join(split.parts).replace(MORE, "") + " " + split.remainder) == words(text)


def test_lines_stay_lines():
    split = split_parts("Vælg en:\n1: Ja\n2: Nej\nSvar 1 eller 2.", MORE)
    assert split.parts == ["Vælg en:\n1: Ja\n2: Nej\nSvar 1 eller 2."]


# --- markdown and buttons ------------------------------------------------------------
def test_markdown_becomes_plain_text():
    text = "**Vigtigt:** søg i tide.\n- SU\n- Kontanthjælp\nLæs [su.dk](https://www.su.dk) eller [https://ug.dk](https://ug.dk)."
    assert markdown_to_plain(text) == "Vigtigt: søg i tide.\nSU\nKontanthjælp\nLæs su.dk: https://www.su.dk eller https://ug.dk."


def choose(count: int) -> str:
    return f"Svar {', '.join(str(n) for n in range(1, count))} eller {count}." if count > 1 else "Svar 1 for at vælge det."


def test_buttons_become_numbered_options_with_one_closing_line():
    messages = [
        {"text": "Hej! Jeg er Vejviser."},
        {
            "text": "Vil du tale med en vejleder?",
            "buttons": [{"title": "Ja", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}],
        },
    ]
    rendered = render_messages(messages, choose)
    assert rendered.text == "Hej! Jeg er Vejviser.\nVil du tale med en vejleder?\n1: Ja\n2: Nej\nSvar 1 eller 2."
    assert rendered.options == [Option("Ja", "/affirm"), Option("Nej", "/deny")]


def test_options_are_listed_once_after_the_last_bubble():
    buttons = [{"title": "Hvad kan du?", "payload": "/ask_capabilities"}, {"title": "Om dine data", "payload": "/ask_privacy"}]
    messages = [{"text": "Spørg mig om SU.", "buttons": buttons}, {"text": "Hej igen!", "buttons": buttons}]
    rendered = render_messages(messages, choose)
    assert rendered.text == "Spørg mig om SU.\nHej igen!\n1: Hvad kan du?\n2: Om dine data\nSvar 1 eller 2."
    assert [o.payload for o in rendered.options] == ["/ask_capabilities", "/ask_privacy"]


def test_three_options_and_link_buttons():
    buttons = [{"title": t, "payload": f"/{t.lower()}"} for t in ("Penge", "Job", "Uddannelse")]
    buttons.append({"title": "Læs mere", "type": "web_url", "url": "https://www.ug.dk"})
    rendered = render_messages([{"text": "Hvad vil du tale om?", "buttons": buttons}], choose)
    assert rendered.text == (
        "Hvad vil du tale om?\nLæs mere: https://www.ug.dk\n1: Penge\n2: Job\n3: Uddannelse\nSvar 1, 2 eller 3."
    )
    assert len(rendered.options) == 3


OPTIONS = [Option("Ja, en vejleder", "/request_human"), Option("Nej tak", "/deny")]


@pytest.mark.parametrize(
    "reply, payload",
    [
        ("1", "/request_human"),
        ("2", "/deny"),
        (" 2 ", "/deny"),
        ("2.", "/deny"),
        ("Ja", "/request_human"),
        ("ja", "/request_human"),
        ("JA, EN VEJLEDER", "/request_human"),
        ("nej tak!", "/deny"),
        ("3", None),  # out of range: plain text for Rasa
        ("0", None),
        ("17", None),
        ("ja tak", None),
        ("hvad er su", None),
    ],
)
def test_replies_map_back_to_payloads(reply, payload):
    assert match_option(reply, OPTIONS) == payload


def test_without_stored_options_a_number_is_plain_text():
    assert match_option("1", []) is None


def test_ambiguous_words_choose_nothing():
    assert match_option("ja", [Option("Ja, nu", "/a"), Option("Ja, senere", "/b")]) is None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("STOP", Keyword.STOP),
        ("stop", Keyword.STOP),
        ("Stop alle", Keyword.STOP),
        ("afmeld", Keyword.STOP),
        ("START", Keyword.START),
        ("HJÆLP", Keyword.HELP),
        ("hjaelp", Keyword.HELP),
        ("Hjalp", Keyword.HELP),
        ("help", Keyword.HELP),
        ("MERE", Keyword.MORE),
        ("mere.", Keyword.MORE),
        ("stop bookingen", None),
        ("jeg har brug for hjælp", None),
        ("hej", None),
    ],
)
def test_keywords_are_whole_messages(text, kind):
    assert keyword(text) is kind


def test_every_part_of_a_rendered_turn_is_gsm():
    messages = [{"text": "“Hej” – læs **mere** på [su.dk](https://www.su.dk) 🎓"}]
    text = to_gsm(render_messages(messages, choose).text)
    assert is_gsm7(text) and not re.search(r"[*\[\]]", text)
