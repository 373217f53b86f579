"""`make bench-channels`: how fast the channels answer, and what the Rasa server costs in
memory, measured against the real services (Rasa, action server, booking service) on
this machine, the way tests/harness/services.py starts them.

Prints, per channel, the time from sending a message until its whole answer is out: the
widget's acknowledgement (sent after the turn), the REST reply, or the SMS webhook's
answer after its parts went to the gateway. Median and p95 over the same short
conversation, one user after another and then several at once.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, List

import requests

from tests.harness.fake_twilio import FakeTwilio, inbound_form, independent_signature
from tests.harness.services import Assistant
from tests.harness.widget_client import WidgetClient

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "vejviser.tar.gz"
TURNS = ["hej", "hvordan søger jeg su", "hvad er en fgu", "jeg vil gerne have hjælp til mit cv", "tak"]
TOKEN = "bench-" + uuid.uuid4().hex


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(name: str, seconds: List[float], wall: float) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"  {name:<40} n={len(ms):3d}  median {statistics.median(ms):7.1f} ms  p95 {percentile(ms, 0.95):7.1f} ms"
        f"  ({len(ms) / wall:5.1f} messages/s)"
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def widget_user(bot: Assistant) -> List[float]:
    client = WidgetClient(bot)
    client.start()
    took = []
    for text in TURNS:
        started = time.perf_counter()
        answer = client.sio.call("user_uttered", {"message": text, "client_id": uuid.uuid4().hex}, timeout=60)
        took.append(time.perf_counter() - started)
        assert answer == {"ok": True} and client.next("bot_uttered", timeout=5)
    client.close()
    return took


def rest_user(bot: Assistant) -> List[float]:
    sender, took = uuid.uuid4().hex, []
    for text in TURNS:
        started = time.perf_counter()
        bot.say(sender, text)
        took.append(time.perf_counter() - started)
    return took


def sms_user(bot: Assistant, gateway: FakeTwilio) -> List[float]:
    url = f"{bot.url}/webhooks/sms/webhook"
    number, took = "+4520" + str(uuid.uuid4().int)[:6], []
    for text in TURNS:
        form = inbound_form(text, number, "+4570000000", "ACbench")
        headers = {"X-Twilio-Signature": independent_signature(TOKEN, url, form)}
        started = time.perf_counter()
        requests.post(url, data=form, headers=headers, timeout=60).raise_for_status()
        took.append(time.perf_counter() - started)
    return took


def run(name: str, user: Callable[[], List[float]], users: int, at_once: int) -> str:
    results: List[float] = []
    lock = threading.Lock()

    def one() -> None:
        took = user()
        with lock:
            results.extend(took)

    started = time.perf_counter()
    for batch in range(0, users, at_once):
        threads = [threading.Thread(target=one) for _ in range(min(at_once, users - batch))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return summary(f"{name} ({at_once} at once)", results, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8, help="conversations per channel and mode")
    args = parser.parse_args()
    gateway = FakeTwilio()
    tmp = Path(tempfile.mkdtemp(prefix="vejviser-bench-"))
    env = {
        "TWILIO_ACCOUNT_SID": "ACbench",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": "+4570000000",
        "TWILIO_API_URL": gateway.url,
        "SMS_SENDER_KEY": uuid.uuid4().hex,
        "SMS_STORE_PATH": str(tmp / "sms.db"),
    }
    started = time.perf_counter()
    bot = Assistant(tmp, MODEL, extra_env=env)
    print(f"Channel latency, {len(TURNS)} messages per conversation (Rasa up in {time.perf_counter() - started:.1f} s):")
    try:
        idle = rss_mb(bot.rasa.pid)
        lines = []
        for name, user in (
            ("widget (socket.io)", lambda: widget_user(bot)),
            ("REST", lambda: rest_user(bot)),
            ("SMS webhook incl. sending", lambda: sms_user(bot, gateway)),
        ):
            user()  # warm-up: first use of each path
            lines.append(run(name, user, args.users, 1))
            lines.append(run(name, user, args.users, 4))
        print("\n".join(lines))
        print(f"Rasa server memory (RSS): {idle:.0f} MB after start, {rss_mb(bot.rasa.pid):.0f} MB after the runs")
        print(f"SMS parts sent to the local gateway: {len(gateway.requests)}")
    finally:
        bot.stop()
        gateway.close()


if __name__ == "__main__":
    main()
