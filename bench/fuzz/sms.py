"""The SMS channel (Twilio-format webhook): missing fields, odd senders, bad signatures,
repeated message ids, broken forms, besides the hostile texts; each valid message must get
an SMS at the gateway stand-in."""

from __future__ import annotations

import itertools
import json
import random
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple, Union
from urllib.parse import parse_qs, quote, urlencode

from bench.fuzz.cases import (
    ANSWERED,
    FAILED,
    TIMEOUT,
    Case,
    ChannelReport,
    Outcome,
    group_cases,
    http_outcome,
    kinds_sequence,
    post,
    run_groups,
    thread_session,
    without_body_limit,
)
from bench.fuzz.generators import DANISH, INVALID_UTF8, MAX_BODY, SMS_KEYWORDS, TEXT_KINDS, text_sample
from bot.rasa.channels.sms.replies import Keyword, keyword
from bot.rasa.channels.sms.senders import normalise_number
from tests.harness.fake_twilio import inbound_form, independent_signature

SMS_MUTATIONS = (
    "keyword",
    "missing_from",
    "missing_body",
    "missing_message_sid",
    "only_sms_sid",
    "odd_from",
    "bad_signature",
    "duplicate_message_sid",
    "invalid_utf8_form",
    "wrong_content_type",
    "huge_form",
    "query_string",
    "extra_fields",
)
ACCOUNT_SID = "AC" + "f" * 32
TO_NUMBER = "+4570000000"
# Odd spellings of the group's own number (filled in per request: a fixed number shared by
# parallel groups could be opted out by another group's STOP).
SPACED_NUMBER, ZEROS_NUMBER, RTL_NUMBER = "{spaced number}", "{00 number}", "{rtl number}"


def sms_form_bytes(body: Union[str, bytes]) -> int:
    """The size of the form as it is sent (nginx refuses more than MAX_BODY with 413)."""
    return len(urlencode(inbound_fields(body, "+4520000000", "SM" + "0" * 32), quote_via=quote).encode())


def odd_spelling(template: Union[str, bytes], number: str) -> Union[str, bytes]:
    if template == SPACED_NUMBER:
        return f"{number[:3]} {number[3:5]} {number[5:7]} {number[7:9]} {number[9:]}"
    if template == ZEROS_NUMBER:
        return "00" + number[1:]
    if template == RTL_NUMBER:
        return "\u202e" + number
    return template


def sms_cases(count: int, seed: int) -> List[Case]:
    rng = random.Random(seed)
    kinds = kinds_sequence(rng, count, TEXT_KINDS + SMS_MUTATIONS, [2.0] * len(TEXT_KINDS) + [1.0] * len(SMS_MUTATIONS))
    return [_sms_case(rng, kind) for kind in kinds]


