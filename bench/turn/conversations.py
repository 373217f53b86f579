"""The fixed message set: Danish youth conversations, played in this order by every user.

Written as young people write (lowercase, missing æøå, slang) and clicking buttons where
the widget shows them (a `/intent{...}` payload is what a click sends). Together they
walk every kind of turn the assistant has: greetings, knowledge-base questions, topic
questions, the intake form and a booking against the running booking service, and a
request for a person. Each conversation runs under a new sender id, so every user
starts fresh and the set is the same for both assistants."""

from __future__ import annotations

from typing import List

CONVERSATIONS: List[List[str]] = [
    [
        "hej",
        "hvordan søger jeg su",
        "hvornår kommer su pengene",
        "maa jeg arbejde naar jeg faar su",
        "tak for hjælpen",
    ],
    [
        "hejsa",
        "hvad er fgu",
        "jeg mangler en læreplads som elektriker",
        "hvordan skriver man en ansoegning",
        "hvem kan læse min chat",
        "farvel",
    ],
    [
        "hej",
        "kan jeg få en samtale med en vejleder",
        '/inform{"intake_topic": "uddannelse"}',
        "17",
        '/inform{"contact_channel": "sms"}',
        "20 30 40 50",
        "Sara",
        "hurtigst muligt",
        "den første",
        "ja det er ok",
        "tak",
    ],
    [
        "hey",
        "jeg har droppet ud af gymnasiet og ved ikke hvad jeg skal",
        "jeg vil gerne snakke med en om det",  # the topic is known from the answer before: the intake asks the age
        "19",
        '/inform{"contact_channel": "møde"}',
        "Mikkel",
        "hurtigst muligt",
        "den første",
        "ja",
    ],
    [
        "hallo",
        "jeg har gæld og kan ikke betale min husleje",
        "kan jeg snakke med et menneske",  # live hand-off in opening hours, else leave a message
    ],
]


def message_count() -> int:
    return sum(len(conversation) for conversation in CONVERSATIONS)
