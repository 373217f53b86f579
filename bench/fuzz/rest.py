"""The REST channel (POST /webhooks/rest/webhook): broken JSON, senders and messages of the
wrong type or size, wrong methods and content types, besides the hostile texts."""

from __future__ import annotations

import itertools
import json
import random
import re
import uuid
from typing import Any, Dict, List, Tuple

import requests

from bench.fuzz.cases import (
    ANSWERED,
    FAILED,
    Case,
    ChannelReport,
    Outcome,
    group_cases,
    http_outcome,
    kinds_sequence,
    post,
    run_groups,
    without_body_limit,
)
from bench.fuzz.generators import DANISH, INVALID_UTF8, MAX_BODY, MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, TEXT_KINDS, text_sample

REST_MUTATIONS = (
    "missing_sender",
    "empty_sender",
    "sender_not_string",
    "sender_too_long",
    "sender_odd",
    "missing_message",
    "message_not_string",
    "body_not_object",
    "not_json",
    "invalid_utf8_body",
    "deep_nesting",
    "huge_json",
    "wrong_content_type",
    "extra_fields",
    "metadata_not_object",
    "wrong_method",
)


def _json_body(rng: random.Random, value: Any) -> bytes:
    """JSON as clients send it: sometimes ASCII-escaped, sometimes raw UTF-8 (lone surrogates
    always escaped, as JavaScript's JSON.stringify does)."""
    if rng.random() < 0.5:
        return json.dumps(value).encode()
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r"[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text).encode()


def rest_cases(count: int, seed: int) -> List[Case]:
    """`count` REST inputs. The sender is filled in at run time (SENDER in the body)."""
    rng = random.Random(seed)
    kinds = kinds_sequence(rng, count, TEXT_KINDS + REST_MUTATIONS, [2.0] * len(TEXT_KINDS) + [1.0] * len(REST_MUTATIONS))
    return [_rest_case(rng, kind) for kind in kinds]


SENDER = "FUZZSENDERPLACEHOLDER"  # replaced in the body by the run's sender id (ASCII) when sent


def _rest_case(rng: random.Random, kind: str) -> Case:
    sender_json = json.dumps(SENDER)
    hello = rng.choice(DANISH)
    ctype = "application/json"

    def case(
        body: bytes, expect: str = "reply", statuses: Tuple[int, ...] = (), content_type: str = ctype, method: str = "POST"
    ) -> Case:
        data = {"body": body, "content_type": content_type, "method": method}
        if len(body) > MAX_BODY:
            expect, statuses = "refuse", (413,)
        return Case("rest", kind, data, expect, statuses)

    if kind in TEXT_KINDS:
        sample = text_sample(rng, kind)
        if sample.raw is not None:  # not UTF-8, so not JSON (RFC 8259): a clear 400
            return case(b'{"sender": ' + sender_json.encode() + b', "message": "' + sample.raw + b'"}', "refuse", (400,))
        body = _json_body(rng, {"sender": SENDER, "message": sample.text})
        return case(body, "answer" if len(sample.text) > MAX_MESSAGE_CHARS else "reply")
    if kind == "missing_sender":
        return case(_json_body(rng, {"message": hello}), "refuse", (400,))
    if kind == "empty_sender":
        return case(_json_body(rng, {"sender": rng.choice(["", " ", "\t\n", "\u00a0"]), "message": hello}), "refuse", (400,))
    if kind == "sender_not_string":
        value = rng.choice([None, 5, 0, -1, 1.5, True, False, [], ["a"], {}, {"id": "a"}, 10**30])
        return case(_json_body(rng, {"sender": value, "message": hello}), "refuse", (400,))
    if kind == "sender_too_long":
        size = rng.choice([MAX_SENDER_CHARS + 1, 500, 5000, 20_000])
        return case(_json_body(rng, {"sender": ("s" * size), "message": hello}), "refuse", (400,))
    if kind == "sender_odd":
        # Strings within the length limit; either accepted as a conversation id or refused clearly.
        odd = rng.choice(
            [
                "../../etc/passwd",
                "<script>x</script>",
                "'; DROP TABLE events;--",
                "😀👨‍👩‍👧",
                "\u202eabc",
                "a\u200bb",
                "\ud800",
                "a\x00b",
                "default",
                "%s{0}",
            ]
        )
        return case(_json_body(rng, {"sender": odd + "-" + SENDER, "message": hello}))
    if kind == "missing_message":
        return case(_json_body(rng, {"sender": SENDER}), "refuse", (400,))
    if kind == "message_not_string":
        value = rng.choice([None, 5, 0, 1.5, True, [], ["hej"], {}, {"text": "hej"}])
        return case(_json_body(rng, {"sender": SENDER, "message": value}), "refuse", (400,))
    if kind == "body_not_object":
        body = rng.choice([b"null", b"5", b'"hej"', b"true", b"[]", b'[{"sender": "a", "message": "hej"}]', b"1e999", b"{}"])
        return case(body, "refuse", (400,))
    if kind == "not_json":
        body = rng.choice(
            [
                b"",
                b"hej",
                b"{",
                b'{"sender": "a", "message": "hej"',
                b"sender=a&message=hej",
                b"<xml/>",
                b"{'sender': 'a', 'message': 'hej'}",
                b'{"sender": "a", "message": "hej",}',
                b"NaN",
                b"\x00\x01\x02",
                bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))),
            ]
        )
        return case(body, "refuse", (400,))
    if kind == "invalid_utf8_body":
        raw = rng.choice(INVALID_UTF8)
        body = rng.choice(
            [raw, b'{"sender": ' + sender_json.encode() + b', "message": "hej' + raw + b'"}', b"\xef\xbb\xbf" + raw]
        )
        return case(body, "refuse", (400,))
    if kind == "deep_nesting":
        depth = rng.choice([1000, 5000, 20_000, 30_000])
        nested = "[" * depth + "]" * depth
        where = rng.choice(["metadata", "message", "body"])
        if where == "body":
            return case(nested.encode(), "refuse", (400,))
        body = '{"sender": ' + sender_json + ', "message": ' + ('"hej"' if where == "metadata" else nested)
        body += (', "metadata": {"x": ' + nested + "}" if where == "metadata" else "") + "}"
        return case(body.encode(), "refuse" if where == "message" else "reply", (400,) if where == "message" else ())
    if kind == "huge_json":
        filler = rng.choice(["message", "metadata", "junk"])
        big = "x" * rng.choice([MAX_BODY + 1024, 200_000, 1_000_000])
        value: Dict[str, Any] = {"sender": SENDER, "message": big if filler == "message" else hello}
        if filler != "message":
            value[filler] = {"x": big} if filler == "metadata" else big
        return case(json.dumps(value).encode(), "refuse", (413,))
    if kind == "wrong_content_type":
        body = _json_body(rng, {"sender": SENDER, "message": hello})
        content_type = rng.choice(
            [
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "",
                "application/xml",
                "application/json; charset=latin-1",
            ]
        )
        return case(body, content_type=content_type)
    if kind == "extra_fields":
        extra = rng.choice(
            [
                {"metadata": {}},
                {"metadata": {"a": [1, {"b": None}]}},
                {"input_channel": "sms"},
                {"stream": True},
                {"sender_id": "other"},
                None,  # a 4,400-digit number: Python's json refuses to turn it into an int
            ]
        )
        if extra is None:
            return case(_json_body(rng, {"sender": SENDER, "message": hello})[:-1] + b', "x": ' + b"9" * 4400 + b"}")
        return case(_json_body(rng, {"sender": SENDER, "message": hello, **extra}))
    if kind == "metadata_not_object":
        value = rng.choice(["x", 5, [], True, [{"a": 1}]])
        return case(_json_body(rng, {"sender": SENDER, "message": hello, "metadata": value}), "refuse", (400,))
    if kind == "wrong_method":
        method = rng.choice(["GET", "PUT", "DELETE", "PATCH"])
        return case(_json_body(rng, {"sender": SENDER, "message": hello}), "refuse", (404, 405), method=method)
    raise ValueError(kind)


