"""The Twilio gateway (signatures, inbound fields, the Messages API against a local fake),
sender ids, settings and the SQLite store. No Rasa server needed."""

import sqlite3
from urllib.parse import parse_qs, urlencode

import pytest

from bot.core.stores.sms import SmsStore
from bot.rasa.channels.sms.gateway import SmsGateway, SmsSendError
from bot.rasa.channels.sms.replies import Option
from bot.rasa.channels.sms.senders import normalise_number, sender_id
from bot.rasa.channels.sms.settings import SmsConfigError, SmsSettings
from bot.rasa.channels.sms.twilio import EMPTY_TWIML, TwilioGateway, twilio_signature
from tests.harness.fake_twilio import FakeTwilio, inbound_form, independent_signature

TOKEN = "test-auth-token-0123456789abcdef"
SID = "AC" + "0" * 32
NUMBER = "+4561234567"
URL = "https://vejviser.example.dk/webhooks/sms/webhook"


def as_params(form):
    """Form fields as the channel parses them (parse_qs keeps blank values)."""
    return parse_qs(urlencode(form), keep_blank_values=True)


# --- signatures -------------------------------------------------------------------------
def test_twilio_documented_example():
    # Twilio's example (TwilioDevEd/api-snippets security/signature_validation): token
    # "12345", this URL and these parameters give this signature.
    params = {"CallSid": ["CA1234567890ABCDE"], "Caller": ["+14158675310"], "Digits": ["1234"], "From": ["+14158675310"],
              "To": ["+18005551212"]}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert TwilioGateway(SID, "12345").verify(url, params, {"X-Twilio-Signature": "GvWf1cFY/Q7PnoempGyD5oXAezc="})


def test_signature_matches_an_independent_computation_with_blank_fields():
    form = inbound_form("Hej æøå & co", NUMBER, "+4570000000", SID)
    assert twilio_signature(TOKEN, URL, as_params(form)) == independent_signature(TOKEN, URL, form)


def test_signature_matches_twilios_own_validator_when_installed():
    validator = pytest.importorskip("twilio.request_validator").RequestValidator(TOKEN)
    form = inbound_form("Hvad er SU?", NUMBER, "+4570000000", SID)
    assert validator.validate(URL, form, twilio_signature(TOKEN, URL, as_params(form)))


