"""Every use of the conformance suite's grading internals, in one module.

A proxied exchange is judged by the same code that judges a conformance run: the response by
`conformance.judge.judge_response` against the enforced profile and the full reading, the
request against the full reading's request schema (the provider documents no validation, so a
request the contract rejects is drift at most, and only when the upstream accepted it), and
the behaviour checks of `conformance.checks.REGISTRY` that need no second request: a check that
asks the target again meets `NoFollowUp` and stops there. Each check failure is graded by
the run's grader (`conformance.recorder.ContractChecks`: levels computed from the rules a
check names), and the judgements become redacted `Finding`s, one per rule, that the run's one
recorder merges as it merges a conformance run's.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ndt_contract import Contract, Operation
from ndt_contract.bundle import escape

from conformance.checks import REGISTRY, RunContext, Violation
from conformance.exchange import Exchange
from conformance.judge import Judgement, Views, judge_instance, judge_response, operation_pointer
from conformance.recorder import Recorder, outage, response_check_of
from conformance.redact import Redactor, body_json, vocabulary_of
from conformance.report.model import Finding, Reproduction, RunResult
from conformance.report.model import Violation as ReportViolation

PHASE = "proxy"
RESPONSE_CACHE = 4096
_TITLES = {
    "status_code_conformance": "Undocumented status code",
    "content_type_conformance": "Undocumented Content-Type",
    "response_headers_conformance": "Missing documented header",
    "response_schema_conformance": "Response violates schema",
    "request_conformance": "The upstream accepted a request the contract rejects",
}


class NoFollowUp(Exception):
    """A check asked the target again: the proxy only judges what passed through."""


def no_follow_up(operation_id: str, **_: Any) -> Exchange:
    raise NoFollowUp(operation_id)


@dataclass(frozen=True)
class Route:
    operation: Operation
    path_parameters: Mapping[str, str]

    @property
    def label(self) -> str:
        return f"{self.operation.method.upper()} {self.operation.path}"


class Router:
    """The contract's operations by method and path template; literal paths before templated."""

    def __init__(self, contract: Contract) -> None:
        table = []
        for op in contract.operations.values():
            pattern = re.sub(
                r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.path.rstrip("/"))
            )
            table.append((op.path.count("{"), op.method, re.compile(pattern or "/"), op))
        self._table = sorted(table, key=lambda row: row[0])

    def match(self, method: str, path: str) -> Route | None:
        method = method.lower()
        path = path.rstrip("/") or "/"
        for _, verb, pattern, op in self._table:
            found = pattern.fullmatch(path)
            if found and verb == method:
                return Route(op, found.groupdict())
        return None


@dataclass(frozen=True)
class Proxied:
    """One exchange as it passed through, the bodies cut at the judging cap."""

    method: str
    path: str
    query: Mapping[str, str]
    request_headers: Mapping[str, str]  # lower-case names
    request_body: bytes
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    upstream_url: str = ""  # where a reproduction sends the request


@dataclass
class Judged:
    judgements: list[tuple[str, Judgement]] = field(default_factory=list)  # (check, judgement)
    outage: bool = False
    request_rejected: bool = False  # the contract rejects the request (the upstream did too)
    shown: list[dict[str, str]] = field(default_factory=list)  # failures, redacted, for a 502

    @property
    def failures(self) -> list[Judgement]:
        return [j for _, j in self.judgements if j.is_failure]

    @property
    def verdict(self) -> str:
        if self.outage:
            return "outage"
        if self.failures:
            return "fail"
        return "drift" if self.judgements else "pass"


