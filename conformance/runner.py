"""A conformance run from options to a `RunResult`: probe the target, find test data and
credentials, run the engine's passes (engine.py), ask the test data's own requests (probes.py),
force the statuses it missed on our mock (status_coverage.py); every exchange goes to the run's
one recorder (recorder.py), and every byte leaves through one gate (transport.py).

The result is redacted before it leaves the run, so reporters (terminal, JUnit, HTML) never
see a secret or PII.
"""

from __future__ import annotations

import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from ndt_contract import Contract, load_contract

from conformance.auth import OAuthTokenSource, TokenError
from conformance.bounds import BoundExceeded, Limits
from conformance.checks import RunContext, registered
from conformance.drift import drift_of
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
from conformance.exchange import Exchange
from conformance.judge import Views
from conformance.options import ConformOptions, UsageError, validate, without_userinfo
from conformance.probes import reask_outages, run_probes
from conformance.recorder import Recorder
from conformance.redact import Redactor, body_json, vocabulary_of
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


def probe_base_path(
    options: ConformOptions, client: httpx.Client, contract: Contract
) -> str | None:
    """Why the base path looks wrong: every operation whose contract documents neither 404 nor
    405, asked with its own first example, answered one of them (one operation alone may be the
    target's bug: an empty search answered 404). Stopping here costs a request or two; going on
    would send hundreds and propose every 404 as drift."""
    answers: list[str] = []
    for operation in contract.operations.values():
        if {404, 405} & operation.documented_statuses or not operation.request_schema():
            continue
        media = operation.definition["requestBody"]["content"]["application/json"]
        examples = [e.get("value") for e in (media.get("examples") or {}).values()]
        body = media.get("example", examples[0] if examples else {})
        url = options.base_url.rstrip("/") + operation.path
        try:
            response = client.request(operation.method.upper(), url, json=body)
        except (BoundExceeded, httpx.HTTPError):
            return None  # a hostile or failing answer: the run itself meets it and says so
        if response.status_code not in (404, 405):
            return None
        answers.append(f"{operation.method.upper()} {operation.path} {response.status_code}")
    if not answers:
        return None
    return (
        f"wrong base path? {'; '.join(answers)}: the contract never documents these for them; "
        f"check --base-url {without_userinfo(options.base_url)}"
    )


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
    checks_applied = result.checks
    phases = result.phases
    with _client(options, gate) as client:
        why = probe(options, client) or probe_base_path(options, client, contract)
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

    credentials = _credentials(options, data, gate, result, is_mock)
    if credentials is None:
        return result
    data, token_source, secret_vars = credentials
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
    deadline = time.monotonic() + options.max_time if options.max_time else None
    samples: dict[str, Any] = {}
    run_token = None if token_source else data.token
    secured = frozenset(
        f"{op.method.upper()} {op.path}"
        for op in contract.operations.values()
        if op.definition.get("security")
    )
    recorder = Recorder(
        views,
        redactor,
        result,
        run_token=run_token,
        secured=secured,
        active=frozenset(checks_applied),
    )
    context = RunContext(
        views,
        data.identities,
        observe=recorder.followup,
        headers={
            **options.headers,
            **(
                {"Authorization": f"Bearer {data.token}"} if data.token and not token_source else {}
            ),
        },
        transport=transport_settings(options),
        rules=recorder.grading.rules,  # read once from the contract, for grading and checks
    )

    def schema_for(pass_phases: tuple[str, ...], workers: int) -> Any:
        return build_schema(
            contract,
            replace(options, workers=workers),
            data,
            pass_phases,
            seed,
            current_token if token_source else None,
            token_source.invalidate if token_source else None,
            gate=gate,
        )

    with (
        ast_lock(),
        hypothesis_storage(options),
        registered(context, frozenset(checks_applied)),
        gate.guarding_requests(),
    ):
        _engine_passes(options, phases, gate, recorder, on_progress, samples, deadline, schema_for)
        stopped = bool(result.stopped_early or gate.breach)
        if not stopped:
            run_probes(
                schema_for(("examples",), 1),
                context,
                recorder,
                data,
                deadline=deadline,
                checks=frozenset(checks_applied),
            )
        if is_mock and not stopped:
            force_documented_statuses(samples, recorder, on_progress)
        if not stopped:
            with _client(options, gate) as resend_client:
                reask_outages(recorder, lambda e: resend(resend_client, e), time.sleep)
    judge_coverage(result, contract, phases)
    recorder.judge_token(
        next(iter(n for t, n in secret_vars.items() if t == run_token), "the token")
    )
    recorder.freeze()
    result.elapsed = time.perf_counter() - started
    _stop_reason(gate, result)
    result.findings = [publishable(f, redactor) for f in result.findings]
    _write_reports(options, result, redactor, token_source)
    return result