@pytest.mark.parametrize(
    "headers, ok",
    [
        ("good", True),
        ({"x-twilio-signature": "good"}, True),  # header names are case-insensitive
        ({}, False),
        ({"X-Twilio-Signature": ""}, False),
        ({"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, False),
    ],
)
def test_verify_good_wrong_and_missing_signature(headers, ok):
    form = inbound_form("hej", NUMBER, "+4570000000", SID)
    good = independent_signature(TOKEN, URL, form)
    if headers == "good":
        headers = {"X-Twilio-Signature": good}
    elif headers.get("x-twilio-signature") == "good":
        headers = {"x-twilio-signature": good}
    assert TwilioGateway(SID, TOKEN).verify(URL, as_params(form), headers) is ok


def test_signature_for_another_url_or_token_or_changed_body_is_refused():
    form = inbound_form("hej", NUMBER, "+4570000000", SID)
    headers = {"X-Twilio-Signature": independent_signature(TOKEN, URL, form)}
    gateway = TwilioGateway(SID, TOKEN)
    assert not gateway.verify("http://127.0.0.1:5005/webhooks/sms/webhook", as_params(form), headers)
    assert not TwilioGateway(SID, "another-token-0123456789abcdef").verify(URL, as_params(form), headers)
    assert not gateway.verify(URL, as_params({**form, "Body": "hej!"}), headers)


def test_default_port_in_the_url_is_accepted_both_ways():
    form = inbound_form("hej", NUMBER, "+4570000000", SID)
    signed_with_port = {"X-Twilio-Signature": independent_signature(TOKEN, URL.replace(".dk/", ".dk:443/"), form)}
    assert TwilioGateway(SID, TOKEN).verify(URL, as_params(form), signed_with_port)


@pytest.mark.parametrize("host", ["x:abc", "x:99999"])
def test_a_forged_host_header_is_refused_not_a_crash(host):
    form = inbound_form("hej", NUMBER, "+4570000000", SID)
    url = f"http://{host}/webhooks/sms/webhook"
    assert TwilioGateway(SID, TOKEN).verify(url, as_params(form), {"X-Twilio-Signature": "c2lnbmF0dXJl"}) is False


def test_without_auth_token_nothing_verifies():
    form = inbound_form("hej", NUMBER, "+4570000000", SID)
    assert not TwilioGateway(SID, "").verify(URL, as_params(form), {"X-Twilio-Signature": independent_signature("", URL, form)})


def test_inbound_fields_and_empty_reply():
    gateway = TwilioGateway(SID, TOKEN)
    assert isinstance(gateway, SmsGateway)
    inbound = gateway.parse_inbound(as_params(inbound_form("Hej", NUMBER, "+4570000000", SID, "SM1")))
    assert (inbound.message_id, inbound.sender, inbound.text) == ("SM1", NUMBER, "Hej")
    assert NUMBER not in repr(inbound) and "Hej" not in repr(inbound)
    assert gateway.parse_inbound(as_params({"AccountSid": SID})) is None
    assert gateway.empty_reply() == ('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', "text/xml")
    assert EMPTY_TWIML.startswith("<?xml")


# --- sender ids ---------------------------------------------------------------------------
def test_sender_id_is_a_keyed_hash_without_the_number():
    key = "k" * 32
    sid = sender_id(key, NUMBER)
    assert sid.startswith("sms-") and len(sid) == 36 and all(c in "0123456789abcdef" for c in sid[4:])
    assert "61234567" not in sid and "4561234567" not in sid
    assert sender_id(key, "0045 61 23 45 67") == sid == sender_id(key, "61 23 45 67")
    assert sender_id("x" * 32, NUMBER) != sid
    assert sender_id(key, "+4561234568") != sid


def test_normalise_number():
    assert normalise_number(" +45 61-23-45-67 ") == NUMBER
    assert normalise_number("004561234567") == NUMBER
    assert normalise_number("4561234567") == NUMBER  # a gateway that drops the "+": the same person
    assert normalise_number("+14158675310") == "+14158675310"


# --- settings ------------------------------------------------------------------------------------
def test_settings_without_token_are_disabled_but_load():
    settings = SmsSettings.load({})
    assert not settings.enabled and settings.problems() == []
    settings.check()


def test_token_without_a_long_sender_key_refuses_to_start():
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": SID, "TWILIO_FROM_NUMBER": "+4570000000"}
    with pytest.raises(SmsConfigError, match="SMS_SENDER_KEY"):
        SmsSettings.load(env).check()
    with pytest.raises(SmsConfigError, match="SMS_SENDER_KEY"):
        SmsSettings.load({**env, "SMS_SENDER_KEY": "short"}).check()
    SmsSettings.load({**env, "SMS_SENDER_KEY": "s" * 24}).check()


def test_token_without_sender_number_refuses_to_start():
    with pytest.raises(SmsConfigError, match="TWILIO_FROM_NUMBER"):
        SmsSettings.load({"TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": SID, "SMS_SENDER_KEY": "s" * 24}).check()


def test_credentials_override_the_environment_and_secrets_stay_out_of_repr():
    settings = SmsSettings.load({"SMS_PUBLIC_URL": "https://a.example/x", "TWILIO_AUTH_TOKEN": TOKEN}, {"public_url": URL})
    assert settings.public_url == URL and settings.auth_token == TOKEN
    assert TOKEN not in repr(settings)


def test_channel_without_token_loads_and_has_no_output(monkeypatch):
    from bot.rasa.channels.sms.channel import SmsInput

    for name in ("TWILIO_AUTH_TOKEN", "SMS_SENDER_KEY"):
        monkeypatch.delenv(name, raising=False)
    channel = SmsInput.from_credentials(None)
    assert channel.service is None and channel.get_output_channel() is None


def test_channel_with_token_and_no_key_refuses_to_start(monkeypatch):
    from bot.rasa.channels.sms.channel import SmsInput

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.delenv("SMS_SENDER_KEY", raising=False)
    with pytest.raises(SmsConfigError):
        SmsInput.from_credentials({})


# --- the Messages API (against a local fake Twilio) -------------------------------------------
@pytest.fixture
def fake():
    server = FakeTwilio()
    yield server
    server.close()


def test_send_posts_the_message_with_basic_auth(fake):
    TwilioGateway(SID, TOKEN, from_number="+4570000000", api_url=fake.url).send(NUMBER, "Hej æøå")
    [request] = fake.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert (request["user"], request["password"]) == (SID, TOKEN)
    assert request["form"] == {"To": NUMBER, "From": "+4570000000", "Body": "Hej æøå"}


def test_send_with_a_messaging_service(fake):
    TwilioGateway(SID, TOKEN, messaging_service_sid="MG123", api_url=fake.url).send(NUMBER, "Hej")
    assert fake.sent() == [{"To": NUMBER, "MessagingServiceSid": "MG123", "Body": "Hej"}]


def test_one_retry_after_a_server_error(fake):
    fake.statuses = [503]
    TwilioGateway(SID, TOKEN, from_number="+4570000000", api_url=fake.url).send(NUMBER, "Hej")
    assert len(fake.requests) == 2


def test_two_server_errors_fail_without_the_number(fake):
    fake.statuses = [500, 502]
    with pytest.raises(SmsSendError) as error:
        TwilioGateway(SID, TOKEN, from_number="+4570000000", api_url=fake.url).send(NUMBER, "Hej")
    assert len(fake.requests) == 2 and NUMBER not in str(error.value) and "502" in str(error.value)


def test_a_client_error_is_not_retried(fake):
    fake.statuses = [400]
    with pytest.raises(SmsSendError, match="400"):
        TwilioGateway(SID, TOKEN, from_number="+4570000000", api_url=fake.url).send(NUMBER, "Hej")
    assert len(fake.requests) == 1


def test_connection_refused_fails_after_one_retry():
    from tests.harness.services import free_port

    with pytest.raises(SmsSendError, match="connection"):
        TwilioGateway(SID, TOKEN, from_number="+4570000000", api_url=f"http://127.0.0.1:{free_port()}").send(NUMBER, "Hej")


# --- the store -----------------------------------------------------------------------------------
def test_store_is_created_with_its_folder_in_wal_mode(tmp_path):
    path = tmp_path / "deeper" / "sms.db"
    store = SmsStore(path)
    assert not path.exists()  # nothing at construction
    assert store.claim_message("SM1")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_message_id_is_claimed_once_also_after_a_restart(tmp_path):
    assert SmsStore(tmp_path / "sms.db").claim_message("SM1")
    assert not SmsStore(tmp_path / "sms.db").claim_message("SM1")
    assert SmsStore(tmp_path / "sms.db").claim_message("SM2")


def test_store_state_per_sender(tmp_path):
    store = SmsStore(tmp_path / "sms.db")
    store.remember_number("sms-a", NUMBER)
    store.set_options("sms-a", [Option("Ja", "/affirm")])
    store.set_pending("sms-a", "resten")
    assert store.number_for("sms-a") == NUMBER and store.number_for("sms-b") is None
    assert store.options_for("sms-a") == [Option("Ja", "/affirm")]
    assert store.take_pending("sms-a") == "resten" and store.take_pending("sms-a") == ""
    store.set_options("sms-a", [])
    assert store.options_for("sms-a") == []

    store.opt_out("sms-a")
    store.forget_sender("sms-a")
    assert store.is_opted_out("sms-a") and store.number_for("sms-a") is None
    assert store.opt_in("sms-a") and not store.is_opted_out("sms-a") and not store.opt_in("sms-a")
