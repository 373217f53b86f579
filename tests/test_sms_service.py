"""One SMS turn through bot/rasa/channels/sms/service.py with a recording gateway, the real SQLite store
and the texts from domain.yml; Rasa is a stand-in function. Also the out-of-turn output
channel (bot/rasa/channels/sms/channel.py SmsOutput), which Rasa's HTTP API would use."""

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from bot.core.privacy import CPR_MASK
from bot.core.stores.sms import SmsStore
from bot.rasa.channels.domain_texts import response_text
from bot.rasa.channels.sms.channel import SmsOutput
from bot.rasa.channels.sms.gateway import InboundSms, SmsSendError
from bot.rasa.channels.sms.gsm import segment_count
from bot.rasa.channels.sms.service import Outcome, SmsService
from tests.harness.domain import RESPONSES

ROOT = Path(__file__).resolve().parents[1]
NUMBER = "+4561234567"
KEY = "unit-test-sender-key-0123456789"


def domain(name: str, **values: Any) -> Optional[str]:
    return response_text(RESPONSES, name, **values)


class RecordingGateway:
    """Implements SmsGateway; records sends, can fail on purpose."""

    def __init__(self) -> None:
        self.sent: List[tuple] = []
        self.fail = False

    def verify(self, url, params, headers) -> bool:
        return True

    def parse_inbound(self, params):
        return None

    def send(self, to: str, text: str) -> None:
        if self.fail:
            raise SmsSendError("HTTP 500")
        self.sent.append((to, text))

    def empty_reply(self):
        return "", "text/plain"


class FakeRasa:
    """Stands in for Rasa: records what it got, answers with prepared messages."""

    def __init__(self) -> None:
        self.received: List[tuple] = []
        self.restarted: List[str] = []
        self.answer: List[Dict[str, Any]] = [{"text": "Hej! Jeg er Vejviser."}]

    async def run_turn(self, sender: str, text: str) -> List[Dict[str, Any]]:
        self.received.append((sender, text))
        return self.answer

    async def restart(self, sender: str) -> None:
        self.restarted.append(sender)


@pytest.fixture
def gateway():
    return RecordingGateway()


@pytest.fixture
def rasa():
    return FakeRasa()


@pytest.fixture
def service(tmp_path, gateway):
    return SmsService(gateway, SmsStore(tmp_path / "sms.db"), KEY, texts=domain)


counter = iter(range(10**6))


async def say(service: SmsService, rasa: FakeRasa, text: str, message_id: Optional[str] = None) -> Outcome:
    inbound = InboundSms(message_id or f"SM{next(counter)}", NUMBER, text)
    return await service.handle(inbound, rasa.run_turn, rasa.restart)


def bodies(gateway: RecordingGateway) -> List[str]:
    return [text for _, text in gateway.sent]


async def test_a_message_reaches_rasa_under_the_sender_id_and_the_answer_goes_to_the_number(service, rasa, gateway):
    assert await say(service, rasa, "hej") is Outcome.TURN
    [(sender, text)] = rasa.received
    assert sender == service.sender_id_for(NUMBER) and "4561234567" not in sender and text == "hej"
    assert gateway.sent == [(NUMBER, "Hej! Jeg er Vejviser.")]


async def test_a_repeated_message_id_is_processed_once_also_after_a_restart(tmp_path, rasa, gateway):
    first = SmsService(gateway, SmsStore(tmp_path / "sms.db"), KEY, texts=domain)
    assert await say(first, rasa, "hej", "SMdup") is Outcome.TURN
    again = SmsService(gateway, SmsStore(tmp_path / "sms.db"), KEY, texts=domain)  # a new process
    assert await say(again, rasa, "hej", "SMdup") is Outcome.DUPLICATE
    assert len(rasa.received) == 1 and len(gateway.sent) == 1


