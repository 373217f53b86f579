"""Twilio as the SMS gateway: webhook signatures, inbound form fields, the Messages API.

The signature (https://www.twilio.com/docs/usage/security#validating-requests) is
computed by the twilio package's RequestValidator (installed with Rasa); the Messages API
is one form POST, sent with requests.
"""

from __future__ import annotations

import hmac
import threading
import time
from typing import List, Mapping, Optional, Set, Tuple
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

from bot.rasa.channels.sms.gateway import FormParams, InboundSms, SmsSendError

SIGNATURE_HEADER = "x-twilio-signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
DEFAULT_API_URL = "https://api.twilio.com"
# (connect, read) seconds. A read timeout is not retried: Twilio may have sent the SMS.
TIMEOUT = (3.05, 10.0)
RETRY_PAUSE = 0.5


class _MultiParams(dict):
    """Form parameters with repeated names, shaped as RequestValidator reads them (getall,
    like Flask's MultiDict); a plain dict of lists would be signed as one list value."""

    def getall(self, name: str) -> List[str]:
        return list(self[name])


def twilio_signature(auth_token: str, url: str, params: FormParams) -> str:
    """The X-Twilio-Signature Twilio computes for a request to `url` with these POST
    parameters (names sorted, then the distinct values of each)."""
    return RequestValidator(auth_token).compute_signature(url, _MultiParams(params))


def _url_variants(url: str) -> Set[str]:
    """The URL with and without its default port: Twilio signs what it was configured
    with, and proxies add or drop ":443" (twilio's helper libraries accept both)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    variants = {url}
    if default and parts.hostname:
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc_auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        if parts.port is None:
            variants.add(urlunsplit(parts._replace(netloc=f"{netloc_auth}{host}:{default}")))
        elif parts.port == default:
            variants.add(urlunsplit(parts._replace(netloc=f"{netloc_auth}{host}")))
    return variants


class TwilioGateway:
    """Implements bot.rasa.channels.sms.gateway.SmsGateway for Twilio's Programmable Messaging."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self._session: Optional[requests.Session] = None
        self._session_lock = threading.Lock()

    # --- inbound -----------------------------------------------------------
    # Not RequestValidator.validate: it also accepts the URL with a non-default port removed
    # (http://host:5005/x signed as http://host/x), raises on a forged port, and compares
    # with a loop; hence our URL variants and hmac.compare_digest around its signature.
    def verify(self, url: str, params: FormParams, headers: Mapping[str, str]) -> bool:
        if not self._auth_token:
            return False
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), "")
        if not given:
            return False
        try:
            candidates = _url_variants(url)
        except ValueError:  # a forged Host header such as "x:99999": not our URL
            return False
        return any(
            hmac.compare_digest(twilio_signature(self._auth_token, candidate, params).encode(), given.encode())
            for candidate in candidates
        )

    def parse_inbound(self, params: FormParams) -> Optional[InboundSms]:
        def first(name: str) -> str:
            values = params.get(name) or [""]
            return values[0]

        message_id = first("MessageSid") or first("SmsSid")
        sender = first("From")
        if not message_id or not sender:
            return None
        return InboundSms(message_id=message_id, sender=sender, text=first("Body"))

    def empty_reply(self) -> Tuple[str, str]:
        return EMPTY_TWIML, "text/xml"

    # --- outbound ----------------------------------------------------------
    def _http(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                self._session = requests.Session()
            return self._session

    def send(self, to: str, text: str) -> None:
        """POST /2010-04-01/Accounts/{sid}/Messages.json; one retry on a connection error
        or a 5xx answer. Blocking: the channel calls it through asyncio.to_thread."""
        url = f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        sender = {"MessagingServiceSid": self.messaging_service_sid} if self.messaging_service_sid else {"From": self.from_number}
        data = {"To": to, **sender, "Body": text}
        for attempt in (1, 2):
            try:
                response = self._http().post(url, data=data, auth=(self.account_sid, self._auth_token), timeout=TIMEOUT)
            except requests.ConnectionError as exc:  # includes a connect timeout: nothing was sent
                if attempt == 1:
                    time.sleep(RETRY_PAUSE)
                    continue
                raise SmsSendError("connection error") from exc
            except requests.Timeout as exc:
                raise SmsSendError("timeout waiting for the answer") from exc
            except requests.RequestException as exc:
                raise SmsSendError(type(exc).__name__) from exc
            if response.status_code >= 500 and attempt == 1:
                time.sleep(RETRY_PAUSE)
                continue
            if not response.ok:
                raise SmsSendError(f"HTTP {response.status_code}{_error_code(response)}")
            return


def _error_code(response: requests.Response) -> str:
    """Twilio's numeric error code (e.g. 21610: the number opted out). Its message text can
    quote the phone number, so only the code is kept."""
    try:
        code = response.json().get("code")
    except ValueError:
        return ""
    return f" (Twilio code {code})" if isinstance(code, int) else ""
