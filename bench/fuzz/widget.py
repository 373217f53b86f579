"""The widget channel (socket.io): payloads of the wrong shape, odd client ids and sessions,
foreign origins and broken transport packets, besides the hostile texts."""

from __future__ import annotations

import random
from typing import Any, List, Tuple, Union

import requests
import socketio

from bench.fuzz.cases import (
    ANSWERED,
    FAILED,
    REFUSED,
    TIMEOUT,
    Case,
    ChannelReport,
    Outcome,
    group_cases,
    http_outcome,
    kinds_sequence,
    run_groups,
)
from bench.fuzz.generators import DANISH, INVALID_UTF8, MAX_BODY, MAX_MESSAGE_CHARS, TEXT_KINDS, text_sample
from bench.fuzz.socket_clients import BrowserJson, RawPolling, SocketClient

WIDGET_MUTATIONS = (
    "payload_not_object",
    "message_not_string",
    "missing_message",
    "missing_client_id",
    "odd_client_id",
    "odd_display",
    "repeated_client_id",
    "no_arguments",
    "extra_arguments",
    "no_session",
    "odd_session_request",
    "foreign_origin",
    "raw_invalid_utf8",
    "raw_malformed",
    "raw_too_large",
    "raw_after_close",
)
WIDGET_ALONE = ("foreign_origin", "raw_invalid_utf8", "raw_malformed", "raw_too_large", "raw_after_close")



def _client_id(rng: random.Random) -> str:
    return "%032x" % rng.getrandbits(128)


def widget_cases(count: int, seed: int) -> List[Case]:
    rng = random.Random(seed)
    kinds = kinds_sequence(rng, count, TEXT_KINDS + WIDGET_MUTATIONS, [2.0] * len(TEXT_KINDS) + [1.0] * len(WIDGET_MUTATIONS))
    return [_widget_case(rng, kind) for kind in kinds]


def _widget_packet_size(payload: Any) -> int:
    return len(("421" + BrowserJson.dumps(["user_uttered", payload], separators=(",", ":"))).encode("utf-8", "surrogatepass"))