async def test_buttons_arrive_numbered_and_a_number_or_the_words_choose(service, rasa, gateway):
    rasa.answer = [{"text": "Vil du tale med en vejleder?", "buttons": [
        {"title": "Ja, en vejleder", "payload": "/request_human"}, {"title": "Nej tak", "payload": "/deny"}]}]
    await say(service, rasa, "er du en robot")
    assert bodies(gateway)[-1] == "Vil du tale med en vejleder?\n1: Ja, en vejleder\n2: Nej tak\nSvar 1 eller 2."
    await say(service, rasa, " 2 ")
    await say(service, rasa, "Ja")
    assert [text for _, text in rasa.received[1:]] == ["/deny", "/request_human"]


async def test_three_options_and_out_of_range(service, rasa, gateway):
    buttons = [{"title": t, "payload": f"/{t}"} for t in ("Penge", "Job", "CV")]
    rasa.answer = [{"text": "Hvad vil du tale om?", "buttons": buttons}]
    await say(service, rasa, "book")
    assert bodies(gateway)[-1].endswith("3: CV\nSvar 1, 2 eller 3.")
    rasa.answer = [{"text": "Hvor gammel er du?"}]  # no buttons: the options are cleared
    await say(service, rasa, "4")
    await say(service, rasa, "1")
    assert [text for _, text in rasa.received[1:]] == ["4", "1"]


async def test_cpr_number_is_masked_before_rasa_and_the_notice_is_sent(service, rasa, gateway):
    await say(service, rasa, "mit cpr er 010203-1234")
    [(_, text)] = rasa.received
    assert "010203" not in text and CPR_MASK in text
    assert bodies(gateway)[0].startswith(domain("utter_cpr_removed"))


async def test_stop_sends_one_confirmation_then_nothing_until_start(service, rasa, gateway):
    sender = service.sender_id_for(NUMBER)
    await say(service, rasa, "hej")
    gateway.sent.clear()

    assert await say(service, rasa, "Stop") is Outcome.STOPPED
    assert rasa.restarted == [sender]
    assert bodies(gateway) == [domain("utter_sms_stopped")]
    assert service.store.number_for(sender) is None  # the number is deleted

    gateway.sent.clear()
    assert await say(service, rasa, "hej igen") is Outcome.DROPPED
    assert await say(service, rasa, "hjælp") is Outcome.DROPPED
    output = SmsOutput(service)  # e.g. a staff answer or trigger_intent later
    await output.send_text_message(sender, "Hej fra en vejleder")
    await output.send_response(sender, {"text": "Påmindelse", "buttons": [{"title": "Ja", "payload": "/affirm"}]})
    assert gateway.sent == [] and len(rasa.received) == 1

    assert await say(service, rasa, "START") is Outcome.STARTED
    assert bodies(gateway) == [domain("utter_sms_started")]
    await output.send_text_message(sender, "Hej fra en vejleder")
    await say(service, rasa, "hej")
    assert bodies(gateway)[1:] == ["Hej fra en vejleder", "Hej! Jeg er Vejviser."]


async def test_help_is_answered_without_rasa(service, rasa, gateway):
    for word in ("HJÆLP", "hjaelp", "help"):
        assert await say(service, rasa, word) is Outcome.HELP
    assert rasa.received == [] and bodies(gateway) == [domain("utter_sms_help")] * 3
    assert segment_count(domain("utter_sms_help")) == 1


async def test_long_answer_in_three_parts_then_more(service, rasa, gateway):
    rasa.answer = [{"text": " ".join(f"Sætning nummer {n} handler om SU og om penge at leve af." for n in range(1, 16))}]
    await say(service, rasa, "hvad er su")
    first = bodies(gateway)
    assert len(first) == 3 and all(segment_count(p) == 1 for p in first)
    assert first[-1].endswith("\n" + domain("utter_sms_more"))

    received, more_answers = list(first), 0
    while received[-1].endswith(domain("utter_sms_more")):
        gateway.sent.clear()
        assert await say(service, rasa, "MERE") is Outcome.MORE
        rest = bodies(gateway)
        assert 1 <= len(rest) <= 3 and all(segment_count(p) == 1 for p in rest)
        received, more_answers = received + rest, more_answers + 1
    assert more_answers == 2  # about 825 characters: 3 + 3 + 1 parts
    everything = " ".join(received).replace(domain("utter_sms_more"), "")
    assert all(f"nummer {n} " in everything for n in range(1, 16))  # nothing lost
    assert len(rasa.received) == 1  # MERE is not sent to Rasa

    gateway.sent.clear()
    await say(service, rasa, "mere")
    assert bodies(gateway) == [domain("utter_sms_no_more")]


