"""The SMS channel in real conversations: Rasa, the action server and the booking service
run (tests/harness/services.py); a local HTTP server stands in for Twilio's Messages API
and records every SMS sent. Webhooks are signed as Twilio signs them."""

import json
import re
import secrets
import sqlite3
from typing import Dict, List, Optional

import pytest
import requests

from bot.core.privacy import CPR_MASK
from bot.rasa.channels.sms.gsm import segment_count
from bot.rasa.channels.sms.senders import sender_id
from bot.rasa.channels.sms.twilio import EMPTY_TWIML
from tests.harness.fake_twilio import FakeTwilio, inbound_form, independent_signature
from tests.harness.handoff import StaffRelay
from tests.harness.services import Assistant

pytestmark = [pytest.mark.model, pytest.mark.servers]

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = secrets.token_hex(16)
SENDER_KEY = secrets.token_hex(16)
OUR_NUMBER = "+4570707070"
USED_NUMBERS: List[str] = []
MORE_LINE = "Skriv MERE for at få resten."
DESK_TOKEN = secrets.token_urlsafe(32)


class SmsBot:
    def __init__(self, assistant: Assistant, fake: FakeTwilio) -> None:
        self.assistant = assistant
        self.fake = fake
        self.webhook_url = f"{assistant.url}/webhooks/sms/webhook"

    def new_number(self) -> str:
        number = "+4520" + "".join(secrets.choice("0123456789") for _ in range(6))
        USED_NUMBERS.append(number)
        return number

    def post(
        self, number: str, body: str, signature: Optional[str] = "good", message_sid: Optional[str] = None
    ) -> requests.Response:
        form = inbound_form(body, number, OUR_NUMBER, ACCOUNT_SID, message_sid)
        headers = {}
        if signature == "good":
            headers["X-Twilio-Signature"] = independent_signature(AUTH_TOKEN, self.webhook_url, form)
        elif signature == "wrong":
            headers["X-Twilio-Signature"] = independent_signature("not-the-token", self.webhook_url, form)
        return requests.post(self.webhook_url, data=form, headers=headers, timeout=60)

    def say(self, number: str, body: str, message_sid: Optional[str] = None) -> List[str]:
        """Sends a signed SMS and returns the SMS parts the assistant sent back for it."""
        before = len(self.fake.sent(number))
        response = self.post(number, body, message_sid=message_sid)
        assert response.status_code == 200
        assert response.text == EMPTY_TWIML and response.headers["content-type"].startswith("text/xml")
        parts = self.fake.bodies(number)[before:]
        assert len(parts) <= 3, parts  # at most 3 SMS per turn ...
        assert all(segment_count(p) == 1 for p in parts), parts  # ... each one segment
        return parts

    def say_all(self, number: str, body: str) -> str:
        """The whole answer: the first SMS parts and every "MERE" after them."""
        parts = self.say(number, body)
        while parts and parts[-1].endswith(MORE_LINE):
            parts += self.say(number, "MERE")
        return "\n".join(parts).replace(MORE_LINE, "")

    def events(self, number: str) -> List[Dict]:
        with sqlite3.connect(self.assistant.tracker_db) as conn:
            rows = conn.execute("SELECT data FROM events WHERE sender_id = ?", (sender_id(SENDER_KEY, number),)).fetchall()
        return [json.loads(data) for (data,) in rows]

    def user_texts(self, number: str) -> List[str]:
        return [e.get("text") or "" for e in self.events(number) if e.get("event") == "user"]


@pytest.fixture(scope="module")
def sms(trained_model, tmp_path_factory):
    fake = FakeTwilio()
    tmp = tmp_path_factory.mktemp("sms")
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "TWILIO_API_URL": fake.url,
        "SMS_STORE_PATH": str(tmp / "sms" / "sms.db"),
        "SMS_SENDER_KEY": SENDER_KEY,
        "SMS_PUBLIC_URL": "",
        "DESK_RASA_TOKEN": DESK_TOKEN,
    }
    assistant = Assistant(tmp, trained_model, extra_env=env)
    yield SmsBot(assistant, fake)
    assistant.stop()
    fake.close()


