"""The mock's CORS: starlette's middleware, one setting, and a refused preflight that is a
problem like every other error (starlette answers it `400 text/plain`)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.asgi import send_problem
from mock_server.conventions import API_VERSION
from mock_server.problems import TRACE_ID_SCOPE_KEY, ApiProblem, ProblemCatalogue, new_trace_id

EXPOSED_HEADERS = [
    "Api-Version",
    "Client-Session-Id",
    "NoCustomerDetails",
    "Preference-Applied",
    "Retry-After",
]
_OWN_HEADERS = frozenset({"content-length", "content-type"})  # the problem brings its own


def cors_options(origins: tuple[str, ...]) -> dict[str, Any]:
    """The mock's CORS, one setting for the app and for reload's "cannot start" answer."""
    return {
        "allow_origins": list(origins),
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": EXPOSED_HEADERS,
        "max_age": 600,
    }


class RefusedPreflight(Response):
    """A preflight starlette refused, as a 400 problem with starlette's CORS headers kept."""

    def __init__(self, catalogue: ProblemCatalogue, refused: Response) -> None:
        super().__init__(status_code=400)
        self.catalogue = catalogue
        self.reason = bytes(refused.body).decode("latin-1")  # "Disallowed CORS origin, method"
        self.kept = {k: v for k, v in refused.headers.items() if k not in _OWN_HEADERS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self.reason.removeprefix("Disallowed CORS ")
        hint = " (see the mock's --cors-origin)" if "origin" in refused.split(", ") else ""
        problem = ApiProblem(
            400,
            f"CORS preflight refused: {refused} not allowed{hint}.",
            errors={"Origin": [self.reason]},
            headers={**self.kept, "Api-Version": API_VERSION},
        )
        # Outside the conventions (reload's "cannot start" app) no traceId was given yet.
        traced = scope if scope.get(TRACE_ID_SCOPE_KEY) else {TRACE_ID_SCOPE_KEY: new_trace_id()}
        await send_problem(send, self.catalogue, problem, traced)


def with_vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`Vary` with `Origin` added, as starlette writes it for a request without an Origin:
    every Vary value joined into the first one's place (or appended), then `Origin`."""
    values = [value for key, value in headers if key.lower() == b"vary"]
    merged = (b"vary", b", ".join([*values, b"Origin"]))
    if not values:
        return [*headers, merged]
    first = next(n for n, (key, _) in enumerate(headers) if key.lower() == b"vary")
    rest = [(k, v) for n, (k, v) in enumerate(headers) if n <= first or k.lower() != b"vary"]
    rest[first] = merged
    return rest


class CORS(CORSMiddleware):
    def __init__(
        self, app: ASGIApp, *, catalogue: ProblemCatalogue | None = None, **options: Any
    ) -> None:
        super().__init__(app, **options)
        self.catalogue = catalogue or ProblemCatalogue()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Most requests (every non-browser client's) carry no Origin: all starlette would do
        is add `Vary: Origin`, which this does without building its header objects twice."""
        if scope["type"] != "http" or any(key == b"origin" for key, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def vary_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_vary_origin(list(message.get("headers", ())))}
            await send(message)

        await self.app(scope, receive, vary_send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 400:
            return RefusedPreflight(self.catalogue, response)
        return response
