"""The website chat widget's channel: socket.io for the browser, sessions the server issues.

Named in credentials.yml as `bot.rasa.channels.widget.WidgetInput`; it serves the widget's
files under /webhooks/widget/ and the socket at /socket.io.

Why not Rasa's own socketio channel: it takes the session id the browser sends with
every message, so anyone who knows or guesses an id can write into that conversation,
and it accepts connections from every origin. Here the server issues a long random
session key signed with a secret; a message is only accepted on a socket that has
presented a valid key, and the tracker's sender id is derived from the key (the key
itself is never stored; widget_session.py issues and checks the keys). A reconnecting browser gets the conversation replayed from
the tracker store with stable message ids, so a reload or a dropped connection neither
loses nor repeats messages.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.core.booking_text import when_text
from bot.core.paths import WEB_DIR
from bot.core.privacy import mask_cpr
from bot.core.profile import current_profile
from bot.core.settings import ChannelSettings
from bot.rasa.channels import registry
from bot.rasa.channels.domain_texts import domain_text, tell_cpr_removed
from bot.rasa.channels.guard import (
    FAILED_FALLBACK,
    FAILED_RESPONSE,
    SLOW_DOWN_FALLBACK,
    SLOW_DOWN_RESPONSE,
    TOO_LONG_FALLBACK,
    TOO_LONG_RESPONSE,
    admit_from_tracker,
    readable,
    shared_limits,
    too_long,
)
from bot.rasa.channels.widget_session import SessionKeys, WidgetSettings

log = logging.getLogger(__name__)

WIDGET_DIR = WEB_DIR / "widget"
SOCKET_IO_CLIENT = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
TEXTS_PLACEHOLDER = "/*VEJVISER_TEXTS*/{}"

MAX_DISPLAY_CHARS = 200
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A browser re-sends an unacknowledged message after reconnecting, within minutes.
SEEN_IDS_SECONDS = 24 * 3600


def message_id(prefix: str, timestamp: Optional[float]) -> str:
    """Stable id of a message: the same live and when replayed from the tracker."""
    return f"{prefix}-{timestamp!r}" if timestamp is not None else f"{prefix}-{secrets.token_hex(8)}"


def bot_payload(message: Dict[Text, Any]) -> Dict[str, Any]:
    """What the browser gets for one bot message: text and quick replies, nothing else."""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    payload = {
        "id": message_id("b", message.get("timestamp")),
        "from": "bot",
        "text": str(message.get("text") or ""),
        "buttons": [
            {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
            for button in buttons
            if isinstance(button, dict)
        ],
    }
    if message.get("staff"):  # written by a person in the staff desk (BotUttered metadata, flattened)
        payload.update({"from": "staff", "name": str(message.get("staff_name") or "")})
    return payload


def history_of(events: Sequence[Any]) -> List[Dict[str, Any]]:
    """The messages of a tracker's events, as the browser shows them."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered) and event.text is not None:
            metadata = event.metadata or {}
            client_id = metadata.get("client_id")
            messages.append(
                {
                    "id": f"u-{client_id}" if client_id else message_id("u", event.timestamp),
                    "from": "user",
                    "text": str(metadata.get("display") or event.text),
                }
            )
        elif isinstance(event, BotUttered):
            messages.append(bot_payload(event.message()))
    return messages


def staffing_status(now: datetime) -> Dict[str, Any]:
    """Whether staff can be reached now, and the line the widget shows about it."""
    profile = current_profile()
    if profile.hours.is_open(now):
        return {"staffed": True, "message": domain_text("utter_widget_staffed", unit_phone=profile.phone)}
    next_open = profile.hours.next_opening(now)
    if next_open is None:
        return {"staffed": False, "message": domain_text("utter_widget_closed_unknown", unit_phone=profile.phone)}
    return {"staffed": False, "message": domain_text("utter_widget_closed", next_open=when_text(next_open))}


class WidgetOutput(OutputChannel):
    """Sends to every open tab of one conversation (a socket.io room per sender id)."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    def __init__(self, sio: AsyncServer) -> None:
        self.sio = sio

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self.sio.emit("bot_uttered", bot_payload(message), room=recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons, **kwargs})


def js_literal(value: Any) -> str:
    """JSON that is safe inside a <script> or .js file ("</script>" cannot end it)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace("\u2028", "\\u2028")


