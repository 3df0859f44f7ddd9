"""Grade what a check found by the evidence of the rule it breaks.

Schemathesis judges responses against the full reading; a red run must mean the target broke
something the provider documents or a NewDay standard. So every failing check is graded here:
- response conformance (status, media type, headers, schema) is judged again by `judge`, against
  the enforced profile and the full reading, rule by rule;
- request-side checks (the target accepts what our reading rejects, or rejects what it accepts)
  are drift: the provider's own validation is nowhere documented;
- a server error that says when to come back is an outage, not a bug;
- our own checks carry their evidence in the violation they raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ndt_contract.bundle import pointer_get

from conformance.judge import Judgement, Views, judge_response, operation_pointer

# Built-in checks that judge the response against the documented responses.
RESPONSE_CHECKS = frozenset(
    {
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    }
)
# Built-in checks about what the target accepts: its validation is not documented anywhere.
ACCEPTANCE_CHECKS = frozenset(
    {
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
    }
)
# Checks the user asked for by option: they fail as asked, whatever the evidence.
REQUESTED_CHECKS = frozenset({"max_response_time"})
OUTAGE_STATUSES = frozenset({429, 500, 503})


@dataclass(frozen=True)
class Outage:
    """A documented "come back later": counted per operation, never a failure by itself."""

    status: int
    retry_after: str


@dataclass(frozen=True)
class Exchange:
    """What the target was asked and answered, as a grade needs it."""

    method: str
    path: str  # the contract's path template
    status: int
    headers: Mapping[str, str]  # response headers, lower-case names
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)  # the request's query parameters


def outage(exchange: Exchange) -> Outage | None:
    """A 429, 500 or 503 with Retry-After is the target saying "later", as the standard has it."""
    retry = exchange.headers.get("retry-after")
    if exchange.status in OUTAGE_STATUSES and retry is not None and retry.strip():
        return Outage(exchange.status, retry.strip())
    return None


def grade(
    views: Views, check: str, failure: Any, exchange: Exchange | None
) -> list[Judgement] | Outage:
    """The graded findings behind one failed check (possibly none: nothing the evidence backs
    beyond what another finding already says)."""
    level = getattr(failure, "level", None)
    if level is not None:  # our own checks know their evidence
        return [
            Judgement(
                level,
                getattr(failure, "rule", check),
                getattr(failure, "where", ""),  # a convention's rule spans operations
                f"{failure.title}: {failure.message}",
                tuple(getattr(failure, "sources", ())),
                tuple(getattr(failure, "proposal", ())),
            )
        ]
    if exchange is not None and check == "not_a_server_error":
        found = outage(exchange)
        if found is not None:
            return found
        return [
            Judgement(
                "standard",
                "server-error",
                _operation_where(views, exchange),
                f"answered {exchange.status} without Retry-After; the standard: a dependency "
                "that cannot answer is a 500 unavailable with Retry-After, a bad request a 400",
                ("standard.unavailable",),
            )
        ]
    if exchange is not None and check in RESPONSE_CHECKS:
        return judge_response(
            views, exchange.method, exchange.path, exchange.status, exchange.headers, exchange.body
        )
    if check in REQUESTED_CHECKS:
        return [
            Judgement(
                "requested",  # type: ignore[arg-type]
                check,
                _operation_where(views, exchange),
                f"{failure.title}: {failure.message}",
            )
        ]
    if (
        check == "negative_data_rejection"
        and exchange is not None
        and _superseded(views, exchange, failure)
    ):
        return []  # the standard: a good api-version query supersedes a bad header
    if check in ACCEPTANCE_CHECKS or exchange is None:
        return [
            Judgement(
                "decision",
                check,
                _operation_where(views, exchange),
                f"{failure.title}: {failure.message} (the provider documents no validation "
                "rules: our reading of them differs from the target's)",
            )
        ]
    if check == "ignored_auth":
        level, sources = views.level_at(
            operation_pointer(exchange.method, exchange.path), "security", "operation"
        )
        return [
            Judgement(
                level,
                "security",
                _operation_where(views, exchange),
                f"{failure.title}: {failure.message}",
                sources,
            )
        ]
    return [
        Judgement(
            "decision",
            check,
            _operation_where(views, exchange),
            f"{failure.title}: {failure.message} (no evidence backs this check for this API)",
        )
    ]


def _superseded(views: Views, exchange: Exchange, failure: Any) -> bool:
    """The only invalid part of the request was the Api-Version header, beside an
    `api-version` query the contract accepts."""
    message = f"{getattr(failure, 'title', '')} {getattr(failure, 'message', '')}"
    if "`Api-Version` in header" not in message or "api-version" not in exchange.query:
        return False
    operation = pointer_get(views.full, operation_pointer(exchange.method, exchange.path))
    for parameter in operation.get("parameters") or []:
        if parameter.get("in") == "query" and parameter.get("name") == "api-version":
            allowed = (parameter.get("schema") or {}).get("enum")
            return allowed is None or exchange.query["api-version"] in allowed
    return False


def _operation_where(views: Views, exchange: Exchange | None) -> str:
    if exchange is None:
        return ""
    try:
        return views.where(operation_pointer(exchange.method, exchange.path))
    except KeyError:
        return ""
