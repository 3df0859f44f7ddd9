"""Judging responses against both views: failures on known and standard rules only, drift
with its place and its patch, and a patch that makes the drift go away."""

import copy
import json
import shutil
from pathlib import Path

import pytest
from ndt_contract import load_contract
from ndt_contract.loader import spec_root
from schemathesis.core.failures import Failure

from checks.fake import AMELIA, VIEWS
from conformance.drift import DriftReport, apply_patch, build_patch
from conformance.exchange import Exchange
from conformance.judge import Views, judge_response
from conformance.recorder import FOLLOW_UP, FOLLOW_UP_CHECK, ContractChecks, Outage, outage
from conformance.redact import body_json

PROFILE = "/customers/{customerId}"
JSON = {"content-type": "application/json", "api-version": "1.0"}
PROBLEM = {"content-type": "application/problem+json", "api-version": "1.0"}
EXAMPLES = load_contract().bundle["components"]["examples"]


def judge(status, headers, body, method="get", path=PROFILE, views=VIEWS):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return judge_response(views, method, path, status, headers, raw)


def test_our_own_personas_and_both_provider_versions_are_clean():
    assert judge(200, JSON, AMELIA.profile) == []
    assert judge(200, JSON, EXAMPLES["ProviderExampleA"]["value"]) == []
    assert judge(200, JSON, EXAMPLES["ProviderExampleB"]["value"]) == []


def test_a_known_type_broken_is_a_contract_failure_with_its_source():
    body = {**AMELIA.profile, "accounts": [{"accountNumber": 3915000000966364}]}
    (found,) = judge(200, JSON, body)
    assert (found.level, found.rule, found.where) == (
        "known",
        "type",
        "components/schemas.yaml#/AccountNumber",
    )
    assert found.sources == ("provider.example",) and "3915000000966364" not in found.message


def test_the_values_wrapper_is_known():
    (found,) = judge(200, JSON, [AMELIA.profile], "post", "/customers/search")
    assert found.level == "known"


def test_a_decision_broken_is_drift_with_the_change_that_accepts_it():
    body = {k: v for k, v in AMELIA.profile.items() if k != "customerRef"}
    (found,) = judge(200, JSON, body)
    assert (found.level, found.rule, found.where) == (
        "decision",
        "required/customerRef",
        "components/schemas.yaml#/CustomerProfile",
    )
    (op,) = found.proposal
    assert (op.file, op.op, op.path) == (
        "components/schemas.yaml",
        "remove",
        "/CustomerProfile/required/1",
    )


def test_a_null_where_our_reading_says_string_proposes_nullable():
    body = {**AMELIA.profile, "title": None}
    (found,) = judge(200, JSON, body)
    assert found.level == "decision"  # the example shows a string, not that it is never null
    (op,) = found.proposal
    assert (op.op, op.path, op.value) == ("add", "/CustomerProfile/properties/title/nullable", True)
    (found,) = judge(200, JSON, None)
    assert found.level == "known"  # the operation returns the profile: the body is never null
    body = {**AMELIA.profile, "status": "Dormant"}
    (found,) = judge(200, JSON, body)
    assert found.proposal[0].value == "Dormant" and found.proposal[0].path.endswith("/enum/-")


def test_a_missing_standard_header_is_a_standard_failure_and_a_gateway_one_is_drift():
    (found,) = judge(200, {"content-type": "application/json"}, AMELIA.profile)
    assert (found.level, found.rule) == ("standard", "header/Api-Version")
    throttled = {"type": "newday:generic:error:throttled", "title": "t", "traceId": "x"}
    (found,) = judge(
        429, {"content-type": "application/problem+json", "retry-after": "5"}, throttled
    )
    assert found.level == "decision" and found.proposal[0].op == "remove"


def test_an_unknown_status_is_drift():
    (found,) = judge(409, {}, b"")
    assert found.level == "decision" and found.proposal[0].path == "/get/responses/409"
    (found,) = judge(201, JSON, AMELIA.profile)  # a success of another code, with the profile
    assert found.level == "decision" and found.proposal[0].path == "/get/responses/201"


def test_a_success_without_the_documented_body_breaks_what_the_operation_returns():
    (found,) = judge(204, {}, b"")  # 204 is a normal success, but the profile did not come
    assert (found.level, found.rule, found.sources) == ("known", "status", ("provider.example",))
    assert "none came" in found.message


def test_media_type_known_for_profiles_and_ours_for_gateway_errors():
    (found,) = judge(200, {**JSON, "content-type": "text/plain"}, AMELIA.profile)
    assert (found.level, found.rule) == ("known", "content-type")
    (found,) = judge(
        500, {"content-type": "text/html", "api-version": "1.0", "retry-after": "2"}, b"<p>"
    )
    assert (found.level, found.rule) == ("standard", "content-type")


