"""Run schemathesis (examples, coverage, fuzzing, stateful) with our checks; emit a RunResult.

The runner only produces a `RunResult`, redacted before it leaves this module, so reporters
(terminal, JUnit, HTML) never see a secret or PII. Each raw schemathesis check failure becomes
a `Finding` in one place, `to_finding`; findings are then merged by root cause.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import re
import secrets
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from ndt_contract import Contract, load_contract

from conformance.auth import OAuthTokenSource, TokenError
from conformance.checks import REGISTRY, RunContext, registered
from conformance.drift import DriftReport
from conformance.grading import Exchange, Outage, grade
from conformance.judge import Judgement, Views
from conformance.options import (
    ALL_PHASES,
    ConformOptions,
    UsageError,
    validate,
    without_userinfo,
)
from conformance.redact import Redactor, body_json, vocabulary_of
from conformance.report.baseline import apply_baseline, write_baseline
from conformance.report.model import (
    Finding,
    OperationStats,
    Reproduction,
    RunResult,
    Violation,
)
from conformance.testdata import TestData, apply_to_spec, discover_mock, load_testdata

# Phase names a person understands, for progress lines and reports.
PHASE_TITLES = {
    "probing": "Probing the API",
    "schema_analysis": "Reading the contract",
    "auth_bootstrap": "Checking authentication",
    "examples": "Documented examples",
    "coverage": "Boundary and invalid values",
    "fuzzing": "Random valid requests",
    "stateful": "Linked calls (search, then fetch)",
    "status-coverage": "Forcing documented statuses (mock only)",
}
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
MOCK_TOKEN_ENV = "NDT_TOKEN"
OAUTH_TOKEN_ENV = "NDT_OAUTH_TOKEN"
TOKEN_URL_SECRET_ENV = "NDT_OAUTH_CLIENT_SECRET"


@dataclass(frozen=True)
class Progress:
    """One step of a run, for a progress bar: `done` of `total` scenarios in `phase`."""

    phase: str
    done: int
    total: int
    operation: str = ""
    failed: bool = False
    message: str = ""


ProgressCallback = Callable[[Progress], None]


# -- Python 3.11.0-3.11.7: ast.parse is not thread-safe ----------------------------------------
# CPython keeps the AST constructor's recursion counter in interpreter-global state until 3.11.8
# (python/cpython#106905, fixed by #113035): when the garbage collector switches threads in the
# middle of `ast.parse`, another thread's parse ends with "SystemError: AST constructor
# recursion depth mismatch". Hypothesis parses source files (lambda descriptions, local
# constants) from every schemathesis worker thread, so `--workers 2` died on it. One lock
# around ast.parse serialises those parses; it is installed only on affected versions.
_AST_LOCK = threading.RLock()
_AST_AFFECTED = (3, 11) <= sys.version_info[:3] < (3, 11, 8) or (3, 12, 0) <= sys.version_info[
    :3
] < (3, 12, 2)


def _install_ast_lock() -> None:
    if not _AST_AFFECTED or getattr(ast.parse, "_ndt_locked", False):
        return
    original = ast.parse

    def locked_parse(*args: Any, **kwargs: Any) -> Any:
        with _AST_LOCK:
            return original(*args, **kwargs)

    locked_parse._ndt_locked = True  # type: ignore[attr-defined]
    ast.parse = locked_parse  # type: ignore[assignment]


def cache_directory() -> Path:
    """Where hypothesis keeps its tables between runs: the user's cache, never the cwd."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ndt-customer" / "hypothesis"


@contextlib.contextmanager
def _hypothesis_storage(options: ConformOptions) -> Iterator[None]:
    """Hypothesis writes its caches (Unicode tables, constants) to `.hypothesis/` in the working
    directory. Point it at the user's cache directory for the run (or at the database the
    caller asked for); the example database itself stays off unless asked."""
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    target = options.hypothesis_database or cache_directory()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        target = Path(tempfile.mkdtemp(prefix="ndt-conform-"))
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(target)
    try:
        _warm_hypothesis()
        yield
    finally:
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous


def _warm_hypothesis() -> None:
    """Build hypothesis' Unicode tables once, before any worker starts. Their first use is
    cached without a lock, so two workers would each walk all 1.1 million code points at
    once (measured: --workers 2 took three times as long as one worker until this)."""
    from hypothesis.internal.charmap import charmap, intervals_from_codec

    charmap()
    intervals_from_codec("utf-8")


