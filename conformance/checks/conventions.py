"""NewDay conventions every response follows: session ids, versions, problem details."""

from __future__ import annotations

import re

from conformance.checks.base import Call, RunContext, Seen, check, violation
from conformance.judge import media_type

PROBLEM_JSON = "application/problem+json"
MAJOR = re.compile(r"([0-9]+)(?:\.[0-9]+)*")


@check
def client_session_id_echoed(ctx: RunContext, seen: Seen, call: Call) -> None:
    """A Client-Session-Id sent is echoed back unchanged, on every response."""
    sent = seen.request_headers.get("client-session-id")
    if sent is None or seen.headers.get("client-session-id") == sent:
        return
    came = "absent" if "client-session-id" not in seen.headers else "changed"
    raise violation(
        seen,
        "Client-Session-Id not echoed",
        f"the request's Client-Session-Id came back {came} on a {seen.status}; the standard: "
        "every API accepts it, any value, and passes it through",
        "standard",
        "standard.client-session-id",
        sources=("standard.client-session-id",),
    )


@check
def api_version_value(ctx: RunContext, seen: Seen, call: Call) -> None:
    """The Api-Version that answered is the major version asked for."""
    answered = seen.headers.get("api-version")
    if answered is None or not 200 <= seen.status < 300:
        return  # a missing header is judged with the documented headers; a refusal asks nothing
    asked = _asked_major(seen)
    match = MAJOR.fullmatch(answered.strip())
    if match is None:
        raise violation(
            seen,
            "Api-Version is not a version",
            f"Api-Version {answered!r}; our reading: major.minor such as 1.0",
            "decision",
            "Api-Version format",
        )
    if asked is not None and match.group(1) != asked:
        raise violation(
            seen,
            "Api-Version differs from the version asked for",
            f"asked for major version {asked}, answered {answered!r}; the standard: clients "
            "choose the major version",
            "standard",
            "standard.versioning",
            sources=("standard.versioning",),
        )


def _asked_major(seen: Seen) -> str | None:
    """The major version asked for: the `api-version` query supersedes the header."""
    value = seen.query.get("api-version") or seen.request_headers.get("api-version")
    match = MAJOR.fullmatch(value.strip()) if value else None
    return match.group(1) if match else None


@check
def problem_details(ctx: RunContext, seen: Seen, call: Call) -> None:
    """An error the contract does not document is still an RFC 7807 problem (the standard);
    documented ones are judged against their own schema."""
    if seen.status < 400:
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
            "standard",
            "standard.problem-details",
            sources=("standard.problem-details",),
        )
    _status_matches(seen)


def _status_matches(seen: Seen) -> None:
    status = seen.body.get("status")
    if status is not None and status != seen.status:
        raise violation(
            seen,
            "Problem status differs from the HTTP status",
            f"body status {status!r} on an HTTP {seen.status}; RFC 7807: `status`, when "
            "present, is the HTTP status",
            "standard",
            "standard.problem-details",
            sources=("standard.problem-details",),
        )