def test_empty_and_unparsable_bodies():
    (found,) = judge(404, {"api-version": "1.0"}, b"")
    assert found.level == "decision"  # no body of a 404 is documented
    (found,) = judge(200, JSON, b"{not json")
    assert found.level == "standard" and found.rule == "json"


def test_problems_without_status_or_trace_id_are_drift_only():
    minimal = {"type": "newday:generic:error:missing", "title": "Not found"}
    (found,) = judge(404, PROBLEM, minimal)
    assert found.level == "decision" and found.rule == "required/traceId"
    bad = {
        "type": "newday:generic:error:validation",
        "title": "t",
        "traceId": "x",
        "errors": {"a": "b"},
    }
    (found,) = judge(400, PROBLEM, bad, "post", "/customers/search")
    assert found.level == "standard"


def test_a_waived_standard_becomes_drift():
    waived = Views.of(load_contract(), {"standard.versioning"})
    headers = {"content-type": "application/problem+json", "retry-after": "2"}
    body = {"type": "newday:generic:error:unavailable", "title": "t", "traceId": "x"}
    assert [f.level for f in judge(500, headers, body)] == ["standard"]
    assert [f.level for f in judge(500, headers, body, views=waived)] == ["decision"]


def test_a_generic_500_without_retry_after_is_drift_only():
    headers = {"content-type": "application/problem+json", "api-version": "1.0"}
    assert {f.level for f in judge(500, headers, {})} == {"decision"}


def test_a_custom_400_type_is_drift_and_a_broken_validation_400_fails():
    custom = {"type": "newday:kyc:error:authenticationInvalid", "remainingAttempts": 3}
    found = judge(400, PROBLEM, custom, "post", "/customers/search")
    assert found and {f.level for f in found} == {"decision"}
    broken = {"type": "newday:generic:error:validation", "title": "t", "traceId": "x"}
    (found,) = judge(400, PROBLEM, broken, "post", "/customers/search")
    assert (found.level, found.rule) == ("standard", "anyOf")
    assert found.sources == ("standard.validation-errors",)
    assert "matches none of its 2 documented shapes" in found.message


# -- grading what schemathesis found ------------------------------------------------------


def exchange(status, headers, body=b"", method="get", path=PROFILE, query=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        "",
        method,
        path,
        status,
        headers,
        body_json(raw),
        query=dict(query or {}),
        content=raw,
    )


def failure(title="t"):
    return Failure(operation="GET /customers/{customerId}", title=title, message="m")


def grade(check, failed, seen):
    return ContractChecks(VIEWS).grade(check, failed, seen)


UNAVAILABLE = {"type": "newday:generic:error:unavailable", "title": "t"}


@pytest.mark.parametrize(
    "status,headers,body,expected",
    [
        (503, {"retry-after": "30"}, b"", Outage(503, "30")),
        (503, {}, b"", Outage(503, None)),  # a 503 is the gateway's "unavailable" as it is
        (429, {}, b"", Outage(429, None)),  # and a 429 its throttle
        (429, {"retry-after": " 60 "}, b"", Outage(429, "60")),
        (500, {}, UNAVAILABLE, Outage(500, None)),
        (500, {"retry-after": "5"}, UNAVAILABLE, Outage(500, "5")),
        (500, {"retry-after": "5"}, {"type": "newday:generic:error:internal"}, None),
        (500, {"retry-after": " "}, b"", None),
        (502, {"retry-after": "1"}, b"", None),
        (504, {}, b"", None),
        (200, {"retry-after": "1"}, b"", None),
    ],
)
def test_the_one_outage_rule(status, headers, body, expected):
    assert outage(exchange(status, headers, body)) == expected


@pytest.mark.parametrize(
    "status,headers,body",
    [
        (502, {}, b""),
        (502, {"retry-after": "1"}, b""),  # Retry-After does not make a 502 an outage
        (500, {"retry-after": "5"}, {"type": "newday:generic:error:internal"}),
    ],
)
def test_a_server_error_that_is_no_outage_is_the_targets_own_failure(status, headers, body):
    (found,) = grade("not_a_server_error", failure(), exchange(status, headers, body))
    assert (found.level, found.rule, found.sources) == (
        "known",
        "self.server-error",
        ("target.itself",),
    )
    assert found.where == "paths/customer-by-id.yaml#/get" and str(status) in found.message