def tls_context(options: ConformOptions) -> ssl.SSLContext:
    """One TLS setup for the probe and the token endpoint: CA bundle, client certificate."""
    context = ssl.create_default_context(
        cafile=str(options.ca_bundle) if options.ca_bundle else None
    )
    if not options.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if options.cert:
        context.load_cert_chain(str(options.cert), str(options.key) if options.key else None)
    return context


def _client(options: ConformOptions) -> httpx.Client:
    return httpx.Client(
        verify=tls_context(options),
        timeout=options.request_timeout,
        headers=options.headers,
    )


def probe(options: ConformOptions, client: httpx.Client) -> str | None:
    """Why the target cannot be tested (unreachable or unhealthy); None when it answers."""
    try:
        response = client.get(options.base_url)
    except httpx.HTTPError as exc:
        return f"cannot reach {without_userinfo(options.base_url)}: {type(exc).__name__}"
    if response.status_code in (502, 504):
        return f"unhealthy: {without_userinfo(options.base_url)} answered {response.status_code}"
    if response.status_code == 503:
        return f"unhealthy: {without_userinfo(options.base_url)} answered 503 (outage)"
    return None


# -- schemathesis configuration -------------------------------------------------------------


def _linked_operations(contract: Contract) -> dict[str, set[str]]:
    """operationId -> operationIds its responses link to (OpenAPI links)."""
    links: dict[str, set[str]] = {}
    for op in contract.operations.values():
        for response in (op.definition.get("responses") or {}).values():
            for link in ((response or {}).get("links") or {}).values():
                target = (link or {}).get("operationId")
                if target:
                    links.setdefault(op.operation_id, set()).add(target)
    return links


def plan_phases(options: ConformOptions, contract: Contract) -> tuple[tuple[str, ...], list[str]]:
    """The phases to run and notes: stateful needs a link between two selected operations."""
    notes: list[str] = []
    phases = options.phases
    if "stateful" in phases and options.operations:
        chosen = set(options.operations)
        links = _linked_operations(contract)
        if not any(chosen & targets for source, targets in links.items() if source in chosen):
            phases = tuple(p for p in phases if p != "stateful")
            notes.append(
                "linked calls skipped: no link joins the selected operations "
                f"({', '.join(sorted(chosen))}); select both ends of a link to test it"
            )
    return phases, notes


# Phases whose generation shares caches between schemathesis' worker threads: with two
# workers the coverage phase hung in about half the runs here (one thread looping in a
# filtered regex draw), so these run on one worker and the rest on --workers.
SINGLE_WORKER_PHASES = ("examples", "coverage")


def engine_passes(phases: tuple[str, ...], workers: int) -> list[tuple[tuple[str, ...], int]]:
    """The engine runs to make: all phases at once, or with several workers the
    single-worker phases first, then the others in parallel."""
    if workers <= 1:
        return [(phases, 1)]
    first = tuple(p for p in phases if p in SINGLE_WORKER_PHASES)
    rest = tuple(p for p in phases if p not in SINGLE_WORKER_PHASES)
    return [(group, n) for group, n in ((first, 1), (rest, workers)) if group]


def _schema(
    contract: Contract,
    options: ConformOptions,
    data: TestData,
    phases: tuple[str, ...],
    seed: int,
    token: Callable[[], str] | None,
    on_refused: Callable[[], None] | None,
):
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    project = config.projects.override
    headers = dict(options.headers)
    if data.token and token is None:
        headers["Authorization"] = f"Bearer {data.token}"
    project.update(
        base_url=options.base_url,
        headers=headers,
        workers=options.workers,
        rate_limit=options.rate_limit,
        request_timeout=options.request_timeout,
        tls_verify=str(options.ca_bundle)
        if options.ca_bundle and options.tls_verify
        else options.tls_verify,
        request_cert=str(options.cert) if options.cert else None,
        request_cert_key=str(options.key) if options.key else None,
    )
    project.phases.update(phases=list(phases))
    project.checks.update(
        included_check_names=list(options.include_checks) or ["all"],
        excluded_check_names=list(options.exclude_checks) or None,
        max_response_time=options.max_response_time,
    )
    project.generation.update(
        max_examples=options.max_examples,
        deterministic=False,
        database=str(options.hypothesis_database) if options.hypothesis_database else "none",
    )
    spec = apply_to_spec(contract.to_dict(), data)
    schema = schemathesis.openapi.from_dict(spec, config=config)
    if options.operations:
        schema = schema.include(operation_id=list(options.operations))
    if token is not None:
        _register_token_auth(schema, token, on_refused)
    return schema