def _rest_answer(response: requests.Response) -> Outcome:
    """200 with a non-empty list of messages, each with text, buttons or custom content."""
    try:
        answer = response.json()
    except ValueError:
        return Outcome(FAILED, "bad-answer", f"200 without JSON: {response.text[:120]!r}")
    if not isinstance(answer, list) or not answer:
        return Outcome(FAILED, "no-answer", f"200 with {str(answer)[:120]!r}")
    if not all(isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("custom") or m.get("image")) for m in answer):
        return Outcome(FAILED, "bad-answer", f"a message without text/buttons/custom: {str(answer)[:200]}")
    return Outcome(ANSWERED, "200")


def _rest_refusal(response: requests.Response, outcome: Outcome) -> Outcome:
    """400 and 429 must carry {"error": "..."} so a client can tell what was wrong."""
    if response.status_code in (400, 429):
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, str) or not error:
            return Outcome(FAILED, "unclear-4xx", f"{response.status_code} without a JSON error: {response.text[:120]!r}")
    return outcome


def fuzz_rest(base_url: str, count: int = 10_000, seed: int = 1, workers: int = 6, body_limit: bool = True) -> ChannelReport:
    """Sends `count` generated inputs to POST {base_url}/webhooks/rest/webhook. `body_limit`:
    bodies over 64 KiB must be refused with 413 (nginx and Sanic in the production profile)."""
    rng = random.Random(seed)
    cases = rest_cases(count, seed) if body_limit else without_body_limit(rest_cases(count, seed))
    groups = group_cases(cases, rng, alone=lambda case: False)
    url = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
    run = uuid.uuid4().hex[:8]
    counter = itertools.count()

    def run_group(group: List[Case]) -> List[Tuple[Case, Outcome]]:
        sender = f"fuzz-{run}-{next(counter)}"
        results = []
        for case in group:
            body = case.data["body"].replace(SENDER.encode(), sender.encode())
            headers = {"Content-Type": case.data["content_type"]} if case.data["content_type"] else {}
            got = post(url, body, headers, method=case.data["method"])
            if isinstance(got, Outcome):
                results.append((case, got))
                continue
            outcome = http_outcome(got)
            if outcome is not None:
                results.append((case, _rest_refusal(got, outcome)))
            elif got.status_code == 200:
                results.append((case, _rest_answer(got)))
            else:
                results.append((case, Outcome(FAILED, f"{got.status_code}", got.text[:120])))
        return results

    return run_groups("rest", groups, workers, run_group)

