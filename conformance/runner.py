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
from conformance.checks import RunContext, registered
from conformance.drift import DriftReport
from conformance.engine import (
    ProgressCallback,
    active_checks,
    ast_lock,
    build_schema,
    engine_passes,
    hypothesis_storage,
    plan_phases,
    run_engine,
)
from conformance.findings import merge_findings
from conformance.judge import Judgement, Views
from conformance.options import ConformOptions, validate, without_userinfo
from conformance.redact import Redactor, vocabulary_of
from conformance.report.baseline import apply_baseline, write_baseline
from conformance.report.model import Finding, OperationStats, RunResult
from conformance.status_coverage import force_documented_statuses
from conformance.testdata import TestData, discover_mock, load_testdata

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

    started = time.perf_counter()
    raw: list[Finding] = []
    samples: dict[str, Any] = {}
    context = RunContext(views, data.identities)
    with (
        ast_lock(),
        hypothesis_storage(options),
        registered(context, frozenset(checks_applied)),
    ):
        for pass_phases, workers in engine_passes(phases, options.workers):
            if result.stopped_early:
                break
            run_engine(
                build_schema(
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