def _register_token_auth(
    schema: Any, token: Callable[[], str], on_refused: Callable[[], None] | None
) -> None:
    """A bearer from `token()` on every request; on a 401 schemathesis invalidates the cache,
    we tell the token source, and the request is replayed once with a fresh token."""
    from schemathesis.auths import CachingAuthProvider

    class BearerFromSource:
        def get(self, case: Any, ctx: Any) -> str:
            return token()

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = dict(case.headers or {})
            case.headers["Authorization"] = f"Bearer {data}"

    class RefreshOnRefusal(CachingAuthProvider):
        def invalidate(self) -> None:
            super().invalidate()
            if on_refused is not None:
                on_refused()

    schema.auth.providers.append(
        RefreshOnRefusal(BearerFromSource(), refresh_interval=1, retry_on=[401])
    )


# -- findings -------------------------------------------------------------------------------


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


# -- the run --------------------------------------------------------------------------------


def _digest(request: Any) -> str:
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


def run_conformance(
    options: ConformOptions,
    *,
    contract: Contract | None = None,
    on_progress: ProgressCallback | None = None,
) -> RunResult:
    """Validate options, find test data, run every phase; raises UsageError for exit-2 cases."""
    contract = contract or load_contract(options.spec)
    options = validate(options, contract)
    checks_applied = active_checks(options)
    seed = options.seed if options.seed is not None else secrets.randbits(63)
    phases, notes = plan_phases(options, contract)
    result = RunResult(
        without_userinfo(options.base_url),
        seed,
        phases=phases,
        notes=notes,
        strict=options.strict,
        require_coverage=options.require_coverage,
        outage_threshold=options.outage_threshold,
        workers=options.workers,
        checks=checks_applied,
    )
    for op in contract.operations.values():
        if not options.operations or op.operation_id in options.operations:
            label = f"{op.method.upper()} {op.path}"
            result.operations[label] = OperationStats(
                label, op.operation_id, documented=tuple(sorted(op.documented_statuses))
            )

    with _client(options) as client:
        why = probe(options, client)
        if why:
            result.unreachable = why
            return result
        data = (
            load_testdata(options.testdata, options.base_url)
            if options.testdata
            else discover_mock(options.base_url, client, options.request_timeout) or TestData()
        )
    is_mock = data.source == "mock personas"
    result.testdata_source = data.source

    secret_vars: dict[str, str] = {}
    token_source: OAuthTokenSource | None = None
    if options.oauth:
        token_source = OAuthTokenSource(options.oauth, client_factory=lambda: _client(options))
        secret_vars[token_source.client_secret] = options.oauth.client_secret_env
        try:
            secret_vars[token_source.token()] = OAUTH_TOKEN_ENV
        except TokenError as exc:
            result.unreachable = f"cannot authenticate: {exc}"
            return result
        result.env_needed[OAUTH_TOKEN_ENV] = (
            f"an access token from {options.oauth.token_url} (client credentials)"
        )
    elif options.token:
        data = replace(data, token=options.token)
        name = options.token_env or MOCK_TOKEN_ENV
        secret_vars[options.token] = name
        result.env_needed[name] = "the bearer token this run used (--token-env)"
    elif data.token:
        name = data.token_env or MOCK_TOKEN_ENV
        secret_vars[data.token] = name
        result.env_needed[name] = (
            "the applicant-no-account persona's token from /__admin/personas"
            if is_mock
            else f"the token of {data.source}"
        )
    for n, token in enumerate(sorted(data.identities), start=1):
        secret_vars.setdefault(token, f"NDT_TOKEN_{n}")  # the identity oracle's other tokens
    redactor = Redactor(
        secret_vars, enabled=options.redact, vocabulary=vocabulary_of(contract.document)
    )
    views = Views.of(contract, options.waived)

    def current_token() -> str:
        assert token_source is not None
        token = token_source.token()
        if token not in redactor.secrets:
            redactor.secrets[token] = OAUTH_TOKEN_ENV
        return token

    _install_ast_lock()
    started = time.perf_counter()
    raw: list[Finding] = []
    samples: dict[str, Any] = {}
    context = RunContext(views, data.identities)
    with _hypothesis_storage(options), registered(context, frozenset(checks_applied)):
        for pass_phases, workers in engine_passes(phases, options.workers):
            if result.stopped_early:
                break
            _run_engine(
                _schema(
                    contract,
                    replace(options, workers=workers),
                    data,
                    pass_phases,
                    seed,
                    current_token if token_source else None,
                    token_source.invalidate if token_source else None,
                ),
                options,
                result,
                raw,
                redactor,
                on_progress,
                samples,
                views,
            )
        if is_mock and not result.stopped_early:
            force_documented_statuses(samples, result, raw, redactor, on_progress, views)
    result.elapsed = time.perf_counter() - started
    result.findings = merge_findings(raw)
    if options.drift_report:
        drift_report(result).write(options.drift_report)
    if token_source is not None:
        result.notes.append(f"OAuth2: {token_source.fetches} token(s) fetched")
    if options.baseline:
        apply_baseline(result, options.baseline)
    if options.write_baseline:
        write_baseline(result, options.write_baseline)
    if options.pii_file:
        redactor.write_pii_file(options.pii_file)
    return result


