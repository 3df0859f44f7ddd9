"""Every problem the mock emits, read off the contract, rendered by one function.

The type and title of each status come from the spec's problem schemas (`type` enum) and
examples, so a provider document with other problem types changes the mock without code.
Statuses the contract does not document (405, 413, 415 ...) fall back to our own types.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ndt_contract import Contract

log = logging.getLogger("ndt.mock")
PROBLEM_JSON = "application/problem+json"
TRACE_ID_SCOPE_KEY = "ndt.trace_id"

# Our own types for statuses outside the contract; newday:generic:error:* as the standard names.
FALLBACK_TYPES = {
    400: "newday:generic:error:validation",
    401: "newday:generic:error:unauthorised",
    404: "newday:generic:error:missing",
    405: "newday:generic:error:method-not-allowed",
    406: "newday:generic:error:not-acceptable",
    403: "newday:generic:error:forbidden",
    408: "newday:generic:error:request-timeout",
    413: "newday:generic:error:payload-too-large",
    415: "newday:generic:error:unsupported-media-type",
    431: "newday:generic:error:headers-too-large",
    429: "newday:generic:error:throttled",
    500: "newday:generic:error:unavailable",
    503: "newday:generic:error:unavailable",
    507: "newday:generic:error:insufficient-storage",
}


RETRY_STATUSES = frozenset({429, 500, 503})


@dataclass(frozen=True)
class ProblemKind:
    status: int
    type: str
    title: str
    retry_after: int | None = None  # set where the contract documents Retry-After


class ApiProblem(Exception):
    """Raised anywhere in the mock; rendered once by `render_problem`."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.errors = dict(errors) if errors else None
        self.title = title
        self.headers = dict(headers or {})


def validation_problem(errors: Mapping[str, list[str]], detail: str | None = None) -> ApiProblem:
    return ApiProblem(400, detail or "The request does not match the contract.", errors=errors)


def _problem_type(schema: Mapping[str, Any]) -> str | None:
    enum: list[str] | None = (schema.get("properties", {}).get("type") or {}).get("enum")
    if enum:
        return enum[0]
    for part in schema.get("allOf", []):
        found = _problem_type(part)
        if found:
            return found
    return None


@dataclass
class ProblemCatalogue:
    kinds: dict[int, ProblemKind] = field(default_factory=dict)

    @classmethod
    def from_contract(cls, contract: Contract) -> ProblemCatalogue:
        kinds: dict[int, ProblemKind] = {}
        for op in contract.operations.values():
            for status in sorted(op.documented_statuses):
                if status < 400 or status in kinds:
                    continue
                response = op.response(status) or {}
                media = (response.get("content") or {}).get(PROBLEM_JSON) or {}
                examples = [e.get("value") or {} for e in (media.get("examples") or {}).values()]
                title = next((e["title"] for e in examples if e.get("title")), None)
                retry = (response.get("headers") or {}).get("Retry-After")
                kinds[status] = ProblemKind(
                    status,
                    _problem_type(media.get("schema") or {})
                    or FALLBACK_TYPES.get(status, "about:blank"),
                    title or HTTPStatus(status).phrase,
                    _retry_after(status, retry),
                )
        return cls(kinds)

    def kind(self, status: int) -> ProblemKind:
        known = self.kinds.get(status)
        if known:
            return known
        retry = _retry_after(status, None)
        return ProblemKind(
            status, FALLBACK_TYPES.get(status, "about:blank"), HTTPStatus(status).phrase, retry
        )


def as_api_problem(exc: BaseException, trace_id: str) -> ApiProblem:
    """Any exception as the problem to answer with; an unexpected one is logged with its
    traceId (the catch-all: no request ever gets a text/plain 500 or a dropped connection)."""
    if isinstance(exc, ApiProblem):
        return exc
    status = getattr(exc, "status_code", None)  # starlette's HTTPException (routing: 404, 405)
    if isinstance(status, int) and 400 <= status < 500:
        if status == 404:
            return ApiProblem(404, "No such route in the Customer API.", title="Not Found")
        if status == 405:
            return ApiProblem(
                405,
                "This method is not allowed on this path.",
                headers=dict(getattr(exc, "headers", None) or {}),
            )
        return ApiProblem(status, str(getattr(exc, "detail", "")) or None)
    log.error("unhandled error, traceId %s", trace_id, exc_info=exc)
    return ApiProblem(500, f"The mock failed unexpectedly; traceId {trace_id} is in its log.")


def _retry_after(status: int, documented: Mapping[str, Any] | None) -> int | None:
    """Seconds for Retry-After: the contract's example (or first named example) where it
    documents the header; 1 on
    every 429, 500 and 503 anyway (decision: a client told to retry needs to know when)."""
    if documented is not None:
        named = [e.get("value") for e in (documented.get("examples") or {}).values()]
        sample = documented.get("example", named[0] if named else 1)
        try:
            return int(sample)
        except (TypeError, ValueError):
            return 1
    return 1 if status in RETRY_STATUSES else None


def new_trace_id() -> str:
    """W3C trace-context shaped, so it can be pasted into tracing tools."""
    random = secrets.token_hex(24)  # one read of the system's randomness for both ids
    return f"00-{random[:32]}-{random[32:]}-01"


def render_problem(
    catalogue: ProblemCatalogue, problem: ApiProblem, trace_id: str
) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) of the problem+json response for `problem`."""
    kind = catalogue.kind(problem.status)
    body: dict[str, Any] = {
        "type": kind.type,
        "title": problem.title or kind.title,
        "status": kind.status,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors is not None:
        body["errors"] = problem.errors
    elif kind.status == 400:  # the contract's 400 always carries an errors map
        body["errors"] = {"request": [problem.detail or kind.title]}
    body["traceId"] = trace_id
    headers = {"Content-Type": PROBLEM_JSON, **problem.headers}
    if kind.retry_after is not None:
        headers.setdefault("Retry-After", str(kind.retry_after))
    return kind.status, json.dumps(body).encode(), headers