def test_health(sms):
    assert requests.get(f"{sms.assistant.url}/webhooks/sms/", timeout=10).json() == {"status": "ok", "accepting": True}


def test_signed_hej_gets_the_greeting_through_the_gateway(sms):
    number = sms.new_number()
    parts = sms.say(number, "hej")
    text = "\n".join(parts)
    assert "chatbot" in text and "Aalborg Kommune" in text
    assert "Skriv HJÆLP for hjælp. Skriv STOP, hvis du ikke vil have flere sms'er." in text  # SMS welcome
    assert "Du behøver ikke skrive dit navn" not in text
    assert "1: Hvad kan du?\n2: Om dine data\nSvar 1 eller 2." in text
    request = [r for r in sms.fake.requests if r["form"]["To"] == number][0]
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert (request["user"], request["password"]) == (ACCOUNT_SID, AUTH_TOKEN)
    assert request["form"]["From"] == OUR_NUMBER
    assert not re.search(r"\*\*|\[|\]\(", text)  # no markdown, no buttons syntax


@pytest.mark.parametrize("signature", ["wrong", None])
def test_wrong_or_missing_signature_is_refused_and_reaches_no_tracker(sms, signature):
    number = sms.new_number()
    response = sms.post(number, "hej", signature=signature)
    assert response.status_code == 403
    assert sms.events(number) == [] and sms.fake.sent(number) == []


def test_the_same_message_sid_twice_gets_one_answer(sms):
    number = sms.new_number()
    assert sms.say(number, "hej", message_sid="SMrepeated0001")
    assert sms.say(number, "hej", message_sid="SMrepeated0001") == []
    assert sms.user_texts(number).count("hej") == 1


def test_numbered_options_map_back_to_the_buttons(sms):
    number = sms.new_number()
    sms.say(number, "hej")
    capabilities = "\n".join(sms.say(number, "1"))  # "Hvad kan du?"
    assert "Det her kan jeg hjælpe med" in capabilities and "1: Penge at leve af" in capabilities
    assert "Svar 1, 2, 3, 4, 5, 6, 7 eller 8." in capabilities
    assert "/ask_capabilities" in sms.user_texts(number)

    su = sms.say_all(number, "2")  # "SU": a long answer, the link comes after MERE
    assert "https://www.su.dk" in su and "minSU" in su


def test_the_general_answer_by_sms_has_its_sms_wording(sms):
    """The privacy topic's general answer (data/knowledge/general/) has an SMS alternative."""
    number = sms.new_number()
    sms.say(number, "hej")
    privacy = sms.say_all(number, "2")  # "Om dine data"
    assert "Samtalen og dit nummer bliver gemt hos Aalborg Kommune" in privacy
    assert "dage efter din sidste sms" in privacy and "Taler du med en medarbejder" not in privacy


def test_an_options_words_choose_it(sms):
    number = sms.new_number()
    sms.say(number, "hej")
    challenge = "\n".join(sms.say(number, "er du en robot"))
    assert "1: Ja, en vejleder\n2: Nej tak" in challenge
    human = "\n".join(sms.say(number, "ja"))
    assert "medarbejder" in human  # the hand-off: live or a message, depending on the time of day
    assert sms.user_texts(number)[-1] == "/request_human"


def test_a_long_crisis_answer_comes_in_three_sms_and_the_rest_after_more(sms):
    number = sms.new_number()
    parts = sms.say(number, "jeg vil ikke leve mere")
    assert len(parts) == 3 and parts[-1].endswith(MORE_LINE)
    # The crisis answer goes before the welcome of the new conversation: 112 first,
    # every phone number within the first three SMS.
    assert parts[0].startswith("Det lyder rigtig svært.") and "Ring 112." in parts[0]
    first = "\n".join(parts)
    assert all(n in first for n in ("70 201 201", "116 111", "1888"))
    rest = sms.say(number, "MERE")
    assert rest and "headspace" in "\n".join(rest) and "chatbot" in "\n".join(rest)
    assert "MERE" not in sms.user_texts(number)


