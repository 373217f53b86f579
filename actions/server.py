"""The action server: rasa_sdk's app with a shared secret, so only Rasa may call it.

`python -m actions.server --host 127.0.0.1 --port 5055`. With ACTION_SERVER_TOKEN set,
/webhook and /actions need `Authorization: Bearer <token>` (Rasa sends it from the
production endpoints file); /health stays open for load balancers. Without the token
(the embedded default) the server must listen on 127.0.0.1 only, which `make run` does.

Also unlike `rasa run actions`: no CORS (no browser has business here), one worker,
no access log, and a failing action answers 500 without echoing the request (the
request holds the whole conversation).
"""

from __future__ import annotations

import argparse
import hmac
import logging
from typing import Optional

from rasa_sdk import endpoint
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.settings import ActionServerSettings, SettingsError, check_secret

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def create_app(token: Optional[str], package: str = "actions") -> Sanic:
    if token is not None:
        try:
            check_secret("ACTION_SERVER_TOKEN", token)
        except SettingsError as weak:
            raise SystemExit(f"action server: {weak}") from None
    app = endpoint.create_app(package, cors_origins=None)
    expected = f"Bearer {token}".encode() if token else None

    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if expected is None or request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            log.error("action server: %s on %s", type(exception).__name__, request.path, exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=status)

    app.register_middleware(require_token, "request")
    app.error_handler.add(Exception, failed)
    return app


def main() -> None:
    try:
        settings = ActionServerSettings.from_env()
    except SettingsError as wrong:
        raise SystemExit(f"action server: {wrong}") from None
    parser = argparse.ArgumentParser(description="Vejviser's action server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--require-token", action="store_true", help="refuse to start without ACTION_SERVER_TOKEN")
    args = parser.parse_args()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = settings.token
    if token is None and (args.require_token or args.host not in ("127.0.0.1", "localhost", "::1")):
        raise SystemExit("action server: set ACTION_SERVER_TOKEN (only Rasa may call the action server)")
    app = create_app(token)
    log.info("action server on http://%s:%s (token %s)", args.host, args.port, "required" if token else "not set")
    app.run(args.host, args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