def _widget_case(rng: random.Random, kind: str) -> Case:
    hello = rng.choice(DANISH)

    def utter(payload: Any, expect: str = "reply", op: str = "utter") -> Case:
        return Case("widget", kind, {"op": op, "payload": payload}, expect)

    if kind in TEXT_KINDS:
        sample = text_sample(rng, kind)
        if sample.raw is not None:  # a socket.io message is JSON text; broken bytes only fit a raw transport packet
            packet = b'42["user_uttered",{"message":"' + sample.raw + b'","client_id":"' + _client_id(rng).encode() + b'"}]'
            return Case("widget", kind, {"op": "raw", "packet": packet}, "refuse")
        payload = {"message": sample.text, "client_id": _client_id(rng)}
        if _widget_packet_size(payload) > MAX_BODY - 512:  # would exceed the transport's limit: its own case
            return Case(
                "widget",
                kind,
                {"op": "raw", "packet": b"42" + BrowserJson.dumps(["user_uttered", payload]).encode("utf-8", "surrogatepass")},
                "refuse",
            )
        return utter(payload, "answer" if len(sample.text) > MAX_MESSAGE_CHARS else "reply")
    if kind == "payload_not_object":
        return utter(rng.choice(["hej", "", 5, 0, 1.5, True, False, [], ["hej"], [{"message": "hej"}]]), "refuse")
    if kind == "message_not_string":
        return utter(
            {"message": rng.choice([None, 5, 1.5, True, [], ["hej"], {}, {"text": "hej"}]), "client_id": _client_id(rng)},
            "refuse",
        )
    if kind == "missing_message":
        return utter(
            rng.choice([{}, {"client_id": _client_id(rng)}, {"text": hello}, {"msg": hello, "client_id": _client_id(rng)}]),
            "refuse",
        )
    if kind == "missing_client_id":
        return utter({"message": hello})
    if kind == "odd_client_id":
        odd = rng.choice(
            [None, 5, [], {}, "", "x", "a" * 65, "😀" * 10, "<script>", "../../x", "a" * 20_000, "\u202e" * 8, "\ud800abcdefgh"]
        )
        return utter({"message": hello, "client_id": odd})
    if kind == "odd_display":
        display = rng.choice(["<img src=x onerror=alert(1)>", "a" * 10_000, "", " ", 5, None, ["x"], "\u202eJob", "0101701234"])
        return utter(
            {
                "message": rng.choice(["/affirm", '/inform{"topic": "job"}', hello]),
                "client_id": _client_id(rng),
                "display": display,
            }
        )
    if kind == "repeated_client_id":
        return utter({"message": hello, "client_id": _client_id(rng)}, op="repeat")
    if kind == "no_arguments":
        return Case("widget", kind, {"op": "no_arguments"}, "refuse")
    if kind == "extra_arguments":
        return Case(
            "widget",
            kind,
            {"op": "extra_arguments", "payload": ({"message": hello, "client_id": _client_id(rng)}, rng.choice(["x", 5, {}]))},
        )
    if kind == "no_session":
        return utter({"message": hello, "client_id": _client_id(rng)}, "refuse", op="no_session")
    if kind == "odd_session_request":
        offered = rng.choice(
            [
                None,
                "x",
                5,
                [],
                {"session": 5},
                {"session": "a.b"},
                {"session": "x" * 20_000},
                {"session": None},
                {"session": "😀." + "a" * 40},
                {},
            ]
        )
        return Case("widget", kind, {"op": "session", "payload": offered}, "answer")
    if kind == "foreign_origin":
        origin = rng.choice(
            ["https://evil.example", "null", "http://127.0.0.1.evil.example", "https://www.aalborg.dk.evil.example", "file://"]
        )
        return Case("widget", kind, {"op": "foreign_origin", "origin": origin}, "refuse")
    if kind == "raw_invalid_utf8":
        raw = rng.choice(INVALID_UTF8)
        packet = rng.choice(
            [b'42["user_uttered",{"message":"hej' + raw + b'"}]', b'42["session_request",' + raw + b"]", raw, b"4" + raw]
        )
        return Case("widget", kind, {"op": "raw", "packet": packet}, "refuse")
    if kind == "raw_malformed":
        packet = rng.choice(
            [
                b'42["user_uttered",{"message":',
                b"42[",
                b"4",
                b'42"x"',
                b"42[]",
                b"42[5]",
                b'42["user_uttered"]',
                b'421["user_uttered"]',
                b'42["user_uttered",1,2,3]',
                b'43["x"]',
                b"49",
                b"6",
                b'42/other,["user_uttered",{"message":"hej"}]',
                b'451-["user_uttered",{"_placeholder":true,"num":0}]',
                b'42["connect",{}]',
                b'42["disconnect"]',
                b"4" * 5000,
                b'42["' + b"u" * 5000 + b'",{}]',
                b"\x1e\x1e\x1e",
            ]
        )
        return Case("widget", kind, {"op": "raw", "packet": packet}, "refuse")
    if kind == "raw_after_close":  # a browser tab closing while a message is still being posted
        packet = rng.choice([b'42["user_uttered",{"message":"hej"}]', b"2", b"40", b"1"])
        return Case("widget", kind, {"op": "raw", "packet": packet, "close_first": True}, "refuse")
    if kind == "raw_too_large":
        size = rng.choice([MAX_BODY + 1024, 200_000, 1_000_000])
        return Case("widget", kind, {"op": "raw", "packet": b'42["user_uttered",{"message":"' + b"x" * size + b'"}]'}, "refuse")
    raise ValueError(kind)



def _widget_raw(base_url: str, origin: str, case: Case) -> Outcome:
    """A broken transport packet: refused with a 4xx or ignored (200), never a 5xx; whatever
    the server makes of it internally shows in its log (checked separately)."""
    try:
        raw = RawPolling(base_url, origin)
    except (requests.RequestException, ValueError, KeyError) as exc:
        return Outcome(FAILED, "connection", f"engine.io handshake failed: {type(exc).__name__}: {str(exc)[:160]}")
    try:
        if case.data.get("close_first"):
            raw.send(b"1")
        response = raw.send(case.data["packet"])
    except requests.Timeout:
        return Outcome(FAILED, "timeout", "the transport did not answer the POST")
    except requests.RequestException as exc:
        return Outcome(FAILED, "connection", f"{type(exc).__name__}: {str(exc)[:160]}")
    finally:
        raw.close()
    outcome = http_outcome(response)
    if outcome is not None:
        return outcome
    return Outcome(REFUSED, "ignored", "")


def _widget_foreign_origin(base_url: str, case: Case) -> Outcome:
    try:
        client = SocketClient(base_url, case.data["origin"])
    except socketio.exceptions.ConnectionError:
        return Outcome(REFUSED, "connect-refused")
    client.close()
    return Outcome(FAILED, "contract", f"a socket from origin {case.data['origin']!r} was accepted")