def test_response_checks_are_judged_again_rule_by_rule():
    body = {**AMELIA.profile, "accounts": [{"accountNumber": 1}]}
    (found,) = grade("response_schema_conformance", failure(), exchange(200, JSON, body))
    assert found.level == "known"
    assert (
        grade("response_schema_conformance", failure(), exchange(200, JSON, AMELIA.profile)) == []
    )
    # a follow-up's answer is judged the same way, under its own name
    (found,) = grade(FOLLOW_UP_CHECK, FOLLOW_UP, exchange(200, JSON, body))
    assert found.level == "known"


@pytest.mark.parametrize(
    "check", ["negative_data_rejection", "positive_data_acceptance", "unsupported_method"]
)
def test_what_the_target_accepts_is_drift(check):
    (found,) = grade(check, failure(), exchange(200, JSON))
    assert found.level == "decision" and found.rule == check


def test_a_failure_without_an_exchange_is_drift():
    (found,) = grade("status_code_conformance", failure(), None)
    assert (found.level, found.where) == ("decision", "")


def test_requested_checks_fail_and_unknown_ones_are_drift():
    (found,) = grade("max_response_time", failure(), exchange(200, JSON))
    assert found.is_failure
    (found,) = grade("use_after_free", failure(), exchange(200, JSON))
    assert found.level == "decision"


def test_ignored_auth_takes_the_operations_evidence():
    # The operation that cannot answer without a token rests on the behaviour rule (known);
    # one whose token is optional takes the claim on its security (our reading here).
    (found,) = grade("ignored_auth", failure(), exchange(200, JSON, path="/customers"))
    assert (found.level, found.rule) == ("known", "identity.token-required")
    (found,) = grade("ignored_auth", failure(), exchange(200, JSON))
    assert (found.level, found.rule) == ("decision", "security")
    # A contract that claims the requirement fails a target that ignores it.
    from ndt_contract.loader import Contract

    contract = load_contract()
    document = copy.deepcopy(dict(contract.document))
    operation = document["paths"]["/customers/{customerId}"]["get"]
    operation["x-evidence"]["security"] = "provider.reference"
    claimed = Views(Contract(document, contract.source, contract.operations), {}, VIEWS.levels)
    (found,) = ContractChecks(claimed).grade("ignored_auth", failure(), exchange(200, JSON))
    assert (found.level, found.sources) == ("known", ("provider.reference",))


def test_our_checks_get_the_level_of_the_rules_they_name():
    from conformance.checks import Violation

    raised = Violation(
        operation="x", title="t", message="m", rules=("identity.token-customer",), where="w"
    )
    (found,) = grade("token_identity", raised, None)
    assert (found.level, found.rule, found.where, found.sources) == (
        "known",
        "identity.token-customer",
        "w",
        ("provider.reference",),
    )
    assert found.message == "t: m"


def test_a_finding_resting_on_a_reading_is_drift_at_most():
    from conformance.checks import Violation

    raised = Violation(
        operation="x",
        title="t",
        message="m",
        rules=("search.results-match-a-filter", "search.matching"),
    )
    (found,) = grade("search_results_match_filter", raised, None)
    assert (found.level, found.rule) == ("decision", "search.results-match-a-filter")


def test_waiving_a_rules_source_moves_its_level_with_no_code_change():
    from conformance.checks import Violation

    raised = Violation(
        operation="x", title="t", message="m", rules=("conventions.api-version-asked",)
    )
    (found,) = grade("api_version_value", raised, None)
    assert found.level == "standard"
    waived = Views.of(load_contract(), {"standard.versioning"})
    (found,) = ContractChecks(waived).grade("api_version_value", raised, None)
    assert found.level == "decision"


def test_a_check_naming_a_rule_the_contract_lacks_is_drift_with_no_patch():
    # The provider's own document carries none of our rules: what rests on them is drift.
    from conformance.checks import Violation

    raised = Violation(operation="x", title="t", message="m", rules=("no.such-rule",))
    (found,) = grade("token_identity", raised, None)
    assert (found.level, found.proposal) == ("decision", ())


# -- drift as a patch, applied ------------------------------------------------------------

LEGITIMATE = [
    # (method, path, status, headers, body): what a correct provider may answer
    (
        "get",
        PROFILE,
        200,
        JSON,
        {k: v for k, v in AMELIA.profile.items() if k not in ("customerRef", "ssoId")},
    ),
    ("get", PROFILE, 200, JSON, {**AMELIA.profile, "id": "12345", "status": "Dormant"}),
    ("get", PROFILE, 404, PROBLEM, {"type": "newday:generic:error:missing", "title": "x"}),
    ("get", PROFILE, 409, PROBLEM, {"type": "newday:generic:error:conflict"}),
    (
        "post",
        "/customers/search",
        200,
        JSON,
        {
            "values": [
                {
                    **AMELIA.profile,
                    "addresses": [
                        {
                            "format": "Manual",
                            "components": {"postcode": "n1c4da", "countryCode": "GB"},
                        }
                    ],
                }
            ]
        },
    ),
    (
        "post",
        "/customers/supported-formats/email-address",
        429,
        {"content-type": "text/plain", "retry-after": "60"},
        b"slow down",
    ),
    (
        "post",
        "/customers/supported-formats/phone-number",
        200,
        JSON,
        {"verified": True, "score": 0.9},
    ),
]


