"""The channel's webhook handler in-process (no Rasa server): which URL is signed, the
refusal without an auth token, and how Rasa is called (turn, restart). Rasa is a stand-in
`on_new_message`; the Twilio API is the local fake, so sending runs for real."""

from types import SimpleNamespace
from typing import Any, List, Optional
from urllib.parse import urlencode

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa.channels.domain_texts import response_text
from bot.rasa.channels.sms.channel import SmsInput, SmsOutput, SmsTurnCollector, build_service
from bot.rasa.channels.sms.settings import SmsSettings
from bot.rasa.channels.sms.twilio import EMPTY_TWIML
from tests.harness.domain import RESPONSES
from tests.harness.fake_twilio import FakeTwilio, inbound_form, independent_signature

SID = "AC" + "7" * 32
TOKEN = "webhook-test-token-0123456789"
NUMBER = "+4531313131"
PUBLIC_URL = "https://vejviser.example.dk/webhooks/sms/webhook"
INTERNAL_URL = "http://10.0.0.5:5005/webhooks/sms/webhook"


@pytest.fixture
def fake():
    server = FakeTwilio()
    yield server
    server.close()


def channel_for(settings: SmsSettings) -> SmsInput:
    service = build_service(settings) if settings.enabled else None
    if service:
        service._texts = lambda name, **values: response_text(RESPONSES, name, **values)  # no running agent here
    return SmsInput(settings, service=service)


@pytest.fixture
def channel(tmp_path, fake):
    settings = SmsSettings(
        account_sid=SID, auth_token=TOKEN, from_number="+4570000000", api_url=fake.url, public_url=PUBLIC_URL,
        sender_key="k" * 32, store_path=str(tmp_path / "sms.db"),
    )
    return channel_for(settings)


class StandInRasa:
    """on_new_message: records the UserMessage and answers through its output channel."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        answer = {"text": "Hej fra Rasa", "buttons": [{"title": "Ja", "payload": "/affirm"}], "utter_action": "utter_x"}
        await message.output_channel.send_response(message.sender_id, answer)


def handlers(channel: SmsInput, rasa: Any):
    routes = {route.uri: route.handler for route in channel.blueprint(rasa)._future_routes}
    return routes["/"], routes["/webhook"]


def request(body: str, signed_url: Optional[str], url: str = INTERNAL_URL, token: str = TOKEN, message_sid: Optional[str] = None):
    form = inbound_form(body, NUMBER, "+4570000000", SID, message_sid)
    headers = {"X-Twilio-Signature": independent_signature(token, signed_url, form)} if signed_url else {}
    return SimpleNamespace(body=urlencode(form).encode(), url=url, headers=headers, query_string="")


async def test_the_public_url_is_the_one_that_is_signed(channel, fake):
    rasa = StandInRasa()
    _, receive = handlers(channel, rasa)
    refused = await receive(request("hej", signed_url=INTERNAL_URL))  # what Sanic sees behind the proxy
    assert refused.status == 403 and rasa.messages == [] and fake.requests == []

    answered = await receive(request("hej", signed_url=PUBLIC_URL))
    assert answered.status == 200 and answered.body.decode() == EMPTY_TWIML
    assert answered.content_type.startswith("text/xml")
    [message] = rasa.messages
    assert message.text == "hej" and message.input_channel == "sms" and message.sender_id.startswith("sms-")
    assert isinstance(message.output_channel, SmsTurnCollector) and message.output_channel.name() == "sms"
    assert fake.sent() == [{"To": NUMBER, "From": "+4570000000", "Body": "Hej fra Rasa\n1: Ja\nSvar 1 for at vælge det."}]

    await receive(request("1", signed_url=PUBLIC_URL))
    assert rasa.messages[-1].text == "/affirm"


async def test_without_auth_token_every_webhook_is_refused(tmp_path):
    channel = channel_for(SmsSettings(store_path=str(tmp_path / "sms.db")))
    rasa = StandInRasa()
    health, receive = handlers(channel, rasa)
    response = await receive(request("hej", signed_url=INTERNAL_URL, token=""))
    assert response.status == 403 and rasa.messages == []
    assert b'"accepting":false' in (await health(None)).body
    assert not (tmp_path / "sms.db").exists()


async def test_stop_restarts_the_conversation_and_discards_what_rasa_says(channel, fake):
    rasa = StandInRasa()
    _, receive = handlers(channel, rasa)
    await receive(request("STOP", signed_url=PUBLIC_URL))
    [restart] = rasa.messages
    assert restart.text == "/restart" and type(restart.output_channel) is CollectingOutputChannel
    assert fake.bodies() == ["Okay. Du får ikke flere sms'er fra os. Skriv START, hvis du vil begynde igen."]

    # Out of turn (Rasa's trigger_intent would use this output channel): nothing goes out.
    output = channel.get_output_channel()
    assert isinstance(output, SmsOutput)
    await output.send_text_message(restart.sender_id, "Hej igen fra en vejleder")
    assert len(fake.requests) == 1


async def test_a_signed_webhook_without_a_message_is_acknowledged(channel, fake):
    rasa = StandInRasa()
    _, receive = handlers(channel, rasa)
    form = {"AccountSid": SID, "MessageStatus": "delivered"}  # e.g. a status callback
    signature = {"X-Twilio-Signature": independent_signature(TOKEN, PUBLIC_URL, form)}
    signed = SimpleNamespace(body=urlencode(form).encode(), url=INTERNAL_URL, headers=signature, query_string="")
    response = await receive(signed)
    assert response.status == 200 and rasa.messages == [] and fake.requests == []