def _ack_outcome(client: SocketClient, case: Case, ack: Any) -> Outcome:
    """{"ok": true} with bot messages, {"ok": true, "repeat": true}, or {"ok": false} with a reason."""
    if not isinstance(ack, dict) or "ok" not in ack:
        return Outcome(FAILED, "bad-ack", repr(ack)[:160])
    if ack["ok"] is True:
        if ack.get("repeat"):
            return Outcome(ANSWERED, "ack:repeat")
        if client.wait_for("bot_uttered", 2.0) is None:
            return Outcome(FAILED, "no-answer", f"ack {ack!r} but no bot_uttered")
        return Outcome(ANSWERED, "ack:ok")
    reason = ack.get("error") or ack.get("reason")
    if not isinstance(reason, str) or not reason:
        return Outcome(FAILED, "unclear-ack", f"{ack!r} says neither error nor reason")
    return Outcome(REFUSED, f"ack:{reason}")


def _widget_call(client: SocketClient, event: str, data: Any) -> Union[Any, Outcome]:
    """Emits and waits for the acknowledgement; an Outcome when none came."""
    try:
        return client.sio.call(event, data, timeout=TIMEOUT)
    except socketio.exceptions.TimeoutError:
        return Outcome(FAILED, "timeout", f"no acknowledgement within {TIMEOUT:.0f} s")
    except socketio.exceptions.SocketIOError as exc:
        return Outcome(FAILED, "connection", f"{type(exc).__name__}: {exc}")


def fuzz_widget(base_url: str, origin: str, count: int = 10_000, seed: int = 1, workers: int = 6) -> ChannelReport:
    """Sends `count` generated inputs over the widget's socket.io (a new socket and session
    for every 1-3 inputs); `origin` must be an allowed origin."""
    rng = random.Random(seed)
    cases = widget_cases(count, seed)
    groups = group_cases(
        cases,
        rng,
        alone=lambda case: case.kind in WIDGET_ALONE or case.data.get("op") == "raw",
        leads=lambda case: case.data.get("op") in ("no_session", "session"),
    )

    def run_group(group: List[Case]) -> List[Tuple[Case, Outcome]]:
        op = group[0].data["op"]
        if op == "foreign_origin":
            return [(group[0], _widget_foreign_origin(base_url, group[0]))]
        if op == "raw":
            return [(group[0], _widget_raw(base_url, origin, group[0]))]
        try:
            client = SocketClient(base_url, origin)
        except socketio.exceptions.ConnectionError as exc:
            return [(case, Outcome(FAILED, "connection", f"connect failed: {exc}")) for case in group]
        results: List[Tuple[Case, Outcome]] = []
        has_session = False
        last_payload: Any = None
        try:
            for case in group:
                op = case.data["op"]
                if op == "session" or (op != "no_session" and not has_session):
                    offered = case.data["payload"] if op == "session" else {"session": None}
                    client.drain()
                    client.sio.emit("session_request", offered)
                    confirm = client.wait_for("session_confirm", TIMEOUT)
                    ok = isinstance(confirm, dict) and isinstance(confirm.get("session"), str)
                    has_session = has_session or ok
                    if op == "session":
                        outcome = (
                            Outcome(ANSWERED, "session_confirm") if ok else Outcome(FAILED, "no-answer", "no session_confirm")
                        )
                        results.append((case, outcome))
                        continue
                client.drain()
                if op == "no_arguments":
                    got = _widget_call(client, "user_uttered", None)
                elif op == "extra_arguments":
                    got = _widget_call(client, "user_uttered", case.data["payload"])
                elif op == "repeat":
                    first = _widget_call(client, "user_uttered", case.data["payload"])
                    if isinstance(first, Outcome):
                        results.append((case, first))
                        continue
                    client.wait_for("bot_uttered", 2.0)
                    client.drain()
                    got = _widget_call(client, "user_uttered", case.data["payload"])
                else:
                    got = _widget_call(client, "user_uttered", case.data["payload"])
                last_payload = case.data.get("payload")
                outcome = got if isinstance(got, Outcome) else _ack_outcome(client, case, got)
                if op == "repeat" and outcome.label == "ack:ok":
                    outcome = Outcome(FAILED, "contract", "a message sent again with the same client_id was answered twice")
                results.append((case, outcome))
        except Exception as exc:  # noqa: BLE001 - e.g. the server dropped the socket in the middle
            done = {id(c) for c, _ in results}
            results += [
                (c, Outcome(FAILED, "connection", f"{type(exc).__name__}: {exc}; last payload {last_payload!r:.80}"))
                for c in group
                if id(c) not in done
            ]
        finally:
            client.close()
        return results

    return run_groups("widget", groups, workers, run_group)

