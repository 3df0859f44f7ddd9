"""Each raw schemathesis check failure becomes a `Finding` here, in one place, graded by
evidence and redacted; findings are then merged by root cause."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.grading import Exchange, Outage, grade
from conformance.judge import Views
from conformance.redact import Redactor, body_json
from conformance.report.model import Finding, Reproduction, Violation

# Checks a documented outage does not break: the server said it cannot answer, and why.
OUTAGE_MASKED_CHECKS = frozenset(
    {"not_a_server_error", "positive_data_acceptance", "negative_data_rejection"}
)
# Checks that judge whether a status suits the request: moot when the status was asked for.
FORCED_MASKED_CHECKS = OUTAGE_MASKED_CHECKS | {
    "ignored_auth",
    "ensure_resource_availability",
    "use_after_free",
}
UNAVAILABLE_TYPE = "newday:generic:error:unavailable"


def is_outage(response: Any, documented: tuple[int, ...]) -> bool:
    """A documented 429, a 500 `unavailable` problem or a 503 with Retry-After: the target
    says it cannot answer now; that is an outage to count, not a contract failure."""
    if response is None:
        return False
    status = response.status_code
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    if status == 429:
        return 429 in documented
    if status == 503:
        return "retry-after" in headers
    if status == 500:
        body = body_json(response.content)
        return isinstance(body, dict) and body.get("type") == UNAVAILABLE_TYPE
    return False


def exchange_of(operation: str, interaction: Any) -> Exchange | None:
    """The response of a recorded interaction, as grading reads it."""
    response = getattr(interaction, "response", None)
    if response is None:
        return None
    method, _, path = operation.partition(" ")
    headers = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in response.headers.items()}
    query = dict(parse_qsl(urlsplit(str(interaction.request.uri)).query))
    return Exchange(
        method.lower(), path, response.status_code, headers, response.content or b"", query
    )


def to_finding(
    check: str,
    failure: Any,
    *,
    operation: str,
    interaction: Any,
    phase: str,
    redactor: Redactor,
    views: Views,
) -> list[Finding]:
    """One raw schemathesis check failure as redacted findings, graded by evidence: one per
    rule it breaks (none for an outage, or when the evidence backs nothing beyond another
    finding)."""
    graded = grade(views, check, failure, exchange_of(operation, interaction))
    if isinstance(graded, Outage) or not graded:
        return []
    status = None
    reproduction = None
    if interaction is not None:
        if interaction.response is not None:
            status = interaction.response.status_code
            redactor.learn(body_json(interaction.response.content))
        request = interaction.request
        curl = redactor.curl(request.method, request.uri, request.headers, request.body)
        needed = tuple(sorted(set(_env_refs(curl))))
        reproduction = Reproduction(curl, status, needed)
    return [
        Finding(
            violations=(
                Violation(
                    check=check,
                    rule=redactor.text(f"{judgement.where} {judgement.rule}".strip()),
                    title=redactor.text(failure.title),
                    message=redactor.text(judgement.message),
                    evidence=judgement.level,
                    where=judgement.where,
                    proposal=judgement.proposal,
                ),
            ),
            operations=[operation],
            statuses=[status] if status is not None else [],
            reproduction=reproduction,
            phase=phase,
        )
        for judgement in graded
    ]


def _env_refs(text: str) -> list[str]:
    return re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)


def merge_findings(raw: list[Finding]) -> list[Finding]:
    """One finding per root cause: the violations of one response are one finding (already
    joined by the caller); responses that broke the same set of rules, on one operation or
    many, are one finding listing the operations."""
    merged: dict[tuple[str, ...], Finding] = {}
    for finding in raw:
        key = finding.signature
        if key not in merged:
            merged[key] = replace(
                finding, operations=list(finding.operations), statuses=list(finding.statuses)
            )
            continue
        into = merged[key]
        into.count += finding.count
        for op in finding.operations:
            if op not in into.operations:
                into.operations.append(op)
        for status in finding.statuses:
            if status not in into.statuses:
                into.statuses.append(status)
        if into.reproduction is None:
            into.reproduction = finding.reproduction
    return list(merged.values())


def join_case(findings: list[Finding]) -> list[Finding]:
    """The violations of one response as one finding, failures apart from drift, so a
    response that breaks a known rule never hides what it says about our readings."""
    joined = []
    for failing in (True, False):
        part = [f for f in findings if (f.evidence != "decision") is failing]
        if not part:
            continue
        violations: dict[str, Violation] = {}
        for finding in part:
            for v in finding.violations:
                violations.setdefault(v.rule, v)
        joined.append(replace(part[0], violations=tuple(violations.values())))
    return joined


def request_digest(request: Any) -> str:
    """A fingerprint of one request as sent (method, URL, headers, body), never its content."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = sorted(
        (k.lower(), str(v))
        for k, v in (request.headers or {}).items()
        if k.lower() != "x-schemathesis-testcaseid"
    )
    head = f"{request.method} {request.uri}\n{headers}\n".encode()
    return hashlib.sha256(head + body).hexdigest()[:16]
