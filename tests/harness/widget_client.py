"""A socket.io client that speaks the widget protocol as the browser does (tests and bench)."""

from __future__ import annotations

import logging
import queue
import uuid
from typing import Any, Dict, List, Optional, Tuple

import socketio

from tests.harness.services import Assistant


class WidgetClient:
    """A socket.io client that speaks to the widget channel as the browser does."""

    def __init__(self, bot: Assistant, origin: Optional[str] = None) -> None:
        self.events: "queue.Queue[Tuple[str, Any]]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        for name in ("session_confirm", "bot_uttered", "session_required", "user_echo"):
            self.sio.on(name, self._collector(name))
        self.sio.connect(
            bot.url, transports=["polling"], headers={"Origin": origin or bot.allowed_origins[0]}, wait_timeout=10
        )

    def _collector(self, name: str):
        return lambda data=None: self.events.put((name, data))

    def next(self, name: str, timeout: float = 30) -> Any:
        while True:
            got, data = self.events.get(timeout=timeout)
            if got == name:
                return data

    def start(self, session: Optional[str] = None) -> Dict[str, Any]:
        self.sio.emit("session_request", {"session": session})
        return self.next("session_confirm")

    def say(self, text: str, display: Optional[str] = None) -> List[Dict[str, Any]]:
        """Sends a message; returns the bot's messages (they arrive one by one)."""
        message = {"message": text, "client_id": uuid.uuid4().hex}
        if display:
            message["display"] = display
        self.sio.emit("user_uttered", message)
        replies = [self.next("bot_uttered")]
        while True:
            try:
                replies.append(self.next("bot_uttered", timeout=2))
            except queue.Empty:
                return replies

    def close(self) -> None:
        # Polling's last long request can take the whole ping interval; don't wait for it
        # (engine.io then logs an ERROR about its empty queue: expected, so kept quiet).
        logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
        self.sio.eio.disconnect(abort=True)
