"""The scripted conversations every virtual user plays."""

from __future__ import annotations

from typing import List

# Realistic conversations, written as young people write: lowercase, typos, no accents
# on some. Only topics the bot answers from its own texts (SU, FGU, CV, jobs, apprentice-
# ships, education choice, the guidance cafe, privacy, greetings, thanks): nothing that
# starts the booking intake, asks for a person or is a crisis, and no yes/no answer (an
# "ja" after an offer could start a booking). `--show` prints what the bot answers.
CONVERSATIONS: List[List[str]] = [
    [
        "hej",
        "hvordn søger ja su",
        "hvor meget faar man i su naar man bor hjemme",
        "kan man ha et job ved siden af su",
        "tak for hjælpen",
    ],
    ["hejsa", "hvad er fgu", "får man penge når man går på fgu", "jeg er 19 kan jeg starte på fgu", "mange tak", "farvel"],
    [
        "hey",
        "kan i hjaelpe mig med mit cv",
        "jeg har ingen erfaring hvad skal jeg skrive i mit cv",
        "hvordan skriver man en ansoegning",
        "tak det hjalp",
    ],
    [
        "hej",
        "hvad kan du",
        "jeg mangler en læreplads som elektriker",
        "hvad er laerlingeklubben",
        "hvad sker der hvis jeg ikke faar en laereplads",
        "tak",
    ],
    ["hej jeg har et spørgsmål", "hvem kan læse min chat", "gemmer du mine beskeder", "er den her chat anonym", "tak for info"],
    [
        "yo",
        "jeg skal bruge et fritidsjob",
        "hvordan finder man job på jobnet",
        "jeg er 16 hvor finder jeg job",
        "sommerjob",
        "thx",
        "vi ses",
    ],
    [
        "godmorgen",
        "hvilken uddannelse skal jeg vælge",
        "hvad er forskellen på eud og eux",
        "stx eller hhx hvad passer til mig",
        "tak skal du have",
    ],
    ["hallo", "hvad er vejledningscaféen", "koster det noget", "kan min ven komme med", "hva kan man her", "tusind tak"],
    ["hej bot", "hvornår bliver su udbetalt", "hvad er en fgu", "cv hjalp pls", "hvad kan jeg spørge om", "tak bro", "bye"],
]