class WidgetInput(InputChannel):
    """The browser side of the widget: files, status, and the socket."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(WidgetSettings.from_env(origins=credentials.get("allowed_origins")))

    def __init__(self, settings: WidgetSettings) -> None:
        self.settings = settings
        self.keys = SessionKeys(settings.session_secret)
        self.sio: Optional[AsyncServer] = None

    def first_time(self, sender_id: str, client_id: Optional[str]) -> bool:
        """Shared by all Rasa processes (Redis) in production: a browser that reconnects
        to the other process re-sends its unacknowledged message there."""
        if not client_id:
            return True
        return shared_limits().first_time(f"widget:{sender_id}:{client_id}", SEEN_IDS_SECONDS)

    def forget_seen(self, sender_id: str, client_id: Optional[str]) -> None:
        if client_id:
            shared_limits().forget(f"widget:{sender_id}:{client_id}")

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WidgetOutput(self.sio) if self.sio else None

    def widget_script(self) -> str:
        texts = json.loads((WIDGET_DIR / "texts.da.json").read_text(encoding="utf-8"))
        source = (WIDGET_DIR / "vejviser.js").read_text(encoding="utf-8")
        return source.replace(TEXTS_PLACEHOLDER, js_literal(texts), 1)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        registry.register(self)
        # An explicit list: same-origin only when empty. ([] would switch the check off.)
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=list(self.settings.allowed_origins) or None,
            max_http_buffer_size=64 * 1024,
            client_manager=socket_manager(),
        )
        self.sio = sio
        widget = WidgetBlueprint(sio, "/socket.io", "widget_webhook", __name__)
        # Read once here, not on every request (no file I/O on the event loop).
        script = self.widget_script()
        css = (WIDGET_DIR / "vejviser.css").read_text(encoding="utf-8")
        socket_client_js = SOCKET_IO_CLIENT.read_text(encoding="utf-8") if SOCKET_IO_CLIENT.exists() else None

        @widget.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @widget.route("/vejviser.js", methods=["GET"])
        async def widget_js(_: Request) -> HTTPResponse:
            return _asset(script, "application/javascript")

        @widget.route("/vejviser.css", methods=["GET"])
        async def widget_css(_: Request) -> HTTPResponse:
            return _asset(css, "text/css")

        @widget.route("/socket.io.min.js", methods=["GET"])
        async def socket_client(_: Request) -> HTTPResponse:
            if socket_client_js is None:
                return response.text("socket.io client missing: run make setup", status=503)
            return _asset(socket_client_js, "application/javascript")

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any = None, *_extra: Any) -> None:
            offered = data.get("session") if isinstance(data, dict) else None
            sender_id = self.keys.sender_id(offered)
            key = offered if sender_id else self.keys.issue()
            sender_id = sender_id or self.keys.sender_id(key)
            previous = await sio.get_session(sid)
            if previous and previous.get("sender_id") not in (None, sender_id):
                await sio.leave_room(sid, previous["sender_id"])
            confirm: Dict[str, Any] = {"session": key, "history": [], "status": {}}
            try:
                # Joined only after the history is read, under the conversation's lock:
                # live messages can then only be newer than the history.
                confirm["history"] = await self._join_with_history(sid, sender_id, replay=offered == key)
                confirm["status"] = staffing_status(datetime.now(timezone.utc))
            except Exception:  # the widget must not hang on "Vent lidt"; it can still chat
                log.exception("widget: session history or status failed")
                await sio.enter_room(sid, sender_id)
            await sio.save_session(sid, {"sender_id": sender_id})
            await sio.emit("session_confirm", confirm, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: Text, data: Any = None, *_extra: Any) -> Dict[str, Any]:
            """Answers the browser's acknowledgement callback: {"ok": true} once the
            message was answered (or was a repeat); the browser re-sends otherwise."""
            session = await sio.get_session(sid)
            sender_id = session.get("sender_id") if session else None
            if not sender_id:
                await sio.emit("session_required", {}, room=sid)
                return {"ok": False, "reason": "session_required"}
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return {"ok": False, "reason": "bad_message"}
            output = WidgetOutput(sio)
            if too_long(data["message"]):
                await output.send_text_message(sender_id, domain_text(TOO_LONG_RESPONSE) or TOO_LONG_FALLBACK)
                return {"ok": True, "too_long": True}
            text, masked = mask_cpr(readable(data["message"]).strip())
            if not text:
                return {"ok": False, "reason": "empty"}
            metadata: Dict[str, Any] = {}
            client_id = data.get("client_id")
            if isinstance(client_id, str) and CLIENT_ID.match(client_id):
                metadata["client_id"] = client_id
            if not self.first_time(sender_id, metadata.get("client_id")):
                return {"ok": True, "repeat": True}
            if not shared_limits().allow(self.name(), sender_id):
                self.forget_seen(sender_id, metadata.get("client_id"))  # its re-send later must be taken
                await output.send_text_message(sender_id, domain_text(SLOW_DOWN_RESPONSE) or SLOW_DOWN_FALLBACK)
                return {"ok": False, "reason": "rate_limited"}
            text = await admit_from_tracker(getattr(Sanic.get_app().ctx, "agent", None), sender_id, text)
            display = data.get("display")
            # A title to show instead of a button's payload; never free text of its own.
            if text.startswith("/") and isinstance(display, str) and display.strip():
                metadata["display"] = mask_cpr(readable(display).strip()[:MAX_DISPLAY_CHARS])[0]
            if masked:
                await tell_cpr_removed(output, sender_id)
            # Another tab of the same conversation shows the message too.
            echo_id = f"u-{metadata.get('client_id', secrets.token_hex(8))}"
            echo = {"id": echo_id, "from": "user", "text": metadata.get("display") or text}
            await sio.emit("user_echo", echo, room=sender_id, skip_sid=sid)
            try:
                await on_new_message(UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata))
            except Exception as exc:
                # Not answered: the user is told to try again, and that try must be taken,
                # not dropped as a repeat.
                log.exception("widget: the turn failed (%s)", type(exc).__name__)
                self.forget_seen(sender_id, metadata.get("client_id"))
                await output.send_text_message(sender_id, domain_text(FAILED_RESPONSE) or FAILED_FALLBACK)
                return {"ok": True, "failed": True}
            return {"ok": True}

        return widget

    async def _join_with_history(self, sid: str, sender_id: str, replay: bool) -> List[Dict[str, Any]]:
        agent = getattr(Sanic.get_app().ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        if not replay or store is None:
            await self.sio.enter_room(sid, sender_id)
            return []
        # Wait for a message of this conversation that is still being answered, so a
        # reload in the middle of an answer gets all of it (Rasa saves the tracker last).
        async with agent.lock_store.lock(sender_id):
            # All sessions: the bot's introduction is logged just before the session starts.
            tracker = await store.retrieve_full_tracker(sender_id)
            await self.sio.enter_room(sid, sender_id)
        return history_of(tracker.events) if tracker else []


class MalformedPacketFilter(logging.Filter):
    """engine.io catches a malformed packet from a client (broken JSON, unknown packet type),
    keeps the connection going and logs it as an ERROR with a traceback. It is the client's
    mistake, handled: logged as one warning line instead, so real errors stand out."""

    # (socket.io's packet decoding runs inside engine.io's "message" handler: its errors end
    # up in the last one; our own event handlers run in tasks of their own.)
    CAUGHT_BY_ENGINEIO = ("post request handler error", "Unknown receive error", "message async handler error")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage() in self.CAUGHT_BY_ENGINEIO:
            kind = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            record.msg, record.args = "socket.io: a malformed packet from a client was ignored (%s)", (kind,)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("engineio.server").addFilter(MalformedPacketFilter())


class WidgetBlueprint(SocketBlueprint):
    """Rasa's socket blueprint, plus: a request for a socket.io session that is already
    closed (a tab that closed while a request was on its way) is answered 400, not 500.
    engine.io raises KeyError for it, outside any route of ours."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        default = app.error_handler.default

        def closed_session(request: Request, exception: Exception) -> HTTPResponse:
            if request.path.startswith("/socket.io") and "disconnected" in str(exception):
                return response.text("Session is closed", status=400)
            return default(request, exception)

        app.error_handler.add(KeyError, closed_session)


def socket_manager() -> Optional[Any]:
    """Several Rasa processes: rooms and emits go through Redis, so a staff answer sent
    by one process reaches a browser connected to another. None: in this process only."""
    url = ChannelSettings.from_env().redis_url
    if not url:
        return None
    from socketio import AsyncRedisManager

    return AsyncRedisManager(url, channel="vejviser-widget")


def _asset(body: str, content_type: str) -> HTTPResponse:
    return response.text(
        body,
        content_type=f"{content_type}; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )

