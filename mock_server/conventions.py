"""NewDay conventions on every response, and the guards in front of the API.

One ASGI middleware, just inside CORS: it gives each request a traceId, stamps `Api-Version`
and echoes `Client-Session-Id`, refuses oversized bodies (413), injects server-wide faults,
journals the request, and hands health and admin paths to the admin app.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.asgi import header, send_problem
from mock_server.faults import FaultInjector
from mock_server.journal import Journal
from mock_server.problems import TRACE_ID_SCOPE_KEY, ApiProblem, ProblemCatalogue, new_trace_id

API_VERSION = "1.0"


class _BodyTooLarge(ApiProblem):
    """Raised from `receive` while connexion reads the body; its error handler renders it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body is over {limit} bytes.")


class ConventionsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        catalogue: ProblemCatalogue,
        journal: Journal,
        faults: FaultInjector,
        max_body_bytes: int,
        api_prefixes: tuple[str, ...],
        admin_app: ASGIApp,
        admin_paths: Callable[[str], bool],
        literal_paths: dict[str, frozenset[str]],
    ) -> None:
        self.app = app
        self.catalogue = catalogue
        self.journal = journal
        self.faults = faults
        self.max_body_bytes = max_body_bytes
        self.api_prefixes = api_prefixes
        self.admin_app = admin_app
        self.admin_paths = admin_paths
        # connexion routes GET /customers/search into /customers/{customerId} (a 400, not 405)
        self.literal_paths = literal_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        trace_id = new_trace_id()
        scope[TRACE_ID_SCOPE_KEY] = trace_id
        session_id = header(scope, "Client-Session-Id")
        status_seen = 500
        response_started = False

        async def stamped_send(message: Message) -> None:
            nonlocal status_seen, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_seen = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"api-version"]
                headers.append((b"api-version", API_VERSION.encode()))
                if session_id is not None:
                    headers.append((b"client-session-id", session_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        async def problem(error: ApiProblem) -> None:
            await send_problem(stamped_send, self.catalogue, error, scope)

        path = scope.get("path", "")
        try:
            if self.admin_paths(path):
                await self.admin_app(scope, receive, stamped_send)
                return
            allowed = self.literal_paths.get(path.rstrip("/") or "/")
            if allowed is not None and scope["method"] not in allowed | {"OPTIONS"}:
                await problem(
                    ApiProblem(
                        405,
                        "This method is not allowed on this path.",
                        headers={"Allow": ", ".join(sorted(allowed))},
                    )
                )
                return
            length = header(scope, "content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
                await problem(_BodyTooLarge(self.max_body_bytes))
                return
            if self.faults.active and path.startswith(self.api_prefixes):
                await asyncio.sleep(self.faults.delay_seconds())
                if self.faults.should_fail():
                    await problem(ApiProblem(503, "Injected fault (--error-rate)."))
                    return
            await self.app(scope, self._limited(receive), stamped_send)
        except _BodyTooLarge as error:
            if not response_started:
                await problem(error)
        finally:
            self.journal.record(scope["method"], path, status_seen, started, trace_id, session_id)

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge(self.max_body_bytes)
            return message

        return limited_receive