def drift_report(result: RunResult) -> DriftReport:
    """The run's drift as a proposed change to spec/, one entry per root cause."""
    report = DriftReport()
    for finding in result.drift:
        for violation in finding.violations:
            judgement = Judgement(
                "decision",
                violation.rule,
                violation.where,
                violation.message,
                proposal=violation.proposal,
            )
            for operation in finding.operations:
                report.add(judgement, operation, finding.count)
    return report


def active_checks(options: ConformOptions) -> list[str]:
    """The checks this run applies, named as schemathesis' registry names them at run time;
    an unknown name in --include-checks or --exclude-checks is a usage error."""
    from schemathesis.checks import CHECKS

    known = set(CHECKS.get_all_names()) | set(REGISTRY)
    unknown = (
        (set(options.include_checks) | set(options.exclude_checks))
        - known
        - {
            "all",
            "max_response_time",
        }
    )
    if unknown:
        raise UsageError(
            f"unknown check {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    chosen = set(options.include_checks) - {"all"} or known
    if options.max_response_time is not None:
        chosen.add("max_response_time")
    return sorted(chosen - set(options.exclude_checks))


def _run_engine(
    schema: Any,
    options: ConformOptions,
    result: RunResult,
    raw: list[Finding],
    redactor: Redactor,
    on_progress: ProgressCallback | None,
    samples: dict[str, Any],
    views: Views,
) -> None:
    from schemathesis.engine import events, from_schema

    deadline = time.monotonic() + options.max_time if options.max_time else None
    per_phase = len(result.operations)
    total = per_phase * len([p for p in result.phases if p != "stateful"]) + (
        1 if "stateful" in result.phases else 0
    )
    done = 0
    stream = from_schema(schema).execute()
    for event in stream:
        if deadline is not None and time.monotonic() > deadline and not result.stopped_early:
            result.stopped_early = f"--max-time {options.max_time:g} s reached"
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            phase = str(event.phase.value)
            failed = _collect(event.recorder, phase, result, raw, redactor, views, samples)
            if not event.is_final:
                done += 1
            if on_progress:
                on_progress(
                    Progress(
                        PHASE_TITLES.get(phase, phase),
                        min(done, total),
                        total,
                        event.recorder.label,
                        failed,
                    )
                )
        elif isinstance(event, events.NonFatalError):
            result.errors.append(
                redactor.text(f"{event.label}: {event.info.title}: {event.info.message}")
            )
        elif isinstance(event, events.FatalError):
            result.errors.append(redactor.text(f"fatal: {event.exception}"))
        elif isinstance(event, events.PhaseStarted) and on_progress:
            name = str(event.phase.name.value)
            if name in ALL_PHASES and name not in result.phases:
                continue  # schemathesis announces the phases it skips too
            on_progress(Progress(PHASE_TITLES.get(name, name), done, total, message="started"))


def _collect(
    recorder: Any,
    phase: str,
    result: RunResult,
    raw: list[Finding],
    redactor: Redactor,
    views: Views,
    samples: dict[str, Any] | None = None,
) -> bool:
    """Count cases and statuses of one scenario; turn its failed checks into findings.
    `samples` keeps, per operation, one case the target answered with a 2xx."""
    failed = False
    for case_id, node in recorder.cases.items():
        label = node.value.operation.label
        stats = result.operations.setdefault(label, OperationStats(label))
        stats.cases += 1
        interaction = recorder.interactions.get(case_id)
        outage = False
        if interaction is not None:
            result.case_digests.append(_digest(interaction.request))
            response = interaction.response
            if response is not None:
                stats.responses += 1
                stats.observed[response.status_code] = (
                    stats.observed.get(response.status_code, 0) + 1
                )
                if response.status_code in (401, 404):
                    stats.auth_or_missing += 1
                if samples is not None and 200 <= response.status_code < 300:
                    samples.setdefault(label, node.value)
                outage = is_outage(response, stats.documented)
                if outage:
                    stats.outages += 1
        per_case = []
        for check in recorder.checks.get(case_id, []):
            stats.checks_run.add(check.name)
            if check.failure_info is None:
                continue
            if outage and check.name in OUTAGE_MASKED_CHECKS:
                continue
            per_case += to_finding(
                check.name,
                check.failure_info.failure,
                operation=label,
                interaction=interaction,
                phase=phase,
                redactor=redactor,
                views=views,
            )
        if per_case:
            failed = True
            raw.extend(join_case(per_case))
    return failed


def force_documented_statuses(
    samples: dict[str, Any],
    result: RunResult,
    raw: list[Finding],
    redactor: Redactor,
    on_progress: ProgressCallback | None,
    views: Views,
) -> None:
    """Against our mock only (it announced itself at /__admin/personas): reach each documented
    status the run never saw by asking for it with `Prefer: code=N` on a request the mock
    answered with a 2xx, and judge that response with the same checks as any other."""
    from requests.structures import CaseInsensitiveDict
    from schemathesis.checks import CheckContext, run_checks, run_checks_for
    from schemathesis.engine.recorder import Interaction
    from schemathesis.engine.recorder import Request as RecordedRequest

    todo = [(label, status) for label, op in result.operations.items() for status in op.missed]
    title = PHASE_TITLES["status-coverage"]
    for done, (label, status) in enumerate(todo, start=1):
        case = samples.get(label)
        if case is None:
            continue
        stats = result.operations[label]
        try:
            response = case.call(headers={"Prefer": f"code={status}"})
        except Exception as exc:  # a transport error: report it, keep going
            result.errors.append(redactor.text(f"{label}: forcing {status}: {type(exc).__name__}"))
            continue
        stats.cases += 1
        stats.responses += 1
        stats.observed[response.status_code] = stats.observed.get(response.status_code, 0) + 1
        if response.status_code == status:
            stats.forced = (*stats.forced, status)
        schema = case.operation.schema
        ctx = CheckContext(
            override=None,
            auth=None,
            headers=CaseInsensitiveDict(response.request.headers),
            config=schema.config.checks_config_for(operation=case.operation, phase=None),
            transport_kwargs=None,
            response_checks=run_checks_for(schema).for_responses(),
        )
        broken: list[tuple[str, Any]] = []
        passed: list[str] = []
        run_checks(
            case=case,
            response=response,
            ctx=ctx,
            checks=list(ctx.internals.checks),
            on_failure=lambda name, _collected, failure, into=broken: into.append((name, failure)),
            on_success=lambda name, _case, into=passed: into.append(name),
        )
        stats.checks_run.update(passed)
        interaction = Interaction(RecordedRequest.from_prepared_request(response.request), response)
        per_case = [
            finding
            for name, failure in broken
            if name not in FORCED_MASKED_CHECKS
            for finding in to_finding(
                name,
                failure,
                operation=label,
                interaction=interaction,
                phase="status-coverage",
                redactor=redactor,
                views=views,
            )
        ]
        for name, _failure in broken:
            stats.checks_run.add(name)
        if per_case:
            raw.extend(join_case(per_case))
        if on_progress:
            on_progress(Progress(title, done, len(todo), label, bool(per_case)))
