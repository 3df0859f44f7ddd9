"""Run results built by hand for the reporter tests: one of each kind of finding."""

from __future__ import annotations

from conformance.judge import PatchOp
from conformance.report.model import Finding, OperationStats, Reproduction, RunResult, Violation

GET = "GET /customers/{customerId}"
SEARCH = "POST /customers/search"
VERIFY = "POST /customers/supported-formats/email-address"


def violation(check="response_schema_conformance", rule="type", evidence="known", **extra):
    return Violation(
        check=check,
        rule=rule,
        title=extra.pop("title", f"{rule} broken"),
        message=extra.pop("message", f"{rule}: what came differs"),
        evidence=evidence,
        **extra,
    )


def finding(*violations: Violation, operations=(GET,), statuses=(200,), **extra) -> Finding:
    return Finding(
        violations=tuple(violations) or (violation(),),
        operations=list(operations),
        statuses=list(statuses),
        reproduction=extra.pop("reproduction", None),
        phase=extra.pop("phase", "examples"),
        **extra,
    )


def operation(label=GET, **extra) -> OperationStats:
    defaults = dict(
        operation_id=label.split()[-1],
        cases=5,
        responses=5,
        documented=(200, 404),
        observed={200: 5},
        checks_run={"response_schema_conformance", "not_a_server_error"},
    )
    return OperationStats(label, **{**defaults, **extra})


FAILURE = finding(
    violation(
        rule="components/schemas.yaml#/AccountNumber type",
        title="Response violates schema",
        message="accounts/0/accountNumber: integer where the contract says string",
        where="components/schemas.yaml#/AccountNumber",
    ),
    statuses=(200, 201),
    reproduction=Reproduction(
        "curl -X GET 'http://t/customers/1' -H 'Authorization: Bearer ${TOKEN}'", 200, ("TOKEN",)
    ),
    count=3,
)
DRIFT = finding(
    violation(
        rule="components/schemas.yaml#/CustomerProfile required/customerRef",
        evidence="decision",
        title="Missing field",
        message="customerRef is absent",
        where="components/schemas.yaml#/CustomerProfile",
        proposal=(PatchOp("components/schemas.yaml", "remove", "/CustomerProfile/required/1"),),
    ),
    operations=(GET, SEARCH),
)
BASELINED = finding(
    violation(check="not_a_server_error", rule="server-error", evidence="standard"),
    operations=(SEARCH,),
    statuses=(502,),
    baselined=True,
)


def result(**extra) -> RunResult:
    defaults = dict(
        base_url="http://127.0.0.1:8000",
        seed=42,
        operations={GET: operation(GET), SEARCH: operation(SEARCH), VERIFY: operation(VERIFY)},
        checks=["not_a_server_error", "response_schema_conformance"],
        elapsed=2.0,
        phases=("examples", "coverage"),
    )
    return RunResult(**{**defaults, **extra})
