"""Direct tests of conformance.grading: every branch of `grade`, with exact messages.

Most branches run on the real contract's views; the Api-Version supersession branches that the
real contract cannot show (no query parameter, no enum) run on a two-operation document.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from checks.fake import AMELIA, VIEWS
from schemathesis.core.failures import Failure

from conformance.checks import Violation as CheckViolation
from conformance.grading import (
    ACCEPTANCE_CHECKS,
    OUTAGE_STATUSES,
    RESPONSE_CHECKS,
    Exchange,
    Outage,
    grade,
    outage,
)
from conformance.judge import Judgement, PatchOp, Views

PROFILE = "/customers/{customerId}"
JSON = {"content-type": "application/json", "api-version": "1.0"}
OP_WHERE = "paths/customer-by-id.yaml#/get"
VERSION_HEADER = "Invalid component: parameter `Api-Version` in header - Invalid enum value"


def failure(title: str = "Title", message: str = "Message") -> Failure:
    return Failure(operation="GET /x", title=title, message=message)


def exchange(status=200, headers=None, body=b"{}", path=PROFILE, method="get", query=None):
    return Exchange(method, path, status, headers or JSON, body, query or {})


# -- outage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(OUTAGE_STATUSES))
def test_each_outage_status_with_retry_after_is_an_outage(status):
    assert outage(exchange(status, {"retry-after": " 30 "})) == Outage(status, "30")


@pytest.mark.parametrize(
    "status,headers",
    [
        (503, {}),  # no Retry-After
        (500, {"retry-after": ""}),
        (429, {"retry-after": "   "}),
        (502, {"retry-after": "5"}),  # not an outage status
        (200, {"retry-after": "5"}),
    ],
)
def test_not_outages(status, headers):
    assert outage(exchange(status, headers)) is None


# -- our own checks ---------------------------------------------------------------------------


def test_a_violation_carrying_its_level_is_graded_by_it_with_everything_it_carries():
    op = PatchOp("components/schemas.yaml", "remove", "/X/required/0")
    raised = SimpleNamespace(
        level="standard",
        rule="header/Client-Session-Id",
        where="openapi.yaml#/x",
        title="Session not echoed",
        message="the header is missing",
        sources=["standard.session"],
        proposal=[op],
    )
    assert grade(VIEWS, "session_echo", raised, exchange()) == [
        Judgement(
            "standard",
            "header/Client-Session-Id",
            "openapi.yaml#/x",
            "Session not echoed: the header is missing",
            ("standard.session",),
            (op,),
        )
    ]


def test_a_levelled_violation_without_rule_where_sources_takes_the_check_name_and_blanks():
    raised = SimpleNamespace(level="known", title="T", message="M")
    (found,) = grade(VIEWS, "token_identity", raised, None)
    assert (found.level, found.rule, found.where, found.sources, found.proposal) == (
        "known",
        "token_identity",
        "",
        (),
        (),
    )
    assert found.message == "T: M"


def test_the_check_packages_violation_is_graded_by_its_own_evidence():
    raised = CheckViolation(
        operation="GetCustomer", title="t", message="m", level="decision", rule="r", where="w"
    )
    (found,) = grade(VIEWS, "search_matches", raised, exchange())
    assert (found.level, found.rule, found.where, found.message) == ("decision", "r", "w", "t: m")


# -- not_a_server_error -------------------------------------------------------------------------


def test_a_server_error_with_retry_after_is_an_outage_not_a_finding():
    graded = grade(VIEWS, "not_a_server_error", failure(), exchange(500, {"retry-after": "2"}))
    assert graded == Outage(500, "2")


def test_a_server_error_without_retry_after_breaks_the_unavailable_standard():
    (found,) = grade(VIEWS, "not_a_server_error", failure(), exchange(502, {}))
    assert found == Judgement(
        "standard",
        "server-error",
        OP_WHERE,
        "answered 502 without Retry-After; the standard: a dependency that cannot answer is a "
        "500 unavailable with Retry-After, a bad request a 400",
        ("standard.unavailable",),
    )


def test_a_server_error_on_a_path_outside_the_contract_has_no_place():
    (found,) = grade(VIEWS, "not_a_server_error", failure(), exchange(500, {}, path="/nowhere"))
    assert found.where == "" and found.rule == "server-error"


def test_not_a_server_error_without_a_response_is_drift_like_any_check_without_one():
    (found,) = grade(VIEWS, "not_a_server_error", failure("Server error", "timeout"), None)
    assert found.level == "decision" and found.where == ""
    assert found.message.startswith("Server error: timeout (the provider documents no")


# -- response checks ------------------------------------------------------------------------


@pytest.mark.parametrize("check", sorted(RESPONSE_CHECKS))
def test_response_checks_on_a_conforming_response_find_nothing(check):
    body = json.dumps(AMELIA.profile).encode()
    assert grade(VIEWS, check, failure(), exchange(200, JSON, body)) == []


@pytest.mark.parametrize("check", sorted(RESPONSE_CHECKS))
def test_response_checks_are_judged_again_whatever_schemathesis_said(check):
    body = json.dumps({**AMELIA.profile, "accounts": [{"accountNumber": 1}]}).encode()
    (found,) = grade(VIEWS, check, failure("ignored", "ignored"), exchange(200, JSON, body))
    assert (found.level, found.rule, found.where) == (
        "known",
        "type",
        "components/schemas.yaml#/AccountNumber",
    )
    assert "ignored" not in found.message


def test_a_response_check_without_a_response_is_drift():
    (found,) = grade(VIEWS, "response_schema_conformance", failure("T", "M"), None)
    assert found.level == "decision" and found.rule == "response_schema_conformance"


# -- requested checks -----------------------------------------------------------------------------


def test_a_requested_check_fails_as_asked_whatever_the_evidence():
    (found,) = grade(VIEWS, "max_response_time", failure("Slow", "took 3 s"), exchange())
    assert found == Judgement("requested", "max_response_time", OP_WHERE, "Slow: took 3 s")
    assert found.is_failure


def test_a_requested_check_without_a_response_has_no_place():
    (found,) = grade(VIEWS, "max_response_time", failure(), None)
    assert found.level == "requested" and found.where == ""


# -- acceptance checks: drift --------------------------------------------------------------------


@pytest.mark.parametrize("check", sorted(ACCEPTANCE_CHECKS))
def test_acceptance_checks_are_drift_saying_the_provider_documents_no_validation(check):
    (found,) = grade(VIEWS, check, failure("Accepted", "bad body"), exchange())
    assert found == Judgement(
        "decision",
        check,
        OP_WHERE,
        "Accepted: bad body (the provider documents no validation rules: our reading of them "
        "differs from the target's)",
    )


# -- the Api-Version header superseded by a good query ---------------------------------------------


@pytest.mark.parametrize("good", ["1", "1.0"])
def test_a_bad_header_beside_a_good_query_is_no_finding(good):
    graded = grade(
        VIEWS,
        "negative_data_rejection",
        failure("Schema-violating request accepted", VERSION_HEADER),
        exchange(query={"api-version": good}),
    )
    assert graded == []


def test_the_marker_may_be_in_the_title():
    graded = grade(
        VIEWS,
        "negative_data_rejection",
        failure(VERSION_HEADER, ""),
        exchange(query={"api-version": "1"}),
    )
    assert graded == []


@pytest.mark.parametrize(
    "message,query",
    [
        (VERSION_HEADER, {"api-version": "2"}),  # the query is bad too
        (VERSION_HEADER, {}),  # no query at all
        ("Invalid component: parameter `customerId` in path", {"api-version": "1"}),  # another
    ],
)
def test_otherwise_the_rejection_stays_drift(message, query):
    (found,) = grade(VIEWS, "negative_data_rejection", failure("T", message), exchange(query=query))
    assert found.level == "decision" and found.rule == "negative_data_rejection"


def test_supersession_applies_only_to_negative_data_rejection():
    (found,) = grade(
        VIEWS,
        "positive_data_acceptance",
        failure("T", VERSION_HEADER),
        exchange(query={"api-version": "1"}),
    )
    assert found.rule == "positive_data_acceptance"


def synthetic_views(parameters: list[dict]) -> Views:
    document = {"paths": {"/x": {"get": {"parameters": parameters}}}}
    contract = SimpleNamespace(document=document, locate=lambda pointer: ("x.yaml", pointer))
    return Views(contract, document, {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "parameters,superseded",
    [
        ([{"in": "query", "name": "api-version", "schema": {"type": "string"}}], True),  # any
        ([{"in": "query", "name": "api-version"}], True),  # no schema: any value
        ([{"in": "query", "name": "api-version", "schema": {"enum": ["9"]}}], False),
        ([{"in": "header", "name": "api-version", "schema": {}}], False),  # not a query one
        ([], False),  # the operation takes no api-version query
    ],
)
def test_whether_the_query_is_good_is_read_off_the_operation(parameters, superseded):
    graded = grade(
        synthetic_views(parameters),
        "negative_data_rejection",
        failure("T", VERSION_HEADER),
        exchange(path="/x", query={"api-version": "1"}),
    )
    assert (graded == []) is superseded
    if not superseded:
        assert graded[0].where == "x.yaml#/paths/~1x/get"


# -- ignored_auth ---------------------------------------------------------------------------------


def test_ignored_auth_on_the_token_operation_is_drift_the_bearer_transport_is_ours():
    (found,) = grade(
        VIEWS, "ignored_auth", failure("Auth ignored", "no token: 200"), exchange(path="/customers")
    )
    assert found == Judgement(
        "decision",
        "security",
        "paths/customers.yaml#/get",
        "Auth ignored: no token: 200",
        (),
    )


def test_ignored_auth_on_an_operation_without_a_security_claim_is_drift():
    (found,) = grade(VIEWS, "ignored_auth", failure("Auth ignored", "m"), exchange())
    assert (found.level, found.rule, found.where, found.sources) == (
        "decision",
        "security",
        OP_WHERE,
        (),
    )


def test_ignored_auth_without_a_response_is_drift_under_its_check_name():
    (found,) = grade(VIEWS, "ignored_auth", failure(), None)
    assert (found.level, found.rule) == ("decision", "ignored_auth")


# -- anything else ----------------------------------------------------------------------------------


@pytest.mark.parametrize("check", ["use_after_free", "ensure_resource_availability", "new_one"])
def test_other_checks_are_drift_backed_by_no_evidence(check):
    (found,) = grade(VIEWS, check, failure("T", "M"), exchange())
    assert found == Judgement(
        "decision", check, OP_WHERE, "T: M (no evidence backs this check for this API)"
    )