class Judge:
    """One per proxy: the contract's two views, the checks' context and one redactor."""

    def __init__(
        self, contract: Contract, waived: tuple[str, ...] = (), secrets: Mapping[str, str] = {}
    ) -> None:
        self.views = Views.of(contract, waived)
        self.context = RunContext(self.views)
        self.redactor = Redactor(dict(secrets), vocabulary=vocabulary_of(contract.document))
        self.recorder = Recorder(self.views, self.redactor, RunResult("", 0))
        self.grading = self.recorder.grading
        self.checks = sorted(REGISTRY)
        self._responses: OrderedDict[bytes, list[Judgement]] = OrderedDict()
        # Every check name a finding of the proxy can carry (reports list each per operation).
        self.applied = sorted({*REGISTRY, *_TITLES, "not_a_server_error"})

    def judge(self, route: Route, seen: Proxied) -> Judged:
        op = route.operation
        exchange = Exchange(
            operation_id=op.operation_id,
            method=op.method,
            path=op.path,
            status=seen.status,
            headers=seen.headers,
            body=body_json(seen.body),
            request_headers=seen.request_headers,
            request_body=body_json(seen.request_body),
            path_parameters=route.path_parameters,
            query=seen.query,
            content=seen.body,
            url=seen.upstream_url,
            request_content=seen.request_body,
        )
        if outage(exchange) is not None:
            return Judged(outage=True)
        judged = Judged()
        for judgement in self._response(op, seen):
            judged.judgements.append((_response_check(judgement), judgement))
        request = self._request_judgements(op, seen)
        if request and 200 <= seen.status < 300:
            judged.judgements += [("request_conformance", j) for j in request]
        judged.request_rejected = bool(request) and not 200 <= seen.status < 300
        if seen.status == 500:  # 502-504 are the gateway's: only the API's own 500 is judged
            failure = _ServerError()
            for judgement in self.grading.grade("not_a_server_error", failure, exchange):
                judged.judgements.append(("not_a_server_error", judgement))
        judged.judgements += self._checks(exchange)
        return judged

    def _response(self, op: Operation, seen: Proxied) -> list[Judgement]:
        """`judge_response`, remembered for what it reads: the status, the Content-Type, which
        headers are present (never their values) and the body. The same profile fetched again
        (with another session id, trace id or date) is not validated twice."""
        key = hashlib.blake2b(
            "\n".join(
                [
                    op.operation_id,
                    str(seen.status),
                    seen.headers.get("content-type", ""),
                    *sorted(seen.headers),
                ]
            ).encode("utf-8", "surrogateescape")
            + b"\0"
            + seen.body,
            digest_size=20,
        ).digest()
        found = self._responses.get(key)
        if found is None:
            found = judge_response(
                self.views, op.method, op.path, seen.status, seen.headers, seen.body
            )
            self._responses[key] = found
            if len(self._responses) > RESPONSE_CACHE:
                self._responses.popitem(last=False)
        else:
            self._responses.move_to_end(key)
        return found

    def _request_judgements(self, op: Operation, seen: Proxied) -> list[Judgement]:
        schema = op.request_schema()
        if schema is None or seen.method.upper() in ("GET", "HEAD"):
            return []
        pointer = operation_pointer(op.method, op.path)
        schema_ptr = f"{pointer}/requestBody/content/{escape('application/json')}/schema"
        instance = body_json(seen.request_body)
        if instance is None:
            where = self.views.where(pointer)
            return [Judgement("decision", "request/json", where, "a request body that is not JSON")]
        found = judge_instance(self.views, schema_ptr, schema, None, instance)
        return [
            Judgement(
                "decision",
                f"request/{j.rule}",
                j.where,
                f"request: {j.message}",
                proposal=j.proposal,
                field=j.field,
            )
            for j in found
        ]

    def _checks(self, exchange: Exchange) -> list[tuple[str, Judgement]]:
        found: list[tuple[str, Judgement]] = []
        for name in self.checks:
            try:
                REGISTRY[name].function(self.context, exchange, no_follow_up)
            except NoFollowUp:
                continue
            except Violation as failure:
                found += [(name, j) for j in self.grading.grade(name, failure, exchange)]
        return found

    # -- findings, as a conformance run reports them ------------------------------------

    def findings(self, route: Route, seen: Proxied, judged: Judged) -> list[Finding]:
        """The judged exchange as redacted findings, one per rule it breaks."""
        return [
            Finding(
                violations=(
                    ReportViolation(
                        check=check,
                        rule=self.redactor.text(f"{j.where} {j.rule}".strip()),
                        title=self.redactor.text(_TITLES.get(check, check)),
                        message=self.redactor.text(j.message),
                        evidence=j.level,
                        where=j.where,
                        proposal=j.proposal,
                    ),
                ),
                operations=[route.label],
                statuses=[seen.status],
                reproduction=None,
                phase=PHASE,
            )
            for check, j in judged.judgements
        ]

    def reproduction(self, seen: Proxied) -> Reproduction:
        """A redacted curl that replays the request against the upstream, as printed."""
        self.redactor.learn(body_json(seen.body))
        headers = {k: v for k, v in seen.request_headers.items() if k != "host"}
        curl = self.redactor.curl(
            seen.method, seen.upstream_url, headers, seen.request_body or None
        )
        env = tuple(sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", curl))))
        return Reproduction(curl, seen.status, env)

    def text(self, message: str) -> str:
        return self.redactor.text(message)

    def learn_secret(self, value: str, env: str) -> None:
        self.redactor.secrets.setdefault(value, env)


class _ServerError:
    title = "Server error"
    message = "the API answered 500"


def _response_check(judgement: Judgement) -> str:
    return response_check_of(judgement.rule)


def describe(judgements: list[Judgement]) -> list[str]:
    """`[level] where rule` per judgement, failures first: what a header or log names."""
    ordered = sorted(judgements, key=lambda j: (not j.is_failure, j.where, j.rule))
    return [f"[{j.level}] {j.where} {j.rule}" for j in ordered]
