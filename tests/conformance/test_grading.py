"""Direct tests of conformance.recorder.ContractChecks: every branch of `grade`, with exact
messages, and the one outage rule.

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
from conformance.exchange import Exchange
from conformance.judge import Judgement, PatchOp, Views
from conformance.recorder import (
    ACCEPTANCE_CHECKS,
    RESPONSE_CHECKS,
    UNAVAILABLE_TYPE,
    ContractChecks,
    Outage,
    outage,
)
from conformance.redact import body_json

PROFILE = "/customers/{customerId}"
JSON = {"content-type": "application/json", "api-version": "1.0"}
OP_WHERE = "paths/customer-by-id.yaml#/get"
VERSION_HEADER = "Invalid component: parameter `Api-Version` in header - Invalid enum value"
UNAVAILABLE = json.dumps({"type": UNAVAILABLE_TYPE, "title": "t"}).encode()


def failure(title: str = "Title", message: str = "Message") -> Failure:
    return Failure(operation="GET /x", title=title, message=message)


def exchange(status=200, headers=None, body=b"{}", path=PROFILE, method="get", query=None):
    return Exchange(
        "",
        method,
        path,
        status,
        JSON if headers is None else headers,
        body_json(body),
        query=query or {},
        content=body,
    )


def grade(views, check, failed, seen):
    return ContractChecks(views).grade(check, failed, seen)


# -- outage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("headers", [{}, {"retry-after": " 30 "}, {"retry-after": " "}])
def test_a_429_or_a_503_is_an_outage_whatever_it_carries(status, headers):
    retry = (headers.get("retry-after") or "").strip() or None
    assert outage(exchange(status, headers, b"")) == Outage(status, retry)


@pytest.mark.parametrize("headers,retry", [({}, None), ({"retry-after": "2"}, "2")])
def test_a_500_of_the_unavailable_type_is_an_outage_with_or_without_retry_after(headers, retry):
    assert outage(exchange(500, headers, UNAVAILABLE)) == Outage(500, retry)


@pytest.mark.parametrize(
    "status,headers,body",
    [
        (500, {"retry-after": "5"}, b'{"type": "newday:generic:error:internal"}'),
        (500, {"retry-after": "5"}, b"oops"),  # not a problem at all
        (500, {}, b"[]"),
        (502, {"retry-after": "5"}, b""),  # not an outage status
        (504, {}, b""),
        (200, {"retry-after": "5"}, b""),
    ],
)
def test_not_outages(status, headers, body):
    assert outage(exchange(status, headers, body)) is None


# -- our own checks ---------------------------------------------------------------------------


def test_a_violation_naming_rules_is_graded_by_them_with_everything_it_carries():
    op = PatchOp("components/schemas.yaml", "remove", "/X/required/0")
    raised = SimpleNamespace(
        rules=("conventions.api-version-asked",),
        where="openapi.yaml#/x",
        title="Another version",
        message="asked 1, answered 2.0",
        proposal=[op],
    )
    assert grade(VIEWS, "api_version_value", raised, exchange()) == [
        Judgement(
            "standard",
            "conventions.api-version-asked",
            "openapi.yaml#/x",
            "Another version: asked 1, answered 2.0",
            ("standard.versioning",),
            (op,),
        )
    ]


def test_a_violation_without_where_or_proposal_takes_blanks():
    raised = SimpleNamespace(rules=("identity.token-customer",), title="T", message="M")
    (found,) = grade(VIEWS, "token_identity", raised, None)
    assert (found.level, found.rule, found.where, found.sources, found.proposal) == (
        "known",
        "identity.token-customer",
        "",
        ("provider.reference",),
        (),
    )
    assert found.message == "T: M"


def test_the_check_packages_violation_is_graded_by_the_weakest_of_its_rules():
    raised = CheckViolation(
        operation="GetCustomer",
        title="t",
        message="m",
        rules=("search.results-match-a-filter", "search.matching"),
        where="w",
    )
    (found,) = grade(VIEWS, "search_matches", raised, exchange())
    assert (found.level, found.rule, found.where, found.message) == (
        "decision",
        "search.results-match-a-filter",
        "w",
        "t: m",
    )
    assert found.sources == ("provider.reference",)


def test_a_rule_the_contract_does_not_state_is_drift():
    raised = SimpleNamespace(rules=("no.such-rule",), title="T", message="M")
    (found,) = grade(VIEWS, "token_identity", raised, None)
    assert found.level == "decision"


# -- not_a_server_error -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status,headers,body",
    [
        (502, {}, b""),
        (502, {"retry-after": "2"}, b""),
        (500, {"retry-after": "2"}, b'{"type": "about:blank"}'),
    ],
)
def test_a_server_error_is_the_targets_own_failure(status, headers, body):
    (found,) = grade(VIEWS, "not_a_server_error", failure(), exchange(status, headers, body))
    assert found == Judgement(
        "known",
        "self.server-error",
        OP_WHERE,
        f"answered {status}, not an outage (a 429, a 503 or a 500 {UNAVAILABLE_TYPE}): the "
        "target failed on this request",
        ("target.itself",),
    )


def test_a_server_error_on_a_path_outside_the_contract_has_no_place():
    (found,) = grade(VIEWS, "not_a_server_error", failure(), exchange(500, {}, path="/nowhere"))
    assert found.where == "" and found.rule == "self.server-error"


def test_not_a_server_error_without_a_response_is_drift_like_any_check_without_one():
    (found,) = grade(VIEWS, "not_a_server_error", failure("Server error", "timeout"), None)
    assert found.level == "decision" and found.where == ""
    assert found.message.startswith("Server error: timeout (the provider documents no")


# -- response checks ------------------------------------------------------------------------


@pytest.mark.parametrize("check", sorted(RESPONSE_CHECKS))
def test_response_checks_on_a_conforming_response_find_nothing(check):
    body = json.dumps(AMELIA.profile).encode()
    assert grade(VIEWS, check, failure(), exchange(200, JSON, body)) == []
    assert "response_conformance" in RESPONSE_CHECKS  # the follow-ups' own name


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
    document = {
        "paths": {"/x": {"get": {"parameters": parameters}}},
        # the one rule this branch needs: the contract states it
        "x-behaviours": {"requests.validation": {"says": "ours", "sources": []}},
    }
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


def test_ignored_auth_on_the_token_operation_breaks_the_token_required_rule():
    # The bearer transport is our reading, but answering without a valid token is not.
    (found,) = grade(
        VIEWS, "ignored_auth", failure("Auth ignored", "no token: 200"), exchange(path="/customers")
    )
    assert found == Judgement(
        "known",
        "identity.token-required",
        "paths/customers.yaml#/get",
        "Auth ignored: no token: 200",
        ("provider.reference",),
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
