"""A local stand-in for Twilio's Messages API, for `make run` and the tests: it takes
POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio does (basic auth, form fields,
201 + JSON) and keeps what it got, so you can see the assistant's SMS answers without a
real gateway:  curl http://127.0.0.1:5057/messages

    python -m bot.services.sms_gateway --port 5057
"""

from __future__ import annotations

import argparse
import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional
from urllib.parse import parse_qs

KEEP = 200  # messages kept in memory (a local tool: nothing is written to disk)


class LocalGateway:
    """Records each request (path, basic-auth user and password, form fields).
    `statuses` are answers to give first (e.g. [503]), then 201."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: List[Dict] = []
        self.statuses: List[int] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                form = {k: v[0] for k, v in raw.items()}
                auth = self.headers.get("Authorization", "")
                user, _, password = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":") if auth else ("", "", "")
                with gateway._lock:
                    gateway.requests.append({"path": self.path, "user": user, "password": password, "form": form})
                    del gateway.requests[:-KEEP]
                    status = gateway.statuses.pop(0) if gateway.statuses else 201
                ok = status < 400
                self._reply(status, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"} if ok else {"code": 20500})

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/") != "/messages":
                    self._reply(404, {"error": "not_found"})
                    return
                with gateway._lock:
                    sent = [{"to": r["form"].get("To"), "body": r["form"].get("Body")} for r in gateway.requests]
                self._reply(200, sent)

            def _reply(self, status: int, payload: object) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass  # the requests hold phone numbers: nothing goes to a log

        self.server = ThreadingHTTPServer((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start_in_thread(self) -> "LocalGateway":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def sent(self, to: Optional[str] = None) -> List[Dict[str, str]]:
        """Form fields of every message sent (to one number)."""
        with self._lock:
            return [r["form"] for r in self.requests if to is None or r["form"].get("To") == to]

    def bodies(self, to: Optional[str] = None) -> List[str]:
        return [f["Body"] for f in self.sent(to)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for Twilio's Messages API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5057)
    args = parser.parse_args()
    gateway = LocalGateway(args.host, args.port)
    print(f"local SMS gateway on {gateway.url} (sent messages: {gateway.url}/messages)", flush=True)
    gateway.server.serve_forever()


if __name__ == "__main__":
    main()
