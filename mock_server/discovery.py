"""How people find their way around a running mock: `GET /` and the controls document.

- `GET /` from a browser (`Accept` names `text/html`) is a 302 to Swagger UI. The Location is
  a path, never built from the Host header (a client controls that header). Any
  other client gets the useful links as JSON, also as paths.
- `GET /__mock/controls.json`: the controls document (controls.py), built once at start.

Everything else goes on to `fallback` (health and the contract, admin.py).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.asgi import header, send_json, send_response
from mock_server.offcontract import CONTROLS_PATH, INDEX_PATH, UI_PATH
from mock_server.problems import ApiProblem

DISCOVERY_PATHS = frozenset({INDEX_PATH, CONTROLS_PATH})


def wants_html(accept: str | None) -> bool:
    """A browser's navigation: `text/html` among the media types it accepts (q > 0)."""
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() in ("text/html", "application/xhtml+xml"):
            quality = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
            try:
                if float(quality) > 0:
                    return True
            except ValueError:
                return True  # a malformed weight still names HTML: a browser, most likely
    return False


class Discovery:
    def __init__(self, fallback: ASGIApp, controls: dict[str, Any], index: dict[str, Any]) -> None:
        self.fallback = fallback
        self.controls_bytes = json.dumps(controls).encode()
        self.index = index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if path not in DISCOVERY_PATHS:
            await self.fallback(scope, receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            raise ApiProblem(
                405, f"{method} is not allowed on {path}.", headers={"Allow": "GET, HEAD"}
            )
        if path == CONTROLS_PATH:
            await send_response(send, 200, self.controls_bytes)
        elif wants_html(header(scope, "accept")):
            await send_response(
                send,
                302,
                b"",
                {"Location": UI_PATH, "Vary": "Accept", "Content-Type": "text/plain"},
            )
        else:
            await send_json(send, 200, self.index, {"Vary": "Accept"})
