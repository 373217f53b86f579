"""Two ways to talk to the widget's socket.io server: a socket.io client as an old browser's
widget speaks (long-polling), and Engine.IO polling by hand for packets no client would write."""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import requests
import socketio

from bench.fuzz.cases import TIMEOUT


class BrowserJson:
    """JSON as a browser's socket.io client writes it: UTF-8 as is, lone surrogates escaped
    (JSON.stringify). Python's default ASCII-escapes everything, which would make a
    10,000-emoji message three times larger than a browser's."""

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        text = json.dumps(obj, ensure_ascii=False, **kwargs)
        return re.sub(r"[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)

    @staticmethod
    def loads(text: Union[str, bytes], **kwargs: Any) -> Any:
        return json.loads(text, **kwargs)



class SocketClient:
    """A socket.io client over long-polling, as the widget in an old browser speaks."""

    def __init__(self, base_url: str, origin: str) -> None:
        self.events: "queue.Queue[Tuple[str, Any]]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False, json=BrowserJson, request_timeout=TIMEOUT)
        for name in ("session_confirm", "bot_uttered", "session_required"):
            self.sio.on(name, self._collector(name))
        self.sio.connect(base_url, transports=["polling"], headers={"Origin": origin}, wait_timeout=TIMEOUT)

    def _collector(self, name: str) -> Callable[..., None]:
        return lambda data=None, *_: self.events.put((name, data))

    def drain(self) -> List[Tuple[str, Any]]:
        got = []
        while True:
            try:
                got.append(self.events.get_nowait())
            except queue.Empty:
                return got

    def wait_for(self, name: str, timeout: float) -> Optional[Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                got, data = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if got == name:
                return data

    def close(self) -> None:
        # Polling's last long request is dropped, not awaited; engine.io's client then logs an
        # ERROR about its empty queue, which is expected here (as in tests/test_widget.py).
        logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
        try:
            self.sio.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001 - closing a socket the server already dropped
            pass


class RawPolling:
    """Engine.IO long-polling by hand, to send packets no socket.io client would write
    (broken UTF-8, malformed packets, more than the transport's size limit). Like every
    polling client it keeps a GET outstanding: the server hands its packets to that, and
    without one a server-side close waits for a reader before it finishes."""

    def __init__(self, base_url: str, origin: str) -> None:
        self.url = f"{base_url.rstrip('/')}/socket.io/"
        self.origin = origin
        self.http = requests.Session()
        self.http.headers["Origin"] = origin
        opened = self.http.get(self.url, params={"EIO": "4", "transport": "polling"}, timeout=TIMEOUT)
        opened.raise_for_status()
        self.sid = json.loads(opened.text[1:])["sid"]
        self.send(b"40")  # connect to the default namespace
        self.http.get(self.url, params=self._params(), timeout=TIMEOUT)  # the namespace's confirmation
        # No session_request: its answer would sit in the queue, and a server-side close waits
        # until a reader has taken everything queued (the malformed packets fail before the
        # widget's handlers anyway; a message gets "session_required").
        self._poller = threading.Thread(target=self._poll, daemon=True)
        self._poller.start()
        time.sleep(0.05)  # the GET is waiting at the server before anything else is posted

    def _params(self) -> Dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    def _poll(self) -> None:
        reader = requests.Session()
        reader.headers["Origin"] = self.origin
        try:
            while True:
                got = reader.get(self.url, params=self._params(), timeout=60)
                packets = got.text.split("\x1e")
                if got.status_code != 200 or "1" in packets or "6" in packets:
                    return  # the session is closed
                if "2" in packets:  # ping: answer it, the session stays open while the case runs
                    reader.post(self.url, params=self._params(), data=b"3", headers={"Content-Type": "text/plain;charset=UTF-8"})
        except requests.RequestException:
            return
        finally:
            reader.close()

    def send(self, packet: bytes) -> requests.Response:
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        return self.http.post(self.url, params=self._params(), data=packet, headers=headers, timeout=TIMEOUT)

    def close(self) -> None:
        """Closes the session if the server has not (a close packet for a session the server
        dropped would only repeat the raw_after_close case)."""
        self._poller.join(0.3)
        if self._poller.is_alive():
            try:
                self.send(b"1")
            except requests.RequestException:
                pass
        self.http.close()

