"""Plug-ins that Rasa loads by dotted name: NLU components (`nlu`), policies (`policies`),
input channels with SMS under them (`channels`), tracker and lock stores (`stores`), and
the speed patches the tracker store applies (`speedups`).

May import: Rasa, `bot.core`. Must not import: `actions`, `bot.services`, `bot.launch`.
"""
