"""What a run found, redacted: the one value every reporter reads, and the exit code rule.

A `Finding` is one root cause: the rules one response broke together, on every operation where
the same happened. Its `evidence` says how sure the contract is of the rule it breaks:
known and standard rules fail the run; decision-level ones are drift, reported apart, failing
only under --strict. Outages (a documented 429, a 500 `newday:generic:error:unavailable`, a 503
with Retry-After) are neither: they make a run inconclusive past a threshold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

Evidence = Literal["known", "standard", "decision"]
EVIDENCE_ORDER: dict[str, int] = {"known": 0, "standard": 1, "decision": 2}

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3

EXIT_CODES_HELP = (
    "exit codes: 0 pass; 1 contract or standard failures (or drift with --strict); "
    "2 usage error or refused target; 3 inconclusive: the run could not test what it meant to "
    "(unreachable, unhealthy, wrong base path, the token never accepted, an operation that never "
    "answered a documented success, --max-time before every phase ran, outages past "
    "--outage-threshold)"
)


@dataclass(frozen=True)
class Violation:
    """One rule broken by one response: the check that saw it and what it said."""

    check: str
    rule: str
    title: str
    message: str
    evidence: Evidence = "standard"
    where: str = ""  # the spec location stating the rule ("components/schemas.yaml#/Address")
    proposal: tuple[Any, ...] = ()  # drift only: the JSON Patch that accepts what came
    sources: tuple[str, ...] = ()  # the evidence sources the level was computed from


@dataclass(frozen=True)
class Reproduction:
    """A redacted request that runs as printed, given the environment variables it names."""

    curl: str
    status: int | None
    env: tuple[str, ...] = ()


@dataclass
class Finding:
    """One root cause. `check`, `rule`, `title`, `message`, `evidence` are its leading
    violation's (the strongest evidence); `violations` lists every rule the response broke."""

    violations: tuple[Violation, ...]
    operations: list[str]
    statuses: list[int]
    reproduction: Reproduction | None
    phase: str
    count: int = 1
    baselined: bool = False

    @property
    def lead(self) -> Violation:
        return min(self.violations, key=lambda v: EVIDENCE_ORDER.get(v.evidence, 1))

    @property
    def check(self) -> str:
        return self.lead.check

    @property
    def rule(self) -> str:
        return self.lead.rule

    @property
    def title(self) -> str:
        return self.lead.title

    @property
    def message(self) -> str:
        return self.lead.message

    @property
    def evidence(self) -> Evidence:
        return self.lead.evidence

    @property
    def checks(self) -> list[str]:
        return sorted({v.check for v in self.violations})

    @property
    def operation(self) -> str:
        """The first operation (several when one rule broke the same way on many)."""
        return self.operations[0]

    @property
    def signature(self) -> tuple[str, ...]:
        """What makes two responses the same root cause: the set of rules they broke."""
        return tuple(sorted({v.rule for v in self.violations}))

    @property
    def keys(self) -> frozenset[str]:
        """One key per (rule, operation) the finding covers: what a baseline stores, so a seed
        that reaches the same rule on fewer or more operations changes nothing it accepted."""
        return frozenset(
            _key(rule, operation) for rule in self.signature for operation in self.operations
        )

    @property
    def fingerprint(self) -> str:
        """Stable across runs (no values, no seeds, no counts): the finding's keys, hashed."""
        return hashlib.sha256("|".join(sorted(self.keys)).encode()).hexdigest()[:16]


def _key(rule: str, operation: str) -> str:
    return hashlib.sha256(f"{rule}||{operation}".encode()).hexdigest()[:16]


class RunError(str):
    """An error met while testing; `fatal` when the engine could not go on."""

    fatal: bool

    def __new__(cls, message: str, *, fatal: bool = False) -> RunError:
        error = super().__new__(cls, message)
        error.fatal = fatal
        return error


@dataclass
class OperationStats:
    label: str
    operation_id: str = ""
    cases: int = 0
    responses: int = 0
    documented: tuple[int, ...] = ()
    observed: dict[int, int] = field(default_factory=dict)  # status -> responses
    outages: int = 0
    forced: tuple[int, ...] = ()  # statuses reached only by the mock's Prefer: code=N
    auth_or_missing: int = 0  # responses that were 401 or 404
    checks_run: set[str] = field(default_factory=set)  # checks that judged a response here
    notes: list[str] = field(default_factory=list)

    @property
    def missed(self) -> tuple[int, ...]:
        return tuple(s for s in self.documented if s not in self.observed)

    @property
    def outage_share(self) -> float:
        return self.outages / self.responses if self.responses else 0.0


