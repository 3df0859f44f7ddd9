"""Status coverage against our mock: every documented status the run never reached is asked
for with `Prefer: code=N` and the answer judged like any other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.engine import PHASE_TITLES, Progress, ProgressCallback
from conformance.exchange import exchange_from
from conformance.recorder import Recorder


@dataclass
class _Outcomes:
    """What run_checks reports about one forced response: each failing check with its
    failure, and the names of the checks that passed."""

    broken: list[tuple[str, Any]] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    def failed(self, name: str, _collected: object, failure: Any) -> None:
        self.broken.append((name, failure))

    def succeeded(self, name: str, _case: object) -> None:
        self.passed.append(name)


def force_documented_statuses(
    samples: dict[str, Any], recorder: Recorder, on_progress: ProgressCallback | None
) -> None:
    """Against our mock only (it announced itself at /__admin/personas): reach each documented
    status the run never saw by asking for it with `Prefer: code=N` on a request the mock
    answered with a 2xx, and judge that response with the same checks as any other."""
    from requests.structures import CaseInsensitiveDict
    from schemathesis.checks import CheckContext, run_checks, run_checks_for

    result = recorder.result
    todo = [(label, status) for label, op in result.operations.items() for status in op.missed]
    title = PHASE_TITLES["status-coverage"]
    for done, (label, status) in enumerate(todo, start=1):
        case = samples.get(label)
        if case is None:
            continue
        recorder.case(label)
        try:
            response = case.call(headers={"Prefer": f"code={status}"})
        except Exception as exc:  # a transport error: report it, keep going
            recorder.error(f"{label}: forcing {status}: {type(exc).__name__}")
            continue
        schema = case.operation.schema
        ctx = CheckContext(
            override=None,
            auth=None,
            headers=CaseInsensitiveDict(response.request.headers),
            config=schema.config.checks_config_for(operation=case.operation, phase=None),
            transport_kwargs=None,
            response_checks=run_checks_for(schema).for_responses(),
        )
        outcomes = _Outcomes()
        run_checks(
            case=case,
            response=response,
            ctx=ctx,
            checks=list(ctx.internals.checks),
            on_failure=outcomes.failed,
            on_success=outcomes.succeeded,
        )
        checks = [*outcomes.broken, *((name, None) for name in outcomes.passed)]
        failed = recorder.exchange(
            exchange_from(response, case), checks, "status-coverage", label=label, forced=status
        )
        if on_progress:
            on_progress(Progress(title, done, len(todo), label, failed))
