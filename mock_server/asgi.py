"""Small ASGI helpers shared by the mock's middlewares."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.types import Send


def header(scope: Mapping[str, Any], name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", ()):
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


async def send_json(
    send: Send, status: int, data: Any, headers: Mapping[str, str] | None = None
) -> None:
    await send_response(send, status, json.dumps(data).encode(), headers)
