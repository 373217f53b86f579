"""A stand-in for the municipality's website: one page that embeds the chat widget with
its one script tag, served on its own origin (as a real site would be).

    python -m bot.services.demo_site --port 8080 --assistant-url http://127.0.0.1:5005
"""

from __future__ import annotations

import argparse
import html
import json
import logging
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.core.paths import WEB_DIR
from bot.core.profile import current_profile

PAGE = WEB_DIR / "demo" / "index.html"
log = logging.getLogger("demo_site")


def render_page(assistant_url: str, municipality: str, color: str) -> bytes:
    config = {"serverUrl": assistant_url, "municipality": municipality, "color": color}
    config_js = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    page = PAGE.read_text(encoding="utf-8")
    page = page.replace("{{CONFIG}}", config_js).replace("{{ASSISTANT_URL}}", html.escape(assistant_url, quote=True))
    return page.replace("{{MUNICIPALITY}}", html.escape(municipality)).encode("utf-8")


class DemoHandler(BaseHTTPRequestHandler):
    def __init__(self, *args, page: bytes, csp: str, **kwargs) -> None:
        self.page = page
        self.csp = csp
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        log.debug(format, *args)


def make_server(host: str, port: int, assistant_url: str, municipality: str, color: str) -> ThreadingHTTPServer:
    assistant_url = assistant_url.rstrip("/")
    ws_url = assistant_url.replace("http", "ws", 1)
    # What a careful municipality site would allow: scripts and the socket from the assistant only.
    csp = (
        f"default-src 'self'; script-src 'self' 'unsafe-inline' {assistant_url}; "
        f"style-src 'self' 'unsafe-inline' {assistant_url}; connect-src 'self' {assistant_url} {ws_url}; "
        "img-src 'self' data:; frame-ancestors 'none'"
    )
    handler = partial(DemoHandler, page=render_page(assistant_url, municipality, color), csp=csp)
    return ThreadingHTTPServer((host, port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--assistant-url", default="http://127.0.0.1:5005")
    parser.add_argument("--municipality", help="name in the page header (default: the profile's municipality_name)")
    parser.add_argument("--color", default="#005a8c")
    args = parser.parse_args()
    municipality = args.municipality or current_profile().municipality_name
    server = make_server(args.host, args.port, args.assistant_url, municipality, args.color)
    print(f"demo site on http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
