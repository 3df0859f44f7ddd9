"""NewDay conventions every response follows: session ids, versions, problem details."""

from __future__ import annotations

import re

from conformance.checks.base import Call, RunContext, check, violation
from conformance.exchange import Exchange
from conformance.judge import media_type

PROBLEM_JSON = "application/problem+json"
MAJOR = re.compile(r"([0-9]+)(?:\.[0-9]+)*")
MAJOR_MINOR = re.compile(r"[0-9]+\.[0-9]+")
PROBLEM_RULE = "conventions.problem-details"


@check
def client_session_id_echoed(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A Client-Session-Id sent comes back unchanged (our reading: the standard says accept
    and pass it through, not echo)."""
    sent = seen.request_headers.get("client-session-id")
    if sent is None or seen.headers.get("client-session-id") == sent:
        return
    came = "absent" if "client-session-id" not in seen.headers else "changed"
    raise violation(
        seen,
        "Client-Session-Id not echoed",
        f"the request's Client-Session-Id came back {came} on a {seen.status}; our reading: "
        "it is echoed (the standard asks that it be accepted and passed through)",
        "conventions.session-id-echo",
    )


@check
def api_version_value(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A response's Api-Version is major.minor, of the major version asked for."""
    answered = seen.headers.get("api-version")
    if answered is None or not 200 <= seen.status < 300:
        return  # a missing header is judged with the documented headers; a refusal asks nothing
    value = answered.strip()
    if MAJOR_MINOR.fullmatch(value) is None:
        raise violation(
            seen,
            "Api-Version is not major.minor",
            f"answered Api-Version {answered!r}; the standard: responses carry the major and "
            "minor version of the API that processed the request (1.0)",
            "conventions.api-version-major-minor",
        )
    asked = _asked_major(seen)
    if asked is not None and value.split(".")[0] != asked:
        raise violation(
            seen,
            "Api-Version differs from the version asked for",
            f"asked for major version {asked}, answered {answered!r}; the standard: clients "
            "choose the major version",
            "conventions.api-version-asked",
        )


def _asked_major(seen: Exchange) -> str | None:
    """The major version asked for: the `api-version` query supersedes the header."""
    value = seen.query.get("api-version") or seen.request_headers.get("api-version")
    match = MAJOR.fullmatch(value.strip()) if value else None
    return match.group(1) if match else None


def gateway_statuses(ctx: RunContext) -> frozenset[int]:
    """Statuses a gateway may answer in its own shape, as the contract's rule lists them."""
    listed = ctx.rule_setting(PROBLEM_RULE, "gateway-statuses") or []
    return frozenset(int(s) for s in listed if str(s).isdigit())


@check
def problem_details(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """An error the API itself answers that the contract does not document is still an RFC 7807
    problem; documented ones are judged against their own schema, and the gateway's statuses
    are the gateway's."""
    if seen.status < 400 or seen.status in gateway_statuses(ctx):
        return
    op = ctx.views.contract.operation(seen.operation_id)
    if seen.status in op.documented_statuses:
        return
    media = media_type(seen.headers.get("content-type"))
    if media != PROBLEM_JSON or not isinstance(seen.body, dict):
        raise violation(
            seen,
            "Error is not a problem",
            f"an undocumented {seen.status} came as {media or 'no content type'!r}; the "
            f"standard: every error is an RFC 7807 problem, {PROBLEM_JSON}",
            PROBLEM_RULE,
        )
    _status_matches(seen)


def _status_matches(seen: Exchange) -> None:
    status = seen.body.get("status")
    if status is not None and status != seen.status:
        raise violation(
            seen,
            "Problem status differs from the HTTP status",
            f"body status {status!r} on an HTTP {seen.status}; RFC 7807: `status`, when "
            "present, is the HTTP status",
            "conventions.problem-status",
        )


UNAVAILABLE = "newday:generic:error:unavailable"


@check
def unavailable_retry_after(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A dependency that cannot answer says when to come back: the unavailable 500 carries
    Retry-After (the generic 500 need not)."""
    if seen.status != 500 or not isinstance(seen.body, dict):
        return
    if seen.body.get("type") != UNAVAILABLE or (seen.headers.get("retry-after") or "").strip():
        return
    raise violation(
        seen,
        "Unavailable without Retry-After",
        "a 500 newday:generic:error:unavailable came without Retry-After; the standard: a "
        "dependency that cannot answer says when to retry (Retry-After: 2)",
        "conventions.unavailable-retry-after",
    )
