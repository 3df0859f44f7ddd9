"""The test data's own requests, asked in every run whatever the seed: each known customer by id
(with and without the run's token), each known token, each known search, and the provider's
example search shape. Our checks judge every answer as they judge the engine's, so the same
target gives the same findings for any seed, and a guessed pattern never decides what is sent.

Also here: what the record itself documents must be answered (a refusal that a repeat confirms
is a failure), and an outage that persists for the same request after its pause is a fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from conformance.checks import REGISTRY, RunContext
from conformance.checks.base import Violation, authenticate, caller, send
from conformance.exchange import Exchange
from conformance.recorder import FOLLOW_UP, FOLLOW_UP_CHECK, Recorder, outage
from conformance.testdata import TestData

PHASE = "probes"
EXAMPLE_FILTER_KEYS = ("givenName", "familyName", "postcode", "dateOfBirth")
MAX_PAUSE = 5.0  # seconds: the longest Retry-After honoured before asking again
MAX_REASKED = 3  # outages asked again per run


@dataclass(frozen=True)
class _Asked:
    """A probe's request: the operation, its path parameters, body and extra headers."""

    operation_id: str
    path_parameters: Mapping[str, str]
    body: Any = None
    headers: Mapping[str, str | None] | None = None
    documented: bool = False  # the record documents this request: a refusal is a failure


def planned(data: TestData, operations: frozenset[str]) -> list[_Asked]:
    """Every request the test data names, for the selected operations."""
    asked: list[_Asked] = []
    if "GetCustomer" in operations:
        for customer_id in data.customer_ids:
            asked.append(_Asked("GetCustomer", {"customerId": customer_id}, documented=True))
        for identity in data.identities.values():
            asked.append(
                _Asked("GetCustomer", {"customerId": identity.customer_id}, documented=True)
            )
    if "GetCustomerByAccessToken" in operations:
        for token in sorted(data.identities):
            asked.append(
                _Asked(
                    "GetCustomerByAccessToken",
                    {},
                    headers={"authorization": f"Bearer {token}"},
                    documented=True,
                )
            )
    if "SearchCustomers" in operations:
        for filters in data.search_filters:
            asked.append(_Asked("SearchCustomers", {}, {"filter": dict(filters)}, documented=True))
    seen: set[str] = set()
    unique = []
    for item in asked:
        key = repr(
            (item.operation_id, sorted(item.path_parameters.items()), item.body, item.headers)
        )
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def run_probes(
    schema: Any,
    context: RunContext,
    recorder: Recorder,
    data: TestData,
    *,
    deadline: float | None,
    checks: frozenset[str],
) -> int:
    """Ask every planned request once; returns how many were asked."""
    operations = frozenset(op.definition.raw.get("operationId", "") for op in _operations(schema))
    count = 0
    for item in planned(data, operations):
        if deadline is not None and time.monotonic() > deadline:
            recorder.inconclusive("--max-time cut the test data's probes short")
            break
        seen = _ask(schema, item, context)
        if seen is None:
            recorder.error(f"{item.operation_id}: a test data probe could not be sent")
            continue
        exchange, case = seen
        count += 1
        judged = _judge(context, exchange, case, checks)
        recorder.case(exchange.label)
        recorder.exchange(exchange, judged, PHASE)
        if item.documented and exchange.status == 400:
            again = _ask(schema, item, context)
            if again is not None and again[0].status == 400:
                recorder.failure(
                    "documented_request_accepted",
                    Violation(
                        operation=exchange.label,
                        title="A documented request was refused",
                        message=(
                            f"{exchange.label} refused a request the test data documents, twice "
                            "(400); the provider's example and the test data's own values must "
                            "be answered"
                        ),
                        rules=("requests.documented-accepted",),
                        where=context.where(item.operation_id),
                    ),
                    again[0],
                    PHASE,
                )
    return count


def _operations(schema: Any) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        operation = result.ok() if hasattr(result, "ok") else result
        if operation is not None:
            found.append(operation)
    return found


def _ask(schema: Any, item: _Asked, context: RunContext) -> tuple[Exchange, Any] | None:
    try:
        operation = schema.find_operation_by_id(item.operation_id)
    except Exception:  # the operation is not in this run's selection
        return None
    kwargs: dict[str, Any] = {"path_parameters": dict(item.path_parameters)}
    if item.body is not None:
        kwargs["body"] = item.body
        kwargs["media_type"] = "application/json"
    case = operation.Case(**kwargs)
    headers = dict(item.headers or {})
    authenticate(case)  # the run's auth provider (OAuth2), when it has one
    try:
        probe_context = replace(context, observe=None)  # the caller records the answer
        return send(case, headers, probe_context), case
    except Exception:  # a transport error: counted as an error by the caller
        return None


def _judge(
    context: RunContext, exchange: Exchange, case: Any, checks: frozenset[str]
) -> list[tuple[str, Any]]:
    """Our checks and the response's conformance, on one probe's answer."""
    judged: list[tuple[str, Any]] = [(FOLLOW_UP_CHECK, FOLLOW_UP)]
    call = caller(case, exchange, context)
    for name, spec in REGISTRY.items():
        if name not in checks:
            continue
        try:
            spec.function(context, exchange, call)
        except Violation as failure:
            judged.append((name, failure))
        else:
            judged.append((name, None))
    return judged


def reask_outages(
    recorder: Recorder, send: Callable[[Exchange], Exchange | None], sleep: Callable[[float], None]
) -> None:
    """An outage that comes back for the same request after the pause it asked for, while the
    target answered other requests, is a fault, not an outage."""
    answered_elsewhere = any(count for label, count in recorder.successes.items() if count)
    if not answered_elsewhere:
        return
    done: set[str] = set()
    for label, exchange in list(recorder.outages_seen):
        if label in done or len(done) >= MAX_REASKED:
            continue
        done.add(label)
        found = outage(exchange)
        pause = _seconds(found.retry_after if found else None)
        sleep(pause)
        again = send(exchange)
        if again is None or outage(again) is None:
            continue
        recorder.failure(
            "persistent_outage",
            Violation(
                operation=label,
                title="An outage that does not pass",
                message=(
                    f"{label} answered {exchange.status} again for the same request after "
                    f"{pause:g} s, while the target answered other requests: a fault, not an "
                    "outage"
                ),
                rules=("self.persistent-fault",),
            ),
            again,
            "outages",
            label=label,
        )


def _seconds(retry_after: str | None) -> float:
    try:
        value = float(retry_after) if retry_after else 1.0
    except ValueError:
        value = 1.0
    return max(0.5, min(value, MAX_PAUSE))
