"""Small ASGI helpers shared by the mock's middlewares."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.types import Receive, Send

from mock_server.problems import TRACE_ID_SCOPE_KEY, ApiProblem, ProblemCatalogue, render_problem


def header(scope: Mapping[str, Any], name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for key, value in headers:
        if key == wanted:
            return value.decode("latin-1")
    return None


async def send_response(
    send: Send, status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if not any(k == b"content-type" for k, _ in raw):
        raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_problem(
    send: Send, catalogue: ProblemCatalogue, problem: ApiProblem, scope: Mapping[str, Any]
) -> None:
    """Answer with `problem`, rendered by the catalogue under the request's traceId."""
    await send_response(
        send, *render_problem(catalogue, problem, scope.get(TRACE_ID_SCOPE_KEY, ""))
    )


class ClientDisconnected(Exception):
    """The client went away (or was dropped for being slow) before its body was in."""


async def read_body(receive: Receive, max_bytes: int | None = None) -> bytes:
    """The whole request body, chunked or not; a 413 problem once it passes `max_bytes`."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise ApiProblem(413, f"The body is over {max_bytes} bytes.")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def send_json(
    send: Send, status: int, data: Any, headers: Mapping[str, str] | None = None
) -> None:
    await send_response(send, status, json.dumps(data).encode(), headers)