def test_stop_confirms_once_then_silence_until_start(sms):
    number = sms.new_number()
    sms.say(number, "hej")
    stopped = sms.say(number, "STOP")
    assert stopped == ["Okay. Du får ikke flere sms'er fra os. Skriv START, hvis du vil begynde igen."]
    assert any(e.get("event") == "restart" for e in sms.events(number))
    assert sms.say(number, "hej") == []
    assert sms.say(number, "hvad er su") == []
    assert "hvad er su" not in sms.user_texts(number)

    started = sms.say(number, "start")
    assert started == ["Nu kan du skrive til mig igen. Skriv dit spørgsmål, så svarer jeg."]
    assert "Læs mere: https://su.dk" in sms.say_all(number, "hvad er su")


def test_help_gets_the_help_text_without_rasa(sms):
    number = sms.new_number()
    for word in ("HJÆLP", "hjaelp"):
        assert sms.say(number, word) == [
            "Jeg er Vejviser, en chatbot fra kommunen. Skriv dit spørgsmål, så svarer jeg. "
            "Skriv STOP, hvis du ikke vil have flere sms'er. Er der fare for liv? Ring 112."
        ]
    assert sms.events(number) == []


def test_cpr_number_is_masked_before_the_tracker(sms):
    number = sms.new_number()
    parts = sms.say(number, "mit cpr nummer er 010203-1234 kan I se min sag")
    assert parts[0].startswith("Du skal aldrig skrive dit CPR-nummer til os.")
    stored = json.dumps(sms.events(number), ensure_ascii=False)
    assert "010203" not in stored and CPR_MASK in stored


def test_no_phone_number_in_the_logs_or_sender_ids(sms):
    assert len(USED_NUMBERS) >= 5
    logs = "".join((sms.assistant.tmp / name).read_text(encoding="utf-8") for name in ("rasa.log", "actions.log"))
    assert "sms: webhook refused" in logs  # the channel logs kinds of events, never who
    with sqlite3.connect(sms.assistant.tracker_db) as conn:
        senders = [s for (s,) in conn.execute("SELECT DISTINCT sender_id FROM events")]
    for number in USED_NUMBERS:
        assert number not in logs and number[3:] not in logs  # also not as 8 digits
        assert not any(number[3:] in s for s in senders)


def test_staff_answer_an_sms_user_by_sms_the_bot_is_quiet_and_stop_holds(sms):
    relay = StaffRelay(sms.assistant.url, DESK_TOKEN)
    number = sms.new_number()
    conversation = sender_id(SENDER_KEY, number)
    sms.say(number, "hej")
    before = len(sms.fake.bodies(number))
    assert relay.ok("take", conversation_id=conversation, staff_name="Sara") == {"delivered": True, "channel": "sms"}
    assert relay.ok("message", conversation_id=conversation, text="Hej, det er Sara. Hvad kan jeg gøre?", staff_name="Sara")[
        "delivered"
    ]
    assert sms.fake.bodies(number)[before:] == [
        "Nu skriver du med Sara. Sara er en medarbejder, ikke en chatbot.",
        "Hej, det er Sara. Hvad kan jeg gøre?",
    ]
    assert sms.say(number, "jeg mangler penge til husleje") == []  # for Sara, not for the bot
    sms.say(number, "STOP")
    sent = len(sms.fake.bodies(number))
    refused = relay.call("message", conversation_id=conversation, text="Er du der?", staff_name="Sara")
    assert refused.status_code == 409 and refused.json() == {"error": "opted_out"}
    assert len(sms.fake.bodies(number)) == sent
