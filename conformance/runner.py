"""Run schemathesis (examples, coverage, fuzzing, stateful) with our checks; emit results.

The runner only produces a `RunResult`: redacted before it leaves this module, so reporters
(terminal summary, JUnit) never see a secret or PII.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from ndt_contract import Contract, load_contract

from conformance import checks  # noqa: F401  (importing it registers our checks with schemathesis)
from conformance.options import ConformOptions, UsageError, validate
from conformance.redact import body_json, pii_values, redact_headers, redact_json, scrub
from conformance.testdata import TestData, apply_to_spec, discover_mock, load_testdata


class TargetUnreachable(UsageError):
    pass


@dataclass(frozen=True)
class FailureRecord:
    operation: str
    check: str
    title: str
    message: str
    status: int | None
    curl: str
    phase: str


@dataclass
class OperationStats:
    label: str
    cases: int = 0
    failures: int = 0


@dataclass
class RunResult:
    base_url: str
    seed: int
    operations: dict[str, OperationStats] = field(default_factory=dict)
    failures: list[FailureRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    testdata_source: str = ""
    phases: tuple[str, ...] = ()

    @property
    def cases(self) -> int:
        return sum(op.cases for op in self.operations.values())

    @property
    def passed(self) -> bool:
        return not self.failures and not self.errors


def _client(options: ConformOptions) -> httpx.Client:
    cert = None
    if options.cert:
        cert = (str(options.cert), str(options.key)) if options.key else str(options.cert)
    return httpx.Client(
        verify=options.tls_verify,
        cert=cert,
        timeout=options.request_timeout,
        headers=options.headers,
    )


def probe(options: ConformOptions, client: httpx.Client) -> None:
    try:
        client.get(options.base_url, timeout=5)
    except httpx.HTTPError as exc:
        raise TargetUnreachable(
            f"cannot reach {options.base_url}: {type(exc).__name__}: {exc}"
        ) from None


def _schema(contract: Contract, options: ConformOptions, data: TestData):
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig()
    config.update(seed=options.seed, max_failures=None)
    project = config.projects.override
    headers = dict(options.headers)
    if data.token:
        headers["Authorization"] = f"Bearer {data.token}"
    project.update(
        base_url=options.base_url,
        headers=headers,
        workers=options.workers,
        rate_limit=options.rate_limit,
        request_timeout=options.request_timeout,
        tls_verify=options.tls_verify,
        request_cert=str(options.cert) if options.cert else None,
        request_cert_key=str(options.key) if options.key else None,
    )
    project.phases.update(phases=list(options.phases))
    project.checks.update(included_check_names=["all"], max_response_time=options.max_response_time)
    project.generation.update(max_examples=options.max_examples, deterministic=False)
    spec = apply_to_spec(contract.to_dict(), data)
    schema = schemathesis.openapi.from_dict(spec, config=config)
    if options.operations:
        schema = schema.include(operation_id=list(options.operations))
    return schema


def _curl(request: Any, secrets: list[str], pii: set[str]) -> str:
    parts = ["curl", "-X", request.method]
    for name, value in redact_headers(request.headers).items():
        if name.lower() in (
            "content-length",
            "user-agent",
            "accept-encoding",
            "connection",
            "accept",
        ):
            continue
        parts += ["-H", f"{name}: {value}"]
    body = body_json(request.body)
    if body is not None:
        parts += ["-d", json.dumps(redact_json(body))]
    elif request.body:
        parts += ["-d", "[binary body redacted]"]
    parts.append(request.uri)
    return scrub(shlex.join(parts), pii, secrets)


def _failure_record(
    recorder: Any, case_id: str, node: Any, phase: str, secrets: list[str]
) -> FailureRecord:
    """One failed check, redacted: PII seen in the request or response is scrubbed everywhere."""
    failure = node.failure_info.failure
    interaction = recorder.interactions.get(case_id)
    pii: set[str] = set()
    status = None
    curl = ""
    if interaction is not None:
        pii |= pii_values(body_json(interaction.request.body))
        if interaction.response is not None:
            status = interaction.response.status_code
            pii |= pii_values(body_json(interaction.response.content))
        curl = _curl(interaction.request, secrets, pii)
    return FailureRecord(
        recorder.cases[case_id].value.operation.label,
        node.name,
        scrub(failure.title, pii, secrets),
        scrub(failure.message, pii, secrets),
        status,
        curl,
        phase,
    )


def run_conformance(
    options: ConformOptions,
    *,
    contract: Contract | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Validate options, find test data, run every phase; raises UsageError for exit-2 cases."""
    from schemathesis.engine import events, from_schema

    contract = contract or load_contract(options.spec)
    options = validate(options, contract)
    with _client(options) as client:
        probe(options, client)
        data = (
            load_testdata(options.testdata, options.base_url)
            if options.testdata
            else discover_mock(options.base_url, client) or TestData()
        )
    if options.token:
        data = replace(data, token=options.token)
    secrets = [s for s in (options.token, data.token, *options.headers.values()) if s]

    result = RunResult(
        options.base_url, options.seed, testdata_source=data.source, phases=options.phases
    )
    for op in contract.operations.values():
        if not options.operations or op.operation_id in options.operations:
            label = f"{op.method.upper()} {op.path}"
            result.operations[label] = OperationStats(label)
    started = time.perf_counter()
    seen: set[tuple[str, str, str]] = set()
    for event in from_schema(_schema(contract, options, data)).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for node in recorder.cases.values():
                label = node.value.operation.label
                result.operations.setdefault(label, OperationStats(label)).cases += 1
            for case_id, nodes in recorder.checks.items():
                for node in nodes:
                    if node.failure_info is None:
                        continue
                    label = recorder.cases[case_id].value.operation.label
                    key = (label, node.name, node.failure_info.failure.title)
                    if key in seen:
                        continue
                    seen.add(key)
                    record = _failure_record(
                        recorder, case_id, node, str(event.phase.value), secrets
                    )
                    result.operations.setdefault(label, OperationStats(label)).failures += 1
                    result.failures.append(record)
                    if on_progress:
                        on_progress(f"FAIL {label}: {node.name}")
        elif isinstance(event, events.NonFatalError):
            result.errors.append(
                scrub(f"{event.label}: {event.info.title}: {event.info.message}", (), secrets)
            )
        elif isinstance(event, events.FatalError):
            result.errors.append(scrub(f"fatal: {event.exception}", (), secrets))
        elif isinstance(event, events.PhaseFinished) and on_progress:
            on_progress(f"phase {event.phase.name.value}: {event.status.value}")
    result.elapsed = time.perf_counter() - started
    return result
