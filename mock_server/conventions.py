"""NewDay conventions on every response, and the guards in front of the API.

Two ASGI middlewares, one each side of CORS:

- `Conventions` (outermost): gives each request a traceId, stamps `Api-Version`, echoes
  `Client-Session-Id` (any value, on every response), journals and access-logs the request,
  hands `/__admin` to the admin app before CORS can add headers to it, and is the last-resort
  catch-all.
- `Guards` (just inside CORS, so problems carry CORS headers): renders every exception from
  further in as a problem, serves health and the spec, refuses oversized bodies (413), and
  injects server-wide faults.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.admin import ADMIN_PREFIX
from mock_server.asgi import ClientDisconnected, header, send_problem
from mock_server.customers import unavailable
from mock_server.faults import FaultInjector
from mock_server.journal import Journal
from mock_server.problems import (
    TRACE_ID_SCOPE_KEY,
    ApiProblem,
    ProblemCatalogue,
    as_api_problem,
    new_trace_id,
)

API_VERSION = "1.0"
log = logging.getLogger("ndt.mock")
AccessLog = Callable[[dict[str, Any]], None]


def access_line(entry: dict[str, Any], style: str) -> str:
    """One access-log line: `plain` for people, `json` for log shippers."""
    if style == "json":
        return json.dumps(entry, separators=(",", ":"))
    return (
        f"{entry['at']} {entry['method']} {entry['path']} {entry['status']} "
        f"{entry['duration_ms']:.2f}ms {entry['traceId']}"
    )


def is_admin(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


class Conventions:
    def __init__(
        self,
        app: ASGIApp,
        *,
        catalogue: ProblemCatalogue,
        journal: Journal,
        admin_app: ASGIApp,
        access_log: AccessLog | None = None,
    ) -> None:
        self.app = app
        self.catalogue = catalogue
        self.journal = journal
        self.admin_app = admin_app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        trace_id = new_trace_id()
        scope[TRACE_ID_SCOPE_KEY] = trace_id
        session_id = _raw_header(scope, b"client-session-id")
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
                    headers.append((b"client-session-id", session_id))
                message = {**message, "headers": headers}
            await send(message)

        path = scope.get("path", "")
        try:
            app = self.admin_app if is_admin(path) else self.app
            await app(scope, receive, stamped_send)
        except ClientDisconnected:
            status_seen = 499  # nginx's "client closed request": nobody to answer
        except Exception as exc:  # the last resort: a problem, never a dropped connection
            if not response_started:
                await send_problem(
                    stamped_send, self.catalogue, as_api_problem(exc, trace_id), scope
                )
            else:
                log.error("error after the response started, traceId %s", trace_id, exc_info=exc)
        finally:
            self.journal.record(scope["method"], path, status_seen, started, trace_id)
            if self.access_log is not None:
                self.access_log(
                    {
                        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "method": scope["method"],
                        "path": path,
                        "status": status_seen,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "traceId": trace_id,
                    }
                )


def _raw_header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class _BodyTooLarge(ApiProblem):
    """Raised from `receive` while the pipeline reads the body; the guards render it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body is over {limit} bytes.")


class Guards:
    def __init__(
        self,
        app: ASGIApp,
        *,
        catalogue: ProblemCatalogue,
        faults: FaultInjector,
        max_body_bytes: int,
        api_prefixes: tuple[str, ...],
        public_app: ASGIApp,
        public_paths: frozenset[str],
    ) -> None:
        self.app = app
        self.catalogue = catalogue
        self.faults = faults
        self.max_body_bytes = max_body_bytes
        self.api_prefixes = api_prefixes
        self.public_app = public_app
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracked_send(message: Message) -> None:
            nonlocal response_started
            response_started = True
            await send(message)

        try:
            await self._guard(scope, receive, tracked_send)
        except ClientDisconnected:
            raise
        except Exception as exc:
            if response_started:
                raise
            problem = as_api_problem(exc, scope.get(TRACE_ID_SCOPE_KEY, ""))
            await send_problem(send, self.catalogue, problem, scope)

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if path in self.public_paths:
            await self.public_app(scope, receive, send)
            return
        length = header(scope, "content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_body_bytes
            except ValueError:
                too_large = True
            if too_large:
                raise _BodyTooLarge(self.max_body_bytes)
        if self.faults.active and path.startswith(self.api_prefixes):
            await asyncio.sleep(self.faults.delay_seconds())
            if self.faults.should_fail():
                raise unavailable("An injected fault (--error-rate)")
        await self.app(scope, self._limited(receive), send)

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
