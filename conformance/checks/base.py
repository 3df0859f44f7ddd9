"""What every check shares: the exchange, the violation naming the rules it rests on, the run's
context, and a local registry that is handed to schemathesis for one run only.

A check is a pure function of an exchange (and, for oracles that ask again, of a `call`
function), so each branch is tested on hand-built exchanges; `adapt` turns it into the
`(ctx, response, case)` function schemathesis calls. A check never states a level: it names
behaviour rules of the contract, and the recorder computes the level from them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ndt_contract.behaviours import Rule, behaviours
from schemathesis.core.failures import Failure

from conformance.exchange import Exchange, exchange_from
from conformance.judge import PatchOp, Views, operation_pointer


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to, as the test data says."""

    customer_id: str
    no_account: bool | None = None  # None: the test data does not say


class Call(Protocol):
    """Ask the target again: an operation by id, with a body or path parameters."""

    def __call__(
        self,
        operation_id: str,
        *,
        body: Any = None,
        path_parameters: Mapping[str, str] | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Exchange: ...


class Violation(Failure):
    """A check failure naming the behaviour rules it rests on (the first is the one it breaks;
    the others are what the verdict also needs, such as our reading of matching)."""

    code = "NDT"
    kind_title = "Customer API contract check failed"

    def __init__(
        self,
        *,
        operation: str | None,
        title: str,
        message: str,
        rules: tuple[str, ...],
        where: str = "",
        proposal: tuple[PatchOp, ...] = (),
        shown: Exchange | None = None,
    ) -> None:
        super().__init__(operation=operation, title=title, message=message)
        self.rules = rules
        self.where = where
        self.proposal = proposal
        self.shown = shown  # the exchange that shows the break (a follow-up, for an oracle)

    @property
    def rule(self) -> str:
        return self.rules[0]


@dataclass
class RunContext:
    """What checks know beyond the exchange: the contract's views, who each token is, and a
    budget for oracles that ask the target again (bounded, so a staging run stays polite)."""

    views: Views
    identities: Mapping[str, Identity] = field(default_factory=dict)
    probe_budget: int = 5  # per kind of probe
    probed: dict[str, set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Every answer an oracle's follow-up gets is judged like any other (the recorder's).
    observe: Callable[[Exchange], None] | None = None
    # What every request of the run carries outside the engine: the user's headers and the
    # transport's settings (TLS, client certificate, timeout).
    headers: Mapping[str, str] = field(default_factory=dict)
    transport: Mapping[str, Any] = field(default_factory=dict)
    rules: Mapping[str, Rule] = field(default_factory=dict)
    id_pairs: dict[str, set[str]] = field(default_factory=dict)  # customerId -> profile ids
    # A profile's id -> who it is ({customerRef, ssoId} as shown), from every answer showing it.
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.rules:
            self.rules = behaviours(self.views.full)

    def learn_id(self, path_id: str, body_id: str) -> set[str]:
        """Record that GetCustomer for `path_id` answered a profile with `body_id`; returns the
        profile ids this path id has answered with in the run."""
        with self.lock:
            self.id_pairs.setdefault(path_id, set()).add(body_id)
            return set(self.id_pairs[path_id])

    def learn_profile(self, profile: Mapping[str, Any]) -> dict[str, Any] | None:
        """Remember who a profile is by its id; returns who that id was before, if known."""
        profile_id = profile.get("id")
        if not isinstance(profile_id, str):
            return None
        with self.lock:
            return self.profiles.setdefault(profile_id, who_is(profile))

    def ids_are_path_ids(self) -> bool:
        """The target's own answers show a profile's id is the customerId it was asked with."""
        with self.lock:
            return bool(self.id_pairs) and all(ids == {p} for p, ids in self.id_pairs.items())

    def rule_setting(self, rule: str, key: str) -> Any:
        """A member of one of the contract's behaviour rules (a check's data, not its code)."""
        found = self.rules.get(rule)
        return None if found is None else found.settings.get(key)

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


PureCheck = Callable[[RunContext, Exchange, Call], None]
WHO = ("customerRef", "ssoId")


def who_is(profile: Mapping[str, Any]) -> dict[str, Any]:
    """What tells one customer from another in a profile: its customerRef and ssoId."""
    return {k: profile[k] for k in WHO if profile.get(k) is not None}


def other_customer(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Two profiles are of different customers when a field telling customers apart differs
    where both show it (a missing field says nothing)."""
    a, b = who_is(first), who_is(second)
    return any(k in a and k in b and a[k] != b[k] for k in WHO)


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
    seen: Exchange,
    title: str,
    message: str,
    *rules: str,
    where: str = "",
    proposal: tuple[PatchOp, ...] = (),
) -> Violation:
    """A failure of `seen` that breaks `rules[0]` and rests on every rule named."""
    if not rules:
        raise ValueError("a violation names the rules it rests on")
    return Violation(
        operation=seen.label,
        title=title,
        message=message,
        rules=rules,
        where=where,
        proposal=proposal,
        shown=seen,
    )


# -- the seam with schemathesis ------------------------------------------------------------

_ACTIVE: RunContext | None = None


FORWARDED = ("authorization", "api-version", "client-session-id")


def caller(case: Any, seen: Exchange, context: RunContext | None = None) -> Call:
    """Ask the same target again, with the version and session the original request carried,
    and the original's token, unless the run authenticates through an auth provider (OAuth2):
    then the provider puts a current token on the probe, as on any generated request, so a
    token that expired since the original request cannot make the probe refused."""

    def call(
        operation_id: str,
        *,
        body: Any = None,
        path_parameters: Mapping[str, str | None] | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Exchange:
        operation = case.operation.schema.find_operation_by_id(operation_id)
        kwargs: dict[str, Any] = {"path_parameters": dict(path_parameters or {})}
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        follow = operation.Case(**kwargs)
        provided = authenticate(follow)
        sent: dict[str, str | None] = {
            k: v
            for k, v in seen.request_headers.items()
            if k in FORWARDED and not (provided and k == "authorization")
        }
        return send(follow, {**sent, **(headers or {})}, context)

    return call


def send(case: Any, headers: Mapping[str, str | None], context: RunContext | None) -> Exchange:
    """One request outside the engine, with the run's headers and transport settings; a header
    given as None is not sent (a probe without a token)."""
    names = {k.lower() for k in headers}
    sent: dict[str, Any] = dict(headers)  # requests drops a header whose value is None
    if context is not None:
        sent.update({k: v for k, v in context.headers.items() if k.lower() not in names})
    transport = dict(context.transport) if context is not None else {}
    response = case.call(headers=sent, **transport)
    answered = exchange_from(response, case)
    if context is not None and context.observe is not None:
        context.observe(answered)
    return answered


def authenticate(case: Any) -> bool:
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
        seen = exchange_from(response, case)
        spec.function(_ACTIVE, seen, caller(case, seen, _ACTIVE))
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
