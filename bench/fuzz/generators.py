"""Hostile message texts in classes (empty, long, emoji, bidi, HTML, SQL, slash syntax, broken
UTF-8, ...), drawn from a seeded random.Random so a failure can be reproduced."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional, Sequence

MAX_BODY = 64 * 1024  # larger request bodies must be refused with 413 (nginx or Sanic)
MAX_MESSAGE_CHARS = 2000  # longer messages get one kind answer and are not processed
MAX_SENDER_CHARS = 128

# --- the input classes -----------------------------------------------------------------------

EMOJI = [
    "😀",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🏴‍☠️",
    "🇩🇰",
    "🇺🇦",
    "❤️",
    "🤷‍♀️",
    "🧑🏿‍💻",
    "1️⃣",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "\U0001f600\ufe0f",
    "☺",
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u180e"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u200e", "\u061c"]
RTL_WORDS = ["مرحبا", "שלום", "سلام عليكم", "كيف أحصل على SU؟", "אני צריך עזרה"]
WHITESPACE = [" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2003", "\u3000", "\u200a", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"]
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(document.cookie)>',
    "javascript:alert(1)",
    "<iframe src=//evil.example></iframe>",
    "<b>fed</b><i>kursiv</i>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "</script><script>alert(1)</script>",
    "{{7*7}}",
    "${7*7}",
    "<!--",
    "]]>",
    "<a href='javascript:alert(1)'>klik</a>",
    "<style>*{display:none}</style>",
]
SQL = [
    "'; DROP TABLE events;--",
    "' OR '1'='1",
    '" OR 1=1 --',
    "1; SELECT * FROM events",
    "admin'--",
    "'; UPDATE events SET sender_id='x' WHERE 1=1;--",
    "%' UNION SELECT sqlite_version()--",
    "1' AND SLEEP(5)#",
    "'); DELETE FROM sms_senders;--",
]
SLASH = [
    '/book_appointment{"topic":"x"}',
    "/restart",
    "/session_start",
    '/inform{"age_band": "99"}',
    '/inform{"age_band": ',
    "/greet",
    "/",
    "//",
    "/ /",
    "/ask_privacy",
    "/nlu_fallback",
    "/action_restart",
    "/EXTERNAL_reminder",
    '/affirm{"x": ' + "[" * 60,
    "/inform{}",
    '/inform{"topic": null, "age_band": [1, 2]}',
    "/utter_greet",
    "/stop",
    "/request_handoff",
    "/deny@0.99",
]
FORMAT = [
    "{0}",
    "%s%s%s%n",
    "{name}",
    "{{",
    "}}",
    "%(x)s",
    "{0!r:>{1}}",
    "\\N{BULLET}",
    "${jndi:ldap://x/a}",
    "%d %x %p",
    "{__class__}",
]
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\u2029"]
SURROGATES = ["\ud800", "\udfff", "\ud83d", "\ude00", "\udcff"]
INVALID_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xe6\xf8\xe5",
    b"\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
]
DANISH = [
    "hej",
    "hvordan søger jeg su",
    "hvad er en fgu",
    "jeg vil gerne have hjælp til mit cv",
    "tak",
    "kan jeg få en samtale med en vejleder",
    "hvornår har I åbent",
    "jeg er 17 år og vil gerne på efterskole",
    "ÆØÅ æøå",
    "jeg mangler et job",
    "hvad gør I med mine data",
    "Hvordan får jeg økonomisk støtte?",
    "jeg er gået ud af 9. klasse og ved ikke hvad jeg skal",
    "kan I ringe til mig",
    "farvel",
]
SMS_KEYWORDS = ["STOP", "Stop!", " stop ", "afmeld", "START", "HJÆLP", "hjaelp", "help", "MERE", "mere?"]

TEXT_KINDS = (
    "empty",
    "whitespace",
    "long",
    "emoji",
    "zero_width",
    "bidi",
    "html",
    "sql",
    "slash",
    "format",
    "control",
    "surrogate",
    "invalid_utf8",
    "cpr_like",
    "long_word",
    "danish",
    "mixed",
)


@dataclass(frozen=True)
class Sample:
    """One generated message text. `raw` holds bytes that are not valid UTF-8 (kind
    invalid_utf8); `text` is then what a lenient decoder would make of them."""

    kind: str
    text: str
    raw: Optional[bytes] = None

    def utf8(self) -> bytes:
        """The bytes to put on the wire (lone surrogates as their invalid encoding)."""
        return self.raw if self.raw is not None else self.text.encode("utf-8", "surrogatepass")


def _pick(rng: random.Random, pool: Sequence[str], low: int = 1, high: int = 4) -> str:
    return "".join(rng.choice(pool) for _ in range(rng.randint(low, high)))


def _cpr_like(rng: random.Random) -> str:
    """Made-up numbers in the CPR shape (DDMMYY-XXXX); never a real person's."""
    day, month, year, serial = rng.randint(1, 31), rng.randint(1, 12), rng.randint(0, 99), rng.randint(0, 9999)
    number = f"{day:02d}{month:02d}{year:02d}{rng.choice(['-', '', ' '])}{serial:04d}"
    return rng.choice(["{}", "mit cpr er {}", "cpr: {}", "{} hjælp", "jeg er født {} og vil søge su"]).format(number)