@dataclass
class Verdict:
    code: int
    reason: str


@dataclass
class RunResult:
    base_url: str
    seed: int
    operations: dict[str, OperationStats] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    testdata_source: str = ""
    phases: tuple[str, ...] = ()
    phases_run: tuple[str, ...] = ()  # phases the engine finished (not skipped, not cut)
    unreachable: str | None = None  # why the target could not be tested at all
    stopped_early: str | None = None  # e.g. --max-time reached
    strict: bool = False
    require_coverage: bool = False
    outage_threshold: float = 0.2
    case_digests: list[str] = field(default_factory=list)  # request fingerprints, for replay tests
    env_needed: dict[str, str] = field(
        default_factory=dict
    )  # variable -> where its value comes from
    workers: int = 1
    checks: list[str] = field(default_factory=list)  # the checks this run applied
    # Why the run could not test what it meant to (each one line): exit 3 unless it failed.
    inconclusive: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return sum(op.cases for op in self.operations.values())

    @property
    def failures(self) -> list[Finding]:
        """Known and standard findings not accepted by a baseline: these fail the run."""
        return [f for f in self.findings if f.evidence != "decision" and not f.baselined]

    @property
    def drift(self) -> list[Finding]:
        """Decision-level findings: our reading of the contract, not the provider's word."""
        return [f for f in self.findings if f.evidence == "decision" and not f.baselined]

    @property
    def baselined(self) -> list[Finding]:
        return [f for f in self.findings if f.baselined]

    @property
    def outages(self) -> dict[str, int]:
        return {label: op.outages for label, op in self.operations.items() if op.outages}

    @property
    def uncovered(self) -> dict[str, tuple[int, ...]]:
        return {label: op.missed for label, op in self.operations.items() if op.missed}

    @property
    def passed(self) -> bool:
        return self.verdict().code == EXIT_PASS

    def verdict(self) -> Verdict:
        """The exit code and its one-line reason; the only place both are decided."""
        if self.unreachable:
            return Verdict(EXIT_INCONCLUSIVE, f"INCONCLUSIVE: {self.unreachable}")
        tested = [op for op in self.operations.values() if op.responses]
        if self.cases and not tested:
            return Verdict(EXIT_INCONCLUSIVE, "INCONCLUSIVE: no response was received")
        dead = sorted(
            op.label for op in tested if op.auth_or_missing == op.responses and op.responses >= 3
        )
        if dead:
            return Verdict(
                EXIT_INCONCLUSIVE,
                f"INCONCLUSIVE: every response of {', '.join(dead)} was 401 or 404 "
                "(wrong base path or token?)",
            )
        failures, drift = self.failures, self.drift
        if failures or (self.strict and drift):
            parts = [f"{len(failures)} contract/standard failure(s)"]
            if drift:
                parts.append(f"{len(drift)} drift{' (--strict)' if self.strict else ''}")
            return Verdict(EXIT_FAIL, "FAIL: " + ", ".join(parts))
        fatal = [e for e in self.errors if getattr(e, "fatal", False)]
        if fatal:
            return Verdict(EXIT_INCONCLUSIVE, f"INCONCLUSIVE: fatal: {fatal[0]}")
        if self.inconclusive:
            more = f" (and {len(self.inconclusive) - 1} more)" if len(self.inconclusive) > 1 else ""
            return Verdict(EXIT_INCONCLUSIVE, f"INCONCLUSIVE: {self.inconclusive[0]}{more}")
        down = sorted(
            f"{op.label} ({op.outage_share:.0%})"
            for op in tested
            if op.outage_share > self.outage_threshold
        )
        if down:
            return Verdict(
                EXIT_INCONCLUSIVE,
                f"INCONCLUSIVE: outages past {self.outage_threshold:.0%} on {', '.join(down)}",
            )
        if self.errors:
            return Verdict(
                EXIT_INCONCLUSIVE,
                f"INCONCLUSIVE: {len(self.errors)} error(s) while testing: {self.errors[0][:160]}",
            )
        if self.require_coverage and self.uncovered:
            missed = "; ".join(
                f"{label} {','.join(map(str, codes))}" for label, codes in self.uncovered.items()
            )
            return Verdict(EXIT_FAIL, f"FAIL: documented statuses never reached: {missed}")
        extra = []
        if drift:
            extra.append(f"{len(drift)} drift")
        if self.baselined:
            extra.append(f"{len(self.baselined)} baselined")
        tail = f" ({', '.join(extra)})" if extra else ""
        return Verdict(EXIT_PASS, f"PASS: the target honours the contract{tail}")