async def test_the_crisis_answer_goes_before_a_welcome_in_the_same_turn(tmp_path, rasa, gateway):
    service = SmsService(gateway, SmsStore(tmp_path / "sms.db"), KEY, texts=domain, first={"utter_crisis"})
    rasa.answer = [
        {"text": "Hej! Jeg er Vejviser.", "utter_action": "utter_welcome"},
        {"text": "Det lyder rigtig svært. Ring 112.", "utter_action": "utter_crisis"},
    ]
    await say(service, rasa, "jeg vil ikke leve")
    assert bodies(gateway) == ["Det lyder rigtig svært. Ring 112.\nHej! Jeg er Vejviser."]


async def test_out_of_turn_message_is_sent_at_once_and_its_options_stored(service, rasa, gateway):
    sender = service.sender_id_for(NUMBER)
    await say(service, rasa, "hej")
    gateway.sent.clear()
    output = SmsOutput(service)
    await output.send_text_with_buttons(sender, "Vil du have en tid?", [{"title": "Ja", "payload": "/affirm"}])
    assert gateway.sent == [(NUMBER, "Vil du have en tid?\n1: Ja\nSvar 1 for at vælge det.")]
    await say(service, rasa, "1")
    assert rasa.received[-1][1] == "/affirm"


async def test_out_of_turn_to_an_unknown_sender_sends_nothing(service, gateway):
    await SmsOutput(service).send_text_message("sms-unknown", "Hej")
    assert gateway.sent == []


async def test_a_gateway_failure_is_logged_without_number_or_text(service, rasa, gateway, caplog):
    gateway.fail = True
    with caplog.at_level(logging.DEBUG):
        assert await say(service, rasa, "hej med dig") is Outcome.TURN
    assert "sending part 1 of 1 failed" in caplog.text
    assert "4561234567" not in caplog.text and "hej med dig" not in caplog.text and "Vejviser" not in caplog.text


async def test_a_failing_rasa_turn_does_not_raise(service, gateway):
    async def broken(sender, text):
        raise RuntimeError("boom")

    async def restart(sender):
        return None

    outcome = await service.handle(InboundSms("SMx", NUMBER, "hej"), broken, restart)
    assert outcome is Outcome.FAILED and bodies(gateway) == ["Beklager, der gik noget galt hos os. Prøv at skrive igen om lidt."]


async def test_no_phone_number_in_any_log_line(service, rasa, caplog):
    with caplog.at_level(logging.DEBUG):
        for text in ("hej", "HJÆLP", "MERE", "010203-1234", "stop", "hej", "start"):
            await say(service, rasa, text)
    assert caplog.records and "61234567" not in caplog.text


async def test_a_typed_command_is_read_as_words_but_an_offered_option_is_a_button(service, rasa, gateway):
    await say(service, rasa, '/inform{"age_band": "99"}')
    rasa.answer = [{"text": "Vil du tale med en vejleder?", "buttons": [{"title": "Ja tak", "payload": "/request_human"}]}]
    await say(service, rasa, "hej")
    await say(service, rasa, "1")
    assert [text for _, text in rasa.received] == ['inform{"age_band": "99"}', "hej", "/request_human"]


async def test_a_too_long_message_gets_a_kind_answer_and_never_reaches_rasa(service, rasa, gateway):
    assert await say(service, rasa, "SU " * 700) is Outcome.TOO_LONG
    assert rasa.received == [] and bodies(gateway) == ["Din besked er for lang. Skriv den kortere, højst 2.000 tegn."]


async def test_an_empty_message_gets_the_help_text(service, rasa, gateway):
    assert await say(service, rasa, "   ") is Outcome.EMPTY
    assert rasa.received == [] and bodies(gateway)[0].startswith("Jeg er Vejviser, en chatbot fra kommunen.")