def _sms_case(rng: random.Random, kind: str) -> Case:
    """Data: "body" (str or raw bytes), and what to do to the form: "drop" (fields), "set"
    (fields), "sign" (ok, wrong_token, wrong_url, none, garbage, tampered), "raw" (send
    these bytes as the whole body), "query", "content_type", "repeat" (send twice)."""
    hello = rng.choice(DANISH)

    def case(body: Union[str, bytes], expect: str = "answer", statuses: Tuple[int, ...] = (), **extra: Any) -> Case:
        return Case("sms", kind, {"body": body, **extra}, expect, statuses)

    if kind in TEXT_KINDS:
        sample = text_sample(rng, kind)
        if kind == "surrogate":  # a form carries UTF-8: a lone surrogate can only arrive as its (invalid) bytes
            return case(sample.utf8(), "reply")
        body: Union[str, bytes] = sample.raw if sample.raw is not None else sample.text
        if sms_form_bytes(sample.utf8()) > MAX_BODY:  # percent-encoded emoji take 12 bytes each
            return case(body, "refuse", (413,))
        return case(body, "reply" if sample.raw is not None else "answer")
    if kind == "keyword":
        return case(rng.choice(SMS_KEYWORDS))
    # A signed webhook without a sender or message id is not an inbound SMS (Twilio's status
    # callbacks look like that): acknowledged, nothing sent. Without Body: the help text.
    if kind == "missing_from":
        return case(hello, "ack", drop=["From"], set=rng.choice([{}, {"From": ""}]))
    if kind == "missing_body":
        return case(hello, "answer", drop=["Body"])
    if kind == "missing_message_sid":
        return case(hello, "ack", drop=["MessageSid", "SmsSid", "SmsMessageSid"])
    if kind == "only_sms_sid":
        return case(hello, drop=["MessageSid"])
    if kind == "odd_from":
        odd = rng.choice(
            [
                "abc",
                "😀",
                "+",
                "0",
                SPACED_NUMBER,
                ZEROS_NUMBER,
                "<script>",
                "'; DROP TABLE x;--",
                "9" * 300,
                "+45" + "1" * 10_000,
                RTL_NUMBER,
            ]
        )
        return case(hello, "reply", set={"From": odd})
    if kind == "bad_signature":
        how = rng.choice(["wrong_token", "wrong_url", "none", "garbage", "tampered", "empty", "latin1"])
        return case(hello, "refuse", (403,), sign=how)
    if kind == "duplicate_message_sid":
        return case(hello, repeat=True)
    if kind == "invalid_utf8_form":
        raw = rng.choice(INVALID_UTF8)
        where = rng.choice(["percent", "bytes", "name"])
        return case(hello, "reply", invalid=(where, raw))
    if kind == "wrong_content_type":
        how = rng.choice(["json", "text/plain", "multipart/form-data", ""])
        return case(hello, "reply" if how != "json" else "ack", content_type=how)
    if kind == "huge_form":
        size = rng.choice([MAX_BODY + 1024, 200_000])
        return case("x" * size, "refuse", (413,))
    if kind == "query_string":
        return case(hello, query=rng.choice(["a=1", "x=%FF", "Body=overridden", "a=" + "b" * 2000]))
    if kind == "extra_fields":
        return case(
            hello,
            set=rng.choice(
                [
                    {"NumMedia": "1", "MediaUrl0": "https://evil.example/x.jpg"},
                    {"AccountSid": "ACother"},
                    {"Junk": "<script>"},
                    {"ToCountry": "😀"},
                ]
            ),
        )
    raise ValueError(kind)


def inbound_fields(body: Union[str, bytes], sender: str, message_sid: str) -> Dict[str, Union[str, bytes]]:
    """The form fields Twilio posts for an inbound SMS (the tests' own form, to this stack's number)."""
    return inbound_form(body, sender, TO_NUMBER, ACCOUNT_SID, message_sid)


@dataclass
class _SmsRequest:
    url: str
    body: bytes
    headers: Dict[str, str]
    sender: str  # the From field as the server reads it ("" when missing)


def _sms_request(case: Case, post_url: str, public_url: str, token: str, number: str) -> _SmsRequest:
    data = case.data
    fields: Dict[str, Union[str, bytes]] = inbound_fields(data["body"], number, "SM" + uuid.uuid4().hex)
    for name in data.get("drop") or []:
        fields.pop(name, None)
    fields.update(data.get("set") or {})
    fields["From"] = odd_spelling(fields.get("From", ""), number) if "From" in fields else None
    if fields["From"] is None:
        fields.pop("From")
    invalid = data.get("invalid")
    if invalid and invalid[0] == "percent":
        fields["Body"] = b"hej " + invalid[1]  # percent-encoded below: %FF etc.
    query = data.get("query") or ""
    content_type = data.get("content_type", "application/x-www-form-urlencoded")
    if content_type == "json":
        raw = json.dumps({k: v for k, v in fields.items() if isinstance(v, str)}).encode()
        content_type = "application/json"
    else:
        raw = urlencode(fields, quote_via=quote).encode()
    if invalid and invalid[0] != "percent":
        where, bad = invalid
        if where == "bytes":
            raw = raw.replace(b"Body=", b"Body=" + bad, 1)
        else:
            raw += b"&Junk" + bad + b"=x"
    # The parameters exactly as the server reads them (Sanic's body, decoded leniently).
    seen = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    signed_url = public_url + (f"?{query}" if query else "")
    sign = data.get("sign", "ok")
    signature = {
        "ok": lambda: independent_signature(token, signed_url, seen),
        "wrong_token": lambda: independent_signature(token + "x", signed_url, seen),
        "wrong_url": lambda: independent_signature(token, post_url + "/", seen),
        "tampered": lambda: independent_signature(token, signed_url, {**seen, "Body": ["noget andet"]}),
        "garbage": lambda: "not-a-signature==",
        "empty": lambda: "",
        "latin1": lambda: "æøå" * 9,
        "none": lambda: None,
    }[sign]()
    headers = {"Content-Type": content_type} if content_type else {}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature.encode("utf-8").decode("latin-1")
    url = post_url + (f"?{query}" if query else "")
    return _SmsRequest(url, raw, headers, (seen.get("From") or [""])[0])


