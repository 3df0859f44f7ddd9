"""A conformance run from options to a `RunResult`: probe the target, find test data and
credentials, run the engine's passes (engine.py), force the statuses it missed on our mock
(status_coverage.py), merge findings by root cause (findings.py).

The result is redacted before it leaves the run, so reporters (terminal, JUnit, HTML) never
see a secret or PII.
"""

from __future__ import annotations

import secrets
import ssl
import time
from dataclasses import replace
from typing import Any

import httpx
from ndt_contract import Contract, load_contract

from conformance.auth import OAuthTokenSource, TokenError
from conformance.bounds import BoundExceeded, Limits
from conformance.checks import RunContext, registered
from conformance.drift import DriftReport
from conformance.engine import (
    ProgressCallback,
    active_checks,
    build_schema,
    engine_passes,
    hypothesis_storage,
    install_ast_lock,
    plan_phases,
    run_engine,
)
from conformance.findings import merge_findings
from conformance.judge import Judgement, Views
from conformance.options import ConformOptions, UsageError, validate, without_userinfo
from conformance.redact import Redactor, vocabulary_of
from conformance.report.baseline import apply_baseline, write_baseline
from conformance.report.model import Finding, OperationStats, RunResult
from conformance.status_coverage import force_documented_statuses
from conformance.testdata import TestData, discover_mock, load_testdata
from conformance.transport import Gate, TransportRefused, parse_target

MOCK_TOKEN_ENV = "NDT_TOKEN"
OAUTH_TOKEN_ENV = "NDT_OAUTH_TOKEN"


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


def gate_for(options: ConformOptions, started: float | None = None) -> Gate:
    """The one gate of a run: the validated target and token endpoint, the run's bounds, and
    --max-time as a hard deadline from `started` (a monotonic instant)."""
    allowed = {parse_target(options.base_url)}
    if options.oauth:
        allowed.add(parse_target(options.oauth.token_url))
    limits = Limits(
        request_timeout=options.request_timeout, max_response_bytes=options.max_response_bytes
    )
    deadline = None
    if options.max_time is not None:
        deadline = (time.monotonic() if started is None else started) + options.max_time
    return Gate(allowed, limits, deadline=deadline, max_time=options.max_time)


def _client(options: ConformOptions, gate: Gate) -> httpx.Client:
    return gate.httpx_client(
        verify=tls_context(options),
        timeout=options.request_timeout,
        headers=options.headers,
    )


def probe(options: ConformOptions, client: httpx.Client) -> str | None:
    """Why the target cannot be tested (unreachable or unhealthy); None when it answers."""
    try:
        response = client.get(options.base_url)
    except BoundExceeded as exc:
        return f"cannot test {without_userinfo(options.base_url)}: {exc}"
    except httpx.HTTPError as exc:
        return f"cannot reach {without_userinfo(options.base_url)}: {type(exc).__name__}"
    if response.status_code in (502, 504):
        return f"unhealthy: {without_userinfo(options.base_url)} answered {response.status_code}"
    if response.status_code == 503:
        return f"unhealthy: {without_userinfo(options.base_url)} answered 503 (outage)"
    return None


# -- the run -----------------------------------------------------------------------------


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

    gate = gate_for(options)
    try:
        return _run(options, contract, result, gate, seed, on_progress)
    except TransportRefused as exc:
        raise UsageError(str(exc)) from None


def _run(
    options: ConformOptions,
    contract: Contract,
    result: RunResult,
    gate: Gate,
    seed: int,
    on_progress: ProgressCallback | None,
) -> RunResult:
    with _client(options, gate) as client:
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
        token_source = OAuthTokenSource(
            options.oauth, client_factory=lambda: _client(options, gate)
        )
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

    install_ast_lock()
    started = time.perf_counter()
    raw: list[Finding] = []
    samples: dict[str, Any] = {}
    context = RunContext(views, data.identities)
    checks_applied = result.checks
    phases = result.phases
    with (
        hypothesis_storage(options),
        registered(context, frozenset(checks_applied)),
        gate.guarding_requests(),
    ):
        for pass_phases, workers in engine_passes(phases, options.workers):
            if result.stopped_early:
                break
            try:
                run_engine(
                    build_schema(
                        contract,
                        replace(options, workers=workers),
                        data,
                        pass_phases,
                        seed,
                        current_token if token_source else None,
                        token_source.invalidate if token_source else None,
                        gate=gate,
                    ),
                    options,
                    result,
                    raw,
                    redactor,
                    on_progress,
                    samples,
                    views,
                )
            except Exception:
                if not (gate.breach or gate.refused):
                    raise
                break  # the gate stopped the run: its reason is reported below
        if is_mock and not result.stopped_early and not gate.breach:
            force_documented_statuses(samples, result, raw, redactor, on_progress, views)
    result.elapsed = time.perf_counter() - started
    _stop_reason(gate, result)
    result.findings = [publishable(f, redactor) for f in merge_findings(raw)]
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


def publishable(finding: Finding, redactor: Redactor) -> Finding:
    """`finding` without the proposed changes that would put into the spec a value a request
    carried (a reflected token, header or body value) or a secret: the drift report goes to
    the spec's owner, and the terminal and HTML show the same proposals."""
    kept = tuple(
        replace(v, proposal=tuple(op for op in v.proposal if redactor.may_publish(op.value)))
        for v in finding.violations
    )
    if kept == finding.violations:
        return finding
    return replace(finding, violations=kept)


def _stop_reason(gate: Gate, result: RunResult) -> None:
    """What the gate saw, as the run's outcome: a refused host is a usage error (exit 2);
    a bound a response went past makes the run inconclusive, with that bound as the reason."""
    if gate.refused:
        raise UsageError(gate.refused)
    if not gate.breach:
        return
    if gate.breach.startswith("--max-time"):
        result.stopped_early = result.stopped_early or f"--max-time {gate.max_time:g} s reached"
        if "during a request" in gate.breach:
            result.errors.append(f"{gate.breach}: a response was cut off")
        return
    result.unreachable = f"stopped: {gate.breach}"


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
