"""A run is one recorder: every source of exchanges (the engine's phases, status coverage, the
oracles' probes, the validation proxy) feeds it exchanges and the checks that failed on them; it
counts, tells outages apart, grades each failure by the evidence of the rules it rests on, and
redacts once, where findings leave the run; `freeze` turns it into the `RunResult` reporters read.

Grading: response conformance (status, media type, headers, schema) is judged again by `judge`
against the enforced profile and the full reading, rule by rule; our own checks name behaviour
rules of the contract (`x-behaviours`) and their level is computed from those rules; what the
target accepts or refuses is `requests.validation`, our reading; anything else rests on no
evidence and is drift.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ndt_contract.behaviours import BEHAVIOURS, Rule, behaviours, rules_level
from ndt_contract.bundle import escape, pointer_get

from conformance.exchange import Exchange
from conformance.judge import Judgement, PatchOp, Views, judge_response, operation_pointer
from conformance.redact import Redactor
from conformance.report.model import (
    Finding,
    OperationStats,
    Reproduction,
    RunError,
    RunResult,
    Violation,
)

# Every answer an oracle or probe gets is judged against the contract under this name.
FOLLOW_UP_CHECK = "response_conformance"
# Built-in checks that judge the response against the documented responses (and ours).
RESPONSE_CHECKS = frozenset(
    {
        FOLLOW_UP_CHECK,
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    }
)
# Built-in checks about what the target accepts: its validation is documented nowhere.
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
# Checks an outage does not break: the target said it cannot answer now.
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
SERVER_ERROR_RULE = "self.server-error"
VALIDATION_RULE = "requests.validation"
TOKEN_REQUIRED_RULE = "identity.token-required"


class _FollowUp:
    """What `FOLLOW_UP_CHECK` hands the judge: the judge finds what, if anything, broke."""

    title = "Response conformance"
    message = "the answer departs from the contract"


FOLLOW_UP = _FollowUp()


@dataclass(frozen=True)
class Outage:
    """The target saying "not now": counted per operation, never a failure by itself."""

    status: int
    retry_after: str | None


def outage(exchange: Exchange) -> Outage | None:
    """The one outage rule, from the standard's words: a 429 is the gateway's throttle and a 503
    the gateway's "unavailable" whatever they carry; a 500 is an outage only when the API says a
    dependency cannot answer (`newday:generic:error:unavailable`), with or without Retry-After
    (a missing Retry-After is judged as the header rule it is). Any other 5xx is the target's
    own failure, Retry-After or not."""
    retry = (exchange.headers.get("retry-after") or "").strip() or None
    if exchange.status in (429, 503):
        return Outage(exchange.status, retry)
    if exchange.status == 500:
        body = exchange.body
        if isinstance(body, dict) and body.get("type") == UNAVAILABLE_TYPE:
            return Outage(500, retry)
    return None


class ContractChecks:
    """Levels computed from the contract: behaviour rules and the schema's own claims."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.rules: dict[str, Rule] = behaviours(views.full)

    def level(self, names: Iterable[str]) -> tuple[Any, tuple[str, ...]]:
        return rules_level(self.rules, names, self.views.levels)

    def grade(self, check: str, failure: Any, exchange: Exchange | None) -> list[Judgement]:
        """The graded findings behind one failed check (possibly none)."""
        rules = getattr(failure, "rules", None)
        if rules:  # our own checks name the rules they rest on
            level, sources = self.level(rules)
            proposal = tuple(getattr(failure, "proposal", ())) or (
                self._drop_readings(rules) if level == "decision" else ()
            )
            return [
                Judgement(
                    level,
                    rules[0],
                    getattr(failure, "where", ""),
                    f"{failure.title}: {failure.message}",
                    sources,
                    proposal,
                )
            ]
        where = self._where(exchange)
        if exchange is not None and check == "not_a_server_error":
            level, sources = self.level([SERVER_ERROR_RULE])
            return [
                Judgement(
                    level,
                    SERVER_ERROR_RULE,
                    where,
                    f"answered {exchange.status}, not an outage (a 429, a 503 or a 500 "
                    f"{UNAVAILABLE_TYPE}): the target failed on this request",
                    sources,
                )
            ]
        if exchange is not None and check in RESPONSE_CHECKS:
            return judge_response(
                self.views,
                exchange.method,
                exchange.path,
                exchange.status,
                exchange.headers,
                exchange.raw,
            )
        if check in REQUESTED_CHECKS:
            return [Judgement("requested", check, where, f"{failure.title}: {failure.message}")]  # type: ignore[arg-type]
        if (
            check == "negative_data_rejection"
            and exchange is not None
            and self._superseded(exchange, failure)
        ):
            return []  # the standard: a good api-version query supersedes a bad header
        if check in ACCEPTANCE_CHECKS or exchange is None:
            level, sources = self.level([VALIDATION_RULE])
            return [
                Judgement(
                    level,
                    check,
                    where,
                    f"{failure.title}: {failure.message} (the provider documents no validation "
                    "rules: our reading of them differs from the target's)",
                    sources,
                )
            ]
        if check == "ignored_auth":
            pointer = operation_pointer(exchange.method, exchange.path)
            security = pointer_get(self.views.full, pointer).get("security") or []
            if security and {} not in security:  # the operation cannot answer without a token
                level, sources = self.level([TOKEN_REQUIRED_RULE])
                rule = TOKEN_REQUIRED_RULE
            else:
                level, sources = self.views.level_at(pointer, "security", "operation")
                rule = "security"
            return [Judgement(level, rule, where, f"{failure.title}: {failure.message}", sources)]
        return [
            Judgement(
                "decision",  # no rule of the contract backs a check we do not know
                check,
                where,
                f"{failure.title}: {failure.message} (no evidence backs this check for this API)",
            )
        ]

    def _drop_readings(self, rules: Iterable[str]) -> tuple[PatchOp, ...]:
        """Drift on a behaviour rule: the patch that accepts it drops the readings of ours the
        verdict rested on (the rules at decision level)."""
        readings = [
            name for name in rules if name in self.rules and self.level([name])[0] == "decision"
        ]
        return tuple(
            self.views.op_at(f"/{BEHAVIOURS}/{escape(name)}", "remove") for name in readings
        )

    def _superseded(self, exchange: Exchange, failure: Any) -> bool:
        """The only invalid part of the request was the Api-Version header, beside an
        `api-version` query the contract accepts."""
        message = f"{getattr(failure, 'title', '')} {getattr(failure, 'message', '')}"
        if "`Api-Version` in header" not in message or "api-version" not in exchange.query:
            return False
        operation = pointer_get(self.views.full, operation_pointer(exchange.method, exchange.path))
        for parameter in operation.get("parameters") or []:
            if parameter.get("in") == "query" and parameter.get("name") == "api-version":
                allowed = (parameter.get("schema") or {}).get("enum")
                return allowed is None or exchange.query["api-version"] in allowed
        return False

    def _where(self, exchange: Exchange | None) -> str:
        if exchange is None:
            return ""
        try:
            return self.views.where(operation_pointer(exchange.method, exchange.path))
        except KeyError:
            return ""