class _Gateway:
    """The gateway stand-in's list of sent SMS (GET {gateway}/messages)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/") + "/messages"

    def sent_to(self, number: str) -> int:
        response = thread_session().get(self.url, timeout=TIMEOUT)
        response.raise_for_status()
        return sum(1 for message in response.json() if message.get("to") == number)


def fuzz_sms(
    base_url: str,
    public_url: str,
    auth_token: str,
    gateway_url: str,
    count: int = 10_000,
    seed: int = 1,
    workers: int = 6,
    body_limit: bool = True,
) -> ChannelReport:
    """Posts `count` generated webhooks to {base_url}/webhooks/sms/webhook, signed over
    `public_url` (the exact URL the gateway is configured with), and checks that each valid
    message got at least one SMS at the gateway stand-in. `body_limit`: bodies over 64 KiB
    must be refused with 413 (nginx and Sanic in the production profile)."""
    rng = random.Random(seed)
    cases = sms_cases(count, seed) if body_limit else without_body_limit(sms_cases(count, seed))
    groups = group_cases(cases, rng, alone=lambda case: False)
    post_url = f"{base_url.rstrip('/')}/webhooks/sms/webhook"
    gateway = _Gateway(gateway_url)
    first_number = 20_000_000 + secrets.randbelow(70_000_000)
    numbers = itertools.count()

    def fresh_number() -> str:
        return f"+45{(first_number + next(numbers)) % 80_000_000 + 20_000_000}"

    def run_group(group: List[Case]) -> List[Tuple[Case, Outcome]]:
        number = fresh_number()
        results = []
        for case in group:
            request = _sms_request(case, post_url, public_url, auth_token, number)
            to = normalise_number(request.sender) if request.sender else ""
            before = gateway.sent_to(to) if to else 0
            got = post(request.url, request.body, request.headers)
            repeat = None
            if case.data.get("repeat") and not isinstance(got, Outcome) and got.status_code == 200:
                between = gateway.sent_to(to)
                repeat = post(request.url, request.body, request.headers)
                before = between
            final = repeat if repeat is not None else got
            if isinstance(final, Outcome):
                results.append((case, final))
                continue
            outcome = http_outcome(final)
            if outcome is not None:
                results.append((case, outcome))
                continue
            if final.status_code != 200:
                results.append((case, Outcome(FAILED, str(final.status_code), final.text[:120])))
                continue
            sent = (gateway.sent_to(to) if to else 0) - before
            said = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).get("Body", [""])[0]
            if case.expect == "refuse":
                outcome = Outcome(FAILED, "contract", f"expected status {list(case.statuses)}, got 200 and {sent} SMS")
            elif case.expect == "ack":
                outcome = (
                    Outcome(ANSWERED, "acknowledged")
                    if sent == 0
                    else Outcome(FAILED, "contract", f"not an inbound SMS, but {sent} SMS were sent")
                )
            elif repeat is not None:
                outcome = (
                    Outcome(ANSWERED, "duplicate-ignored")
                    if sent == 0
                    else Outcome(FAILED, "contract", f"a repeated MessageSid sent {sent} more SMS")
                )
            elif keyword(said) is Keyword.STOP:
                outcome = (
                    Outcome(ANSWERED, "stop-confirmed")
                    if sent == 1
                    else Outcome(FAILED, "contract", f"STOP sent {sent} SMS, not the one confirmation")
                )
                number = fresh_number()  # an opted-out number gets nothing more
            elif sent < 1:
                outcome = Outcome(FAILED, "no-answer", f"200 but no SMS sent to the sender (From {request.sender[:40]!r})")
            else:
                outcome = Outcome(ANSWERED, "200+sms")
            results.append((case, outcome))
        return results

    return run_groups("sms", groups, workers, run_group)