def judge_all(views):
    return [
        (f"{m.upper()} {p}", found)
        for m, p, status, headers, body in LEGITIMATE
        for found in judge(status, headers, body, m, p, views)
    ]


def test_legitimate_differences_are_drift_never_failures():
    found = judge_all(VIEWS)
    assert found and all(not f.is_failure for _, f in found), [
        (f.rule, f.where) for _, f in found if f.is_failure
    ]


def test_applying_the_drift_patch_leaves_no_drift(tmp_path: Path):
    report = DriftReport()
    for operation, found in judge_all(VIEWS):
        report.add(found, operation)
    assert len(report.lines()) == len(report.entries) >= 6
    patch_file = tmp_path / "drift.json"
    report.write(patch_file)
    spec = tmp_path / "spec"
    shutil.copytree(
        spec_root(),
        spec,
        ignore=shutil.ignore_patterns("*.py", "__pycache__", "ndt_contract", "_spec"),
    )
    changed = apply_patch(spec, json.loads(patch_file.read_text()))
    assert changed
    patched = Views.of(load_contract(spec / "openapi.yaml"))
    assert judge_all(patched) == []


def test_the_patch_orders_removals_from_one_list_highest_first():
    body = {
        k: v for k, v in AMELIA.profile.items() if k not in ("customerRef", "ssoId", "accounts")
    }
    patch = build_patch(judge(200, JSON, body))
    paths = [op["path"] for op in patch["files"]["components/schemas.yaml"]]
    assert paths == [
        "/CustomerProfile/required/4",
        "/CustomerProfile/required/2",
        "/CustomerProfile/required/1",
    ]


def test_a_patch_of_another_tool_or_outside_the_spec_is_refused(tmp_path: Path):
    with pytest.raises(ValueError):
        apply_patch(tmp_path, {"format": "other"})
    with pytest.raises(ValueError):
        apply_patch(tmp_path, {"format": "ndt-customer/drift-patch/1", "files": {"../x.yaml": []}})


def test_failures_never_enter_a_drift_report():
    (found,) = judge(200, {"content-type": "application/json"}, AMELIA.profile)
    with pytest.raises(ValueError):
        DriftReport().add(found, "GET /customers/{customerId}")


def test_a_bad_version_header_beside_a_good_query_is_no_finding():
    failure = Failure(
        operation="GET /customers",
        title="Schema-violating request accepted",
        message="Invalid component: parameter `Api-Version` in header - Invalid enum value",
    )
    good = exchange(200, JSON, b"{}", path="/customers", query={"api-version": "1"})
    assert grade("negative_data_rejection", failure, good) == []
    bad = exchange(200, JSON, b"{}", path="/customers", query={"api-version": "7"})
    assert grade("negative_data_rejection", failure, bad)[0].level == "decision"
    alone = exchange(200, JSON, b"{}", path="/customers")
    assert grade("negative_data_rejection", failure, alone)


def test_drift_findings_show_their_place_and_change():
    from conformance.report.model import Finding, Violation
    from conformance.report.terminal import spec_lines

    body = {k: v for k, v in AMELIA.profile.items() if k != "customerRef"}
    (found,) = judge(200, JSON, body)
    violation = Violation(
        "response_schema_conformance",
        found.rule,
        "t",
        found.message,
        "decision",
        found.where,
        found.proposal,
    )
    lines = spec_lines(Finding((violation,), ["GET /x"], [200], None, "examples"))
    assert lines == [
        "in the spec: components/schemas.yaml#/CustomerProfile",
        "to accept it: remove /CustomerProfile/required/1 in components/schemas.yaml",
    ]


def test_a_body_breaking_thousands_of_rules_is_judged_in_bounded_work():
    # A hostile body (4,000 broken items) must not cost the run or the proxy minutes.
    from conformance.judge import MAX_SCHEMA_ERRORS

    broken = {**AMELIA.profile, "accounts": [{"accountNumber": n} for n in range(4000)]}
    found = judge(200, JSON, broken)
    assert 0 < len(found) <= MAX_SCHEMA_ERRORS
    assert {j.rule for j in found} == {"type"}