def _credentials(
    options: ConformOptions, data: TestData, gate: Gate, result: RunResult, is_mock: bool
) -> tuple[TestData, OAuthTokenSource | None, dict[str, str]] | None:
    """The run's token (static, the test data's, or OAuth2) and every secret named by the
    variable a reproduction reads it from; None when authentication failed (said in result)."""
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
            return None
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
    return data, token_source, secret_vars


def _engine_passes(
    options: ConformOptions,
    phases: tuple[str, ...],
    gate: Gate,
    recorder: Recorder,
    on_progress: ProgressCallback | None,
    samples: dict[str, Any],
    deadline: float | None,
    schema_for: Callable[[tuple[str, ...], int], Any],
) -> None:
    """The engine's passes (single-worker phases first), until a deadline or the gate stops."""
    for pass_phases, workers in engine_passes(phases, options.workers):
        if recorder.result.stopped_early or gate.breach:
            break
        try:
            run_engine(
                schema_for(pass_phases, workers), options, recorder, on_progress, samples, deadline
            )
        except Exception:
            if not (gate.breach or gate.refused):
                raise
            break  # the gate stopped the run: its reason is reported after


def _write_reports(
    options: ConformOptions,
    result: RunResult,
    redactor: Redactor,
    token_source: OAuthTokenSource | None,
) -> None:
    """What the run writes beside its result: drift, notes, baselines, the PII file."""
    if options.drift_report:
        drift_of(result).write(options.drift_report)
    if token_source is not None:
        result.notes.append(f"OAuth2: {token_source.fetches} token(s) fetched")
    if options.baseline:
        apply_baseline(result, options.baseline)
    if options.write_baseline:
        write_baseline(result, options.write_baseline)
    if options.pii_file:
        redactor.write_pii_file(options.pii_file)


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


def transport_settings(options: ConformOptions) -> dict[str, Any]:
    """What the engine's requests carry, for the requests a run sends outside it."""
    verify: bool | str = options.tls_verify
    if options.ca_bundle and options.tls_verify:
        verify = str(options.ca_bundle)
    settings: dict[str, Any] = {"verify": verify, "timeout": options.request_timeout}
    if options.cert:
        settings["cert"] = (
            (str(options.cert), str(options.key)) if options.key else str(options.cert)
        )
    return settings


def resend(client: httpx.Client, exchange: Exchange) -> Exchange | None:
    """The same request again, as it was sent, through the run's own client."""
    try:
        response = client.request(
            exchange.method.upper(),
            exchange.url,
            headers=dict(exchange.request_headers),
            content=exchange.request_content,
        )
    except (httpx.HTTPError, BoundExceeded):
        return None
    return replace(
        exchange,
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        body=body_json(response.content),
        content=response.content,
    )


def judge_coverage(result: RunResult, contract: Contract, phases: tuple[str, ...]) -> None:
    """Green means tested: say why the run could not test what it meant to."""
    if result.stopped_early:
        missing = [p for p in phases if p not in result.phases_run]
        result.inconclusive.append(
            f"{result.stopped_early} before every phase ran"
            + (f" (not run or cut: {', '.join(missing)})" if missing else "")
        )
    for label, stats in result.operations.items():
        operation = contract.operation(stats.operation_id) if stats.operation_id else None
        if operation is None or not stats.responses:
            continue
        documented = sorted(s for s in operation.documented_statuses if 200 <= s < 300)
        if not documented or any(s in stats.observed for s in documented):
            continue
        seen = ", ".join(f"{code} x{n}" for code, n in sorted(stats.observed.items()))
        secured = bool(operation.definition.get("security"))
        refused = sum(n for code, n in stats.observed.items() if code in (401, 403))
        if secured and refused == stats.responses:
            result.inconclusive.append(
                f"authentication never succeeded on {label}: every answer was 401 or 403 "
                "(is the token valid for this target?)"
            )
        else:
            result.inconclusive.append(
                f"{label} never answered a documented success ({', '.join(map(str, documented))}); "
                f"answers: {seen}"
            )