RESPONSE_TITLES = {
    "status_code_conformance": "Undocumented status code",
    "content_type_conformance": "Undocumented Content-Type",
    "response_headers_conformance": "Response header does not conform",
    "response_schema_conformance": "Response body does not conform to the schema",
}


def response_check_of(rule: str) -> str:
    """The built-in response check a judge's rule belongs to."""
    if rule == "status":
        return "status_code_conformance"
    if rule == "content-type":
        return "content_type_conformance"
    if rule.startswith("header/"):
        return "response_headers_conformance"
    return "response_schema_conformance"


def request_digest(exchange: Exchange) -> str:
    """A fingerprint of one request as sent (method, URL, headers, body), never its content."""
    headers = sorted(
        (k, v) for k, v in exchange.request_headers.items() if k != "x-schemathesis-testcaseid"
    )
    head = f"{exchange.method.upper()} {exchange.url}\n{headers}\n".encode()
    return hashlib.sha256(head + (exchange.request_content or b"")).hexdigest()[:16]


def _env_refs(text: str) -> list[str]:
    return re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)


@dataclass
class Recorder:
    """The run's one mutable state. Thread-safe: schemathesis' workers and oracles feed it."""

    views: Views
    redactor: Redactor
    result: RunResult
    grading: ContractChecks = field(init=False)
    _findings: dict[str, Finding] = field(default_factory=dict, init=False)  # by rule
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False)
    outages_seen: list[tuple[str, Exchange]] = field(default_factory=list, init=False)
    successes: dict[str, int] = field(default_factory=dict, init=False)  # label -> 2xx seen
    # The run's own token on the operations that take one: answers that accepted it (2xx) and
    # answers that refused it (401/403); a 400 or 405 says nothing about the token.
    run_token: str | None = None
    secured: frozenset[str] = frozenset()  # labels of the operations that take a token
    active: frozenset[str] | None = None  # the checks the run applies (None: every one)
    token_answers: list[int] = field(default_factory=lambda: [0, 0], init=False)

    def __post_init__(self) -> None:
        self.grading = ContractChecks(self.views)

    def stats(self, label: str) -> OperationStats:
        return self.result.operations.setdefault(label, OperationStats(label))

    def case(self, label: str) -> None:
        """A case was generated for an operation (it may have had no answer)."""
        with self._lock:
            self.stats(label).cases += 1

    def exchange(
        self,
        exchange: Exchange,
        checks: Iterable[tuple[str, Any]],
        phase: str,
        *,
        label: str | None = None,
        forced: int | None = None,
    ) -> bool:
        """One answered request and the checks run on it (a failure, or None for a pass).
        Returns True when it gave a finding."""
        label = label or exchange.label
        found_outage = outage(exchange)
        masked = FORCED_MASKED_CHECKS if forced is not None else OUTAGE_MASKED_CHECKS
        with self._lock:
            stats = self.stats(label)
            stats.responses += 1
            stats.observed[exchange.status] = stats.observed.get(exchange.status, 0) + 1
            if exchange.status in (401, 403, 404):
                stats.auth_or_missing += 1
            if 200 <= exchange.status < 300:
                self.successes[label] = self.successes.get(label, 0) + 1
            if forced is not None and exchange.status == forced:
                stats.forced = (*stats.forced, forced)
            elif found_outage is not None:
                stats.outages += 1
                if len(self.outages_seen) < 50:
                    self.outages_seen.append((label, exchange))
            self.result.case_digests.append(request_digest(exchange))
            if (
                self.run_token is not None
                and label in self.secured
                and exchange.token == self.run_token
            ):
                self.token_answers[0] += 200 <= exchange.status < 300
                self.token_answers[1] += exchange.status in (401, 403)
        added = False
        for name, failure in checks:
            with self._lock:
                if name != FOLLOW_UP_CHECK:  # named by the response check of each judgement
                    stats.checks_run.add(name)
            if failure is None:
                continue
            if name in masked and (found_outage is not None or forced is not None):
                continue
            added |= self.failure(name, failure, exchange, phase, label=label)
        return added

    def followup(self, exchange: Exchange) -> None:
        """An answer an oracle's follow-up request got: counted and judged like any other."""
        self.case(exchange.label)
        self.exchange(exchange, [(FOLLOW_UP_CHECK, FOLLOW_UP)], "oracles")

    def failure(
        self, check: str, failure: Any, exchange: Exchange | None, phase: str, *, label: str = ""
    ) -> bool:
        """One failed check, graded and redacted: one finding per rule it breaks, merged with
        the same rule's finding from any other exchange or phase."""
        shown = getattr(failure, "shown", None)
        if shown is not None and exchange is not None and shown is not exchange:
            exchange, label = shown, shown.label  # reproduce what shows the break
        judgements = self.grading.grade(check, failure, exchange)
        if check in RESPONSE_CHECKS and self.active is not None:
            # Each rule is reported by the response check it belongs to, if the run applies it.
            judgements = [j for j in judgements if response_check_of(j.rule) in self.active]
        if not judgements:
            return False
        label = label or (exchange.label if exchange is not None else "")
        status = exchange.status if exchange is not None else None
        if exchange is not None:
            self.redactor.learn(exchange.body)  # before any text of it is redacted
        reproduction: Reproduction | None = None
        with self._lock:
            for judgement in judgements:
                if (
                    reproduction is None
                    and exchange is not None
                    and self._wants_reproduction(judgement.where, judgement.rule)
                ):
                    reproduction = self._reproduction(exchange)
                named = response_check_of(judgement.rule) if check in RESPONSE_CHECKS else check
                title = RESPONSE_TITLES[named] if check in RESPONSE_CHECKS else failure.title
                if check in RESPONSE_CHECKS and label:
                    self.stats(label).checks_run.add(named)
                rule = self.redactor.text(f"{judgement.where} {judgement.rule}".strip())
                violation = Violation(
                    check=named,
                    rule=rule,
                    title=self.redactor.text(title),
                    message=self.redactor.text(judgement.message),
                    evidence=judgement.level,
                    where=judgement.where,
                    proposal=judgement.proposal,
                    sources=judgement.sources,
                )
                self._merge(violation, label, status, reproduction, phase)
        return True

    def _wants_reproduction(self, where: str, rule: str) -> bool:
        """A reproduction is built only for a finding that has none yet (a curl per failing
        exchange would be redacted and thrown away)."""
        found = self._findings.get(self.redactor.text(f"{where} {rule}".strip()))
        return found is None or found.reproduction is None

    def _reproduction(self, exchange: Exchange) -> Reproduction:
        curl = self.redactor.curl(
            exchange.method.upper(),
            exchange.url,
            exchange.request_headers,
            exchange.request_content,
        )
        return Reproduction(curl, exchange.status, tuple(sorted(set(_env_refs(curl)))))

    def _merge(
        self,
        violation: Violation,
        label: str,
        status: int | None,
        reproduction: Reproduction | None,
        phase: str,
    ) -> None:
        into = self._findings.get(violation.rule)
        if into is None:
            self._findings[violation.rule] = Finding(
                violations=(violation,),
                operations=[label] if label else [],
                statuses=[status] if status is not None else [],
                reproduction=reproduction,
                phase=phase,
            )
            return
        into.count += 1
        if violation.check not in into.checks:  # one rule, seen by another check too
            into.violations = (*into.violations, violation)
        if label and label not in into.operations:
            into.operations.append(label)
        if status is not None and status not in into.statuses:
            into.statuses.append(status)
        if into.reproduction is None:
            into.reproduction = reproduction

    def add(self, finding: Finding) -> None:
        """A finding judged elsewhere (the validation proxy's judge), merged by rule like any."""
        with self._lock:
            status = finding.statuses[0] if finding.statuses else None
            for violation in finding.violations:
                for label in finding.operations or [""]:
                    self._merge(violation, label, status, finding.reproduction, finding.phase)

    def findings(self) -> list[Finding]:
        """The findings so far, each a copy (readers never see one change under them)."""
        with self._lock:
            return [
                replace(f, operations=sorted(f.operations), statuses=list(f.statuses))
                for f in self._findings.values()
            ]

    def known(self, rule: str) -> bool:
        with self._lock:
            return rule in self._findings

    def error(self, message: str, *, fatal: bool = False) -> None:
        with self._lock:
            self.result.errors.append(RunError(self.redactor.text(message), fatal=fatal))

    def note(self, message: str) -> None:
        with self._lock:
            self.result.notes.append(self.redactor.text(message))

    def stopped(self, reason: str) -> None:
        """The run stopped before it was done (a deadline)."""
        with self._lock:
            self.result.stopped_early = reason

    def phase_done(self, name: str) -> None:
        with self._lock:
            self.result.phases_run = (*self.result.phases_run, name)

    def inconclusive(self, reason: str) -> None:
        """The run could not test what it meant to (exit 3, this line why)."""
        with self._lock:
            self.result.inconclusive.append(self.redactor.text(reason))

    def judge_token(self, name: str) -> None:
        """Authentication never succeeded: the run's token was refused and never accepted."""
        accepted, refused = self.token_answers
        if self.run_token is not None and refused and not accepted:
            self.inconclusive(
                f"authentication never succeeded: {name} was refused {refused} time(s) "
                "(401/403) and never accepted; is the token valid for this target?"
            )

    def freeze(self) -> RunResult:
        """The result, findings in the order first seen, every operation listed sorted."""
        with self._lock:
            self.result.findings = list(self._findings.values())
            for finding in self.result.findings:
                finding.operations.sort()
            return self.result
