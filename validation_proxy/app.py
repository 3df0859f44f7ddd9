"""The proxy's stack, written down once: CORS outermost, then `/__proxy/*` or forwarding.

The upstream client is opened by the ASGI lifespan (one pool for the proxy's life) and closed
by it; the judging pipeline is drained by whoever started the server, after it stopped.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from validation_proxy.admin import PREFIX, Admin
from validation_proxy.client import UpstreamClient
from validation_proxy.forward import (
    PROBLEM_JSON,
    VIOLATIONS_HEADER,
    Forwarder,
    problem,
    send_bytes,
)
from validation_proxy.judging import Router
from validation_proxy.pipeline import Pipeline
from validation_proxy.settings import ProxySettings
from validation_proxy.upstream import Credentials, client

# What a browser may read of an answer (the API's own headers, and ours).
EXPOSED_HEADERS = [
    "Api-Version",
    "Client-Session-Id",
    "NoCustomerDetails",
    "Preference-Applied",  # a mock upstream says which Prefer it honoured
    "Retry-After",
    VIOLATIONS_HEADER,
]


def cors_options(origins: tuple[str, ...]) -> dict[str, Any]:
    return {
        "allow_origins": list(origins),
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": EXPOSED_HEADERS,
        "max_age": 600,
    }


class ProxyApp:
    def __init__(
        self,
        settings: ProxySettings,
        router: Router,
        pipeline: Pipeline,
        credentials: Credentials,
    ) -> None:
        self._client: UpstreamClient | None = None
        self.settings = settings
        self.admin = Admin(pipeline.ledger, settings.proxy_token)
        self.forward = Forwarder(settings, router, pipeline, credentials, self.client)

    def client(self) -> UpstreamClient:
        if self._client is None:
            self._client = client(self.settings)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] != "http":
            return  # websockets are not part of this API
        elif scope["path"] == PREFIX or scope["path"].startswith(PREFIX + "/"):
            await self.admin(scope, receive, send)
        else:
            await self._last_resort(scope, receive, send)

    async def _last_resort(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A fault of the proxy itself is a 502 problem, never a traceback to the client."""
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.forward(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise  # mid-answer: only closing the connection can tell the client
            await send_bytes(
                send,
                *problem(502, "proxy", "The proxy failed", f"{type(exc).__name__} in the proxy"),
                PROBLEM_JSON,
            )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.client()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                    self._client = None
                await send({"type": "lifespan.shutdown.complete"})
                return


class CrossOrigin:
    """starlette's CORS for browser requests only: a request without Origin reaches the
    upstream and comes back exactly as it was (starlette would add `Vary: Origin` to it)."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **cors_options(origins))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(k == b"origin" for k, _ in scope["headers"]):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def build_app(
    settings: ProxySettings, router: Router, pipeline: Pipeline, credentials: Credentials
) -> ASGIApp:
    app = ProxyApp(settings, router, pipeline, credentials)
    return CrossOrigin(app, settings.cors_origins)
