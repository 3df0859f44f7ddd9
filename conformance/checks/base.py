"""What every check shares: the seen exchange, the graded violation, the run's context, and a
local registry that is handed to schemathesis for one run only.

A check is a pure function of what was seen (and, for oracles that ask again, of a `call`
function), so each branch is tested on hand-built exchanges; `adapt` turns it into the
`(ctx, response, case)` function schemathesis calls.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from ndt_contract.evidence import Level
from schemathesis.core.failures import Failure

from conformance.judge import PatchOp, Views, operation_pointer
from conformance.redact import body_json


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to, as the test data says."""

    customer_id: str
    no_account: bool | None = None  # None: the test data does not say


@dataclass(frozen=True)
class Seen:
    """One exchange, reduced to what the checks read. Header names are lower case."""

    operation_id: str
    method: str
    path: str  # the contract's path template
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # parsed JSON, or None
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: Any = None
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def token(self) -> str | None:
        value = self.request_headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


class Call(Protocol):
    """Ask the target again: an operation by id, with a body or path parameters."""

    def __call__(
        self,
        operation_id: str,
        *,
        body: Any = None,
        path_parameters: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Seen: ...


class Violation(Failure):
    """A check failure that carries the evidence of the rule it breaks."""

    code = "NDT"
    kind_title = "Customer API contract check failed"

    def __init__(
        self,
        *,
        operation: str | None,
        title: str,
        message: str,
        level: Level,
        rule: str,
        sources: tuple[str, ...] = (),
        where: str = "",
        proposal: tuple[PatchOp, ...] = (),
    ) -> None:
        super().__init__(operation=operation, title=title, message=message)
        self.level = level
        self.rule = rule
        self.sources = sources
        self.where = where
        self.proposal = proposal


@dataclass
class RunContext:
    """What checks know beyond the exchange: the contract's views, who each token is, and a
    budget for oracles that ask the target again (bounded, so a staging run stays polite)."""

    views: Views
    identities: Mapping[str, Identity] = field(default_factory=dict)
    probe_budget: int = 5  # per kind of probe
    probed: dict[str, set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def claim_probe(self, kind: str, key: str) -> bool:
        """True once per (kind, key) while that kind's budget lasts."""
        with self.lock:
            keys = self.probed.setdefault(kind, set())
            if key in keys or len(keys) >= self.probe_budget:
                return False
            keys.add(key)
            return True

    def where(self, operation_id: str) -> str:
        op = self.views.contract.operation(operation_id)
        return self.views.where(operation_pointer(op.method, op.path))


PureCheck = Callable[[RunContext, Seen, Call], None]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    function: PureCheck
    doc: str


REGISTRY: dict[str, CheckSpec] = {}


def check(function: PureCheck) -> PureCheck:
    """Add a check to our registry (never to schemathesis' own: see `registered`)."""
    REGISTRY[function.__name__] = CheckSpec(
        function.__name__, function, next(iter((function.__doc__ or "").strip().splitlines()), "")
    )
    return function


def violation(
    seen: Seen,
    title: str,
    message: str,
    level: Level,
    rule: str,
    *,
    where: str = "",
    sources: tuple[str, ...] = (),
    proposal: tuple[PatchOp, ...] = (),
) -> Violation:
    return Violation(
        operation=f"{seen.method.upper()} {seen.path}",
        title=title,
        message=message,
        level=level,
        rule=rule,
        sources=sources,
        where=where,
        proposal=proposal,
    )


# -- the seam with schemathesis ------------------------------------------------------------

_ACTIVE: RunContext | None = None


def seen_from(response: Any, case: Any) -> Seen:
    request = response.request
    request_headers = {k.lower(): v for k, v in (getattr(request, "headers", None) or {}).items()}
    return Seen(
        operation_id=case.operation.definition.raw.get("operationId", ""),
        method=case.operation.method.lower(),
        path=case.operation.path,
        status=response.status_code,
        headers={k.lower(): v[0] for k, v in response.headers.items() if v},
        body=body_json(response.content),
        request_headers=request_headers,
        request_body=body_json(getattr(request, "body", None)),
        path_parameters=dict(case.path_parameters or {}),
        query=dict(parse_qsl(urlsplit(str(getattr(request, "url", "") or "")).query)),
    )


FORWARDED = ("authorization", "api-version", "client-session-id")


def caller(case: Any, seen: Seen) -> Call:
    """Ask the same target again, with the version and session the original request carried,
    and the original's token, unless the run authenticates through an auth provider (OAuth2):
    then the provider puts a current token on the probe, as on any generated request, so a
    token that expired since the original request cannot make the probe refused."""

    def call(
        operation_id: str,
        *,
        body: Any = None,
        path_parameters: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Seen:
        operation = case.operation.schema.find_operation_by_id(operation_id)
        kwargs: dict[str, Any] = {"path_parameters": dict(path_parameters or {})}
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        follow = operation.Case(**kwargs)
        provided = _authenticate(follow)
        forwarded = {
            k: v
            for k, v in seen.request_headers.items()
            if k in FORWARDED and not (provided and k == "authorization")
        }
        forwarded.update(headers or {})
        response = follow.call(headers=forwarded)
        return seen_from(response, follow)

    return call


def _authenticate(case: Any) -> bool:
    """Apply the run's auth provider to `case`; False when the run has none."""
    schema = case.operation.schema
    if not schema.auth.is_defined:
        return False
    from schemathesis.auths import AuthContext, set_on_case

    set_on_case(case, AuthContext(operation=case.operation, app=case.operation.app), None)
    return True


def adapt(spec: CheckSpec) -> Callable[[Any, Any, Any], bool | None]:
    def run(ctx: Any, response: Any, case: Any) -> bool | None:
        if _ACTIVE is None:
            return None
        seen = seen_from(response, case)
        spec.function(_ACTIVE, seen, caller(case, seen))
        return None  # schemathesis 4 counts a truthy return as "skipped"

    run.__name__ = spec.name
    run.__doc__ = spec.doc
    return run


@contextlib.contextmanager
def registered(context: RunContext, names: frozenset[str] | None = None) -> Iterator[list[str]]:
    """Our checks, registered with schemathesis for one run and removed after it, so importing
    this package never changes a team's own schemathesis tests."""
    from schemathesis.checks import CHECKS

    global _ACTIVE
    chosen = [s for s in REGISTRY.values() if names is None or s.name in names]
    taken = set(CHECKS.get_all_names())
    clash = sorted(s.name for s in chosen if s.name in taken)
    if clash:
        raise RuntimeError(f"checks already registered with schemathesis: {clash}")
    for spec in chosen:
        CHECKS.register(adapt(spec))
    _ACTIVE = context
    try:
        yield [s.name for s in chosen]
    finally:
        _ACTIVE = None
        for spec in chosen:
            CHECKS.unregister(spec.name)
