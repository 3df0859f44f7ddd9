"""Error bodies as ASP.NET Core and Azure API Management write them by default.

The API's own errors are RFC 7807 problems with `status`, and the trace id inside an
`extensions` member; a 404 for a customer has no `type` (the ProblemDetails guideline: omit it
where the status says enough). The gateway answers unknown routes and refused tokens in its own
plain JSON shape, `{"statusCode", "message"}`, without the API's headers.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

PROBLEM = "application/problem+json; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    from_gateway: bool = False  # the gateway's answers carry none of the API's headers


def encode(data: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII letters unescaped."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status, encode(data), {"content-type": JSON})


def trace_id() -> str:
    return f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-00"


def problem(status: int, title: str, type_: str | None = None, **members: Any) -> Reply:
    body: dict[str, Any] = {}
    if type_ is not None:
        body["type"] = type_
    body.update(title=title, status=status, **members)
    body["extensions"] = {"traceId": trace_id()}
    return Reply(status, encode(body), {"content-type": PROBLEM})


def validation(errors: dict[str, list[str]]) -> Reply:
    return problem(
        400,
        "One or more validation errors occurred.",
        "newday:generic:error:validation",
        errors=errors,
    )


def not_found() -> Reply:
    return problem(404, "Not Found")


def unsupported_media_type() -> Reply:
    return problem(
        415, "Unsupported Media Type", "https://tools.ietf.org/html/rfc9110#section-15.5.16"
    )


def unsupported_version(asked: str) -> Reply:
    """ASP.NET API Versioning's own 400, a custom type with a member of its own."""
    return problem(
        400,
        "Unsupported API version",
        "https://docs.api-versioning.org/problems#unsupported",
        detail="The HTTP resource that matches the request URI does not support the API version.",
        requestedApiVersion=asked,
    )


def unavailable() -> Reply:
    reply = problem(500, "The service is unavailable.", "newday:generic:error:unavailable")
    reply.headers["retry-after"] = "2"
    return reply


def gateway(status: int, message: str) -> Reply:
    return Reply(
        status,
        encode({"statusCode": status, "message": message}),
        {"content-type": "application/json"},
        from_gateway=True,
    )


def gateway_not_found() -> Reply:
    return gateway(404, "Resource not found")


def gateway_unauthorized() -> Reply:
    return gateway(401, "Unauthorized. Access token is missing or invalid.")