def text_sample(rng: random.Random, kind: str) -> Sample:
    """A message of one input class."""
    danish = rng.choice(DANISH)
    if kind == "empty":
        return Sample(kind, "")
    if kind == "whitespace":
        return Sample(kind, _pick(rng, WHITESPACE, 1, 40))
    if kind == "long":
        pool = rng.choice([DANISH, EMOJI, HTML + SQL, ZERO_WIDTH + BIDI + ["a"], ["x"], CONTROL, RTL_WORDS])
        size = rng.choice([MAX_MESSAGE_CHARS + 1, 2500, 5000, 10_000, 10_000, 10_000])
        text = ""
        while len(text) < size:
            text += rng.choice(pool) + rng.choice(["", " "])
        return Sample(kind, text[:size])
    if kind == "emoji":
        return Sample(kind, rng.choice(["{e}", "{d} {e}", "{e}{e}{e}", "{e} {d}"]).format(e=_pick(rng, EMOJI), d=danish))
    if kind == "zero_width":
        zw = _pick(rng, ZERO_WIDTH, 1, 6)
        return Sample(kind, rng.choice([zw, zw.join(danish), zw + danish + zw, "s" + zw + "u"]))
    if kind == "bidi":
        return Sample(
            kind, rng.choice(BIDI) + rng.choice([danish, rng.choice(RTL_WORDS), "gpj.exe"]) + rng.choice(["", "\u202c", "\u2069"])
        )
    if kind == "html":
        return Sample(kind, rng.choice(["{h}", "{d} {h}", "{h}{h}"]).format(h=rng.choice(HTML), d=danish))
    if kind == "sql":
        return Sample(kind, rng.choice(["{s}", "{d}{s}", "{s} {d}"]).format(s=rng.choice(SQL), d=danish))
    if kind == "slash":
        return Sample(kind, rng.choice(SLASH) + rng.choice(["", "", " " + danish, "\n/restart"]))
    if kind == "format":
        return Sample(kind, rng.choice(["{f}", "{d} {f}"]).replace("{d}", danish).replace("{f}", rng.choice(FORMAT)))
    if kind == "control":
        return Sample(
            kind, rng.choice(["{c}", "{d}{c}", "{c}{d}{c}"]).replace("{d}", danish).replace("{c}", _pick(rng, CONTROL, 1, 8))
        )
    if kind == "surrogate":
        return Sample(kind, rng.choice(["{s}", "hej {s}", "{s}{s}", "😀{s}su"]).replace("{s}", rng.choice(SURROGATES)))
    if kind == "invalid_utf8":
        raw = rng.choice([b"%s", b"hej %s", b"%s%s", "æ%sø".encode()]).replace(b"%s", rng.choice(INVALID_UTF8))
        return Sample(kind, raw.decode("utf-8", "replace"), raw)
    if kind == "cpr_like":
        return Sample(kind, _cpr_like(rng))
    if kind == "long_word":
        size = rng.choice([300, 1500, 1999, 2001, 4000])
        word = rng.choice(["a", "æ", "su", "Arbejdsmarkedsuddannelses", "ø"])
        return Sample(kind, (word * size)[:size])
    if kind == "danish":
        return Sample(kind, danish)
    if kind == "mixed":
        parts = [
            text_sample(
                rng, rng.choice(["emoji", "zero_width", "bidi", "html", "sql", "format", "control", "danish", "cpr_like"])
            ).text
        ]
        parts += [rng.choice(DANISH + RTL_WORDS + HTML + SQL + EMOJI) for _ in range(rng.randint(1, 3))]
        rng.shuffle(parts)
        return Sample(kind, rng.choice([" ", "", "\n"]).join(parts))
    raise ValueError(kind)

