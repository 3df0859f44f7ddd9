"""One exchange with the target, the one type every check, grade and report reads, and the one
adapter that makes it from what schemathesis hands us."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.redact import body_json


@dataclass(frozen=True)
class Exchange:
    """What was asked and answered. Header names are lower case; `body` and `request_body` are
    the parsed JSON (None when there is none or it does not parse)."""

    operation_id: str
    method: str  # lower case
    path: str  # the contract's path template
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: Any = None
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = field(default=None, repr=False)  # the response's bytes, as sent
    url: str = ""  # the request's URL
    request_content: bytes | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def token(self) -> str | None:
        value = self.request_headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    @functools.cached_property
    def raw(self) -> bytes:
        """The response body's bytes: as received, or the parsed body written back (for
        exchanges built by hand)."""
        if self.content is not None:
            return self.content
        return b"" if self.body is None else json.dumps(self.body).encode()


def _headers(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (raw or {}).items():
        if isinstance(value, list):
            if not value:
                continue
            value = value[0]
        out[str(name).lower()] = str(value)
    return out


def _bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


def exchange_from(response: Any, case: Any) -> Exchange:
    """The exchange behind a schemathesis response to a case: the one seam with schemathesis
    for checks, the engine's recorder and status coverage alike."""
    request = response.request
    url = str(getattr(request, "url", "") or "")
    request_content = _bytes(getattr(request, "body", None))
    return Exchange(
        operation_id=case.operation.definition.raw.get("operationId", ""),
        method=case.operation.method.lower(),
        path=case.operation.path,
        status=response.status_code,
        headers=_headers(response.headers),
        body=body_json(response.content),
        request_headers=_headers(getattr(request, "headers", None)),
        request_body=body_json(request_content),
        path_parameters={str(k): str(v) for k, v in (case.path_parameters or {}).items()},
        query=dict(parse_qsl(urlsplit(url).query)),
        content=response.content or b"",
        url=url,
        request_content=request_content,
    )
