"""Direct tests of conformance.findings: exchanges, findings from failures, merging, digests."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from checks.fake import AMELIA, VIEWS
from report_samples import violation

from conformance.findings import (
    FORCED_MASKED_CHECKS,
    OUTAGE_MASKED_CHECKS,
    exchange_of,
    join_case,
    merge_findings,
    request_digest,
    to_finding,
)
from conformance.grading import Exchange
from conformance.redact import Redactor
from conformance.report.model import Finding, Reproduction

GET = "GET /customers/{customerId}"
SEARCH = "POST /customers/search"


def interaction(status=200, body=b"{}", headers=None, uri="http://t/customers/1", req=None):
    request = SimpleNamespace(
        method="GET", uri=uri, headers=(req or {}).get("headers", {}), body=(req or {}).get("body")
    )
    response = (
        None
        if status is None
        else SimpleNamespace(status_code=status, content=body, headers=headers or {})
    )
    return SimpleNamespace(request=request, response=response)


def failure(title="Bad", message="broken"):
    return SimpleNamespace(title=title, message=message)


def test_masks_forced_include_every_outage_mask():
    assert OUTAGE_MASKED_CHECKS < FORCED_MASKED_CHECKS
    assert {
        "ignored_auth",
        "ensure_resource_availability",
        "use_after_free",
    } == FORCED_MASKED_CHECKS - OUTAGE_MASKED_CHECKS


def test_exchange_of_reads_method_path_headers_and_query():
    recorded = interaction(
        404,
        b'{"x": 1}',
        {"Content-Type": ["application/json", "ignored"], "Retry-After": "5"},
        uri="http://t/customers/1?api-version=1&x=a%20b",
    )
    assert exchange_of(GET, recorded) == Exchange(
        "get",
        "/customers/{customerId}",
        404,
        {"content-type": "application/json", "retry-after": "5"},
        b'{"x": 1}',
        {"api-version": "1", "x": "a b"},
    )


def test_exchange_of_without_a_response_is_none_and_an_empty_body_is_bytes():
    assert exchange_of(GET, interaction(None)) is None
    assert exchange_of(GET, SimpleNamespace()) is None
    assert exchange_of(GET, interaction(204, body=None)).body == b""


def test_to_finding_for_an_outage_is_nothing():
    made = to_finding(
        "not_a_server_error",
        failure(),
        operation=GET,
        interaction=interaction(503, b"", {"Retry-After": "5"}),
        phase="examples",
        redactor=Redactor(),
        views=VIEWS,
    )
    assert made == []


def test_to_finding_when_the_judge_finds_nothing_the_evidence_backs_is_nothing():
    body = json.dumps(AMELIA.profile).encode()
    headers = {"Content-Type": "application/json", "Api-Version": "1.0"}
    made = to_finding(
        "response_schema_conformance",
        failure(),
        operation=GET,
        interaction=interaction(200, body, headers),
        phase="examples",
        redactor=Redactor(),
        views=VIEWS,
    )
    assert made == []


def test_to_finding_makes_one_finding_per_rule_the_response_breaks():
    made = to_finding(
        "response_schema_conformance",
        failure(),
        operation=GET,
        interaction=interaction(404, b"", {"Content-Type": "application/problem+json"}),
        phase="examples",
        redactor=Redactor(),
        views=VIEWS,
    )
    assert len(made) >= 2
    assert all(len(f.violations) == 1 and f.operations == [GET] for f in made)
    assert "components/headers.yaml#/Api-Version header/Api-Version" in {f.rule for f in made}


def test_to_finding_without_an_interaction_has_no_status_and_no_reproduction():
    (made,) = to_finding(
        "positive_data_acceptance",
        failure("Rejected", "valid data got 400"),
        operation=SEARCH,
        interaction=None,
        phase="coverage",
        redactor=Redactor(),
        views=VIEWS,
    )
    assert (made.statuses, made.reproduction, made.phase, made.operations) == (
        [],
        None,
        "coverage",
        [SEARCH],
    )
    assert made.violations[0].check == "positive_data_acceptance"
    assert made.violations[0].rule == "positive_data_acceptance"  # no place: the rule alone


def test_to_finding_with_a_request_but_no_response_keeps_the_reproduction():
    (made,) = to_finding(
        "not_a_server_error",
        failure("Timeout", "no answer"),
        operation=GET,
        interaction=interaction(None),
        phase="fuzzing",
        redactor=Redactor(),
        views=VIEWS,
    )
    assert made.statuses == [] and made.reproduction.status is None
    assert made.reproduction.curl.startswith("curl")


def test_to_finding_names_the_environment_variables_its_reproduction_reads():
    body = json.dumps({"filter": {"givenName": "Amelia", "familyName": "Hartley"}}).encode()
    (made,) = to_finding(
        "positive_data_acceptance",
        failure(),
        operation=SEARCH,
        interaction=interaction(400, b"{}", req={"body": body}),
        phase="examples",
        redactor=Redactor(),
        views=VIEWS,
    )
    assert made.reproduction.env == ("PII_familyName", "PII_givenName")
    assert "Amelia" not in made.reproduction.curl


def test_to_finding_places_the_rule_and_redacts_what_the_response_taught():
    response = json.dumps({"givenName": "Zebedee"}).encode()
    (made,) = to_finding(
        "ignored_auth",
        failure("Auth ignored", "got 'Zebedee' without a token"),
        operation="GET /customers",
        interaction=interaction(200, response, uri="http://t/customers"),
        phase="stateful",
        redactor=Redactor(),
        views=VIEWS,
    )
    (v,) = made.violations
    assert (v.check, v.rule, v.evidence, v.where) == (
        "ignored_auth",
        "paths/customers.yaml#/get security",
        "decision",  # the bearer transport is our reading
        "paths/customers.yaml#/get",
    )
    assert "Zebedee" not in v.message and v.title == "Auth ignored"
    assert made.statuses == [200]


def finding(*rules, op=GET, status=200, evidence="standard", reproduction=None, count=1):
    return Finding(
        tuple(violation(check=r.split(":")[0], rule=r, evidence=evidence) for r in rules),
        [op],
        [status],
        reproduction,
        "examples",
        count=count,
    )


def test_merge_sums_counts_keeps_order_and_does_not_repeat_operations_or_statuses():
    merged = merge_findings(
        [
            finding("a:1", op=GET, status=200, count=2),
            finding("b:1", op=GET),
            finding("a:1", op=SEARCH, status=400),
            finding("a:1", op=GET, status=200),
        ]
    )
    assert [m.signature for m in merged] == [("a:1",), ("b:1",)]
    assert merged[0].count == 4
    assert merged[0].operations == [GET, SEARCH] and merged[0].statuses == [200, 400]


def test_merge_takes_the_first_reproduction_it_finds():
    repro = Reproduction("curl y", 500)
    merged = merge_findings([finding("a:1"), finding("a:1", reproduction=repro)])
    assert merged[0].reproduction == repro
    first = Reproduction("curl x", 200)
    merged = merge_findings(
        [finding("a:1", reproduction=first), finding("a:1", reproduction=repro)]
    )
    assert merged[0].reproduction == first


def test_merge_never_changes_its_inputs():
    one, two = finding("a:1", op=GET), finding("a:1", op=SEARCH)
    merge_findings([one, two])
    assert one.operations == [GET] and one.count == 1


def test_join_case_of_nothing_is_nothing():
    assert join_case([]) == []


def test_join_case_keeps_the_first_violation_of_each_rule_and_the_first_findings_fields():
    first = finding("a:1", "b:2", status=201)
    second = finding("b:2", "c:3", status=500)
    (joined,) = join_case([first, second])
    assert [v.rule for v in joined.violations] == ["a:1", "b:2", "c:3"]
    assert joined.statuses == [201]


def test_join_case_of_drift_only_is_one_drift_finding():
    (joined,) = join_case(
        [finding("a:1", evidence="decision"), finding("b:2", evidence="decision")]
    )
    assert joined.evidence == "decision" and joined.signature == ("a:1", "b:2")


def request(method="GET", uri="http://t/x", headers=None, body=None):
    return SimpleNamespace(method=method, uri=uri, headers=headers, body=body)


def test_request_digest_is_short_stable_and_depends_on_every_part():
    base = request(headers={"A": "1"}, body=b"{}")
    digest = request_digest(base)
    assert len(digest) == 16 and all(c in "0123456789abcdef" for c in digest)
    assert request_digest(request(headers={"A": "1"}, body=b"{}")) == digest
    assert request_digest(request(method="POST", headers={"A": "1"}, body=b"{}")) != digest
    assert request_digest(request(uri="http://t/y", headers={"A": "1"}, body=b"{}")) != digest
    assert request_digest(request(headers={"A": "2"}, body=b"{}")) != digest
    assert request_digest(request(headers={"A": "1"}, body=b"[]")) != digest


def test_request_digest_ignores_header_order_case_and_the_test_case_id():
    one = request(headers={"A": "1", "B": "2", "X-Schemathesis-TestCaseId": "abc"})
    two = request(headers={"b": "2", "a": "1", "x-schemathesis-testcaseid": "xyz"})
    assert request_digest(one) == request_digest(two)


def test_request_digest_reads_text_bodies_as_bytes_and_no_headers_as_none():
    assert request_digest(request(body="{}")) == request_digest(request(body=b"{}"))
    assert request_digest(request(headers=None, body=None)) == request_digest(
        request(headers={}, body=b"")
    )


@pytest.mark.parametrize("uri", ["http://t/x?q=1", "http://t/x?q=2"])
def test_request_digest_includes_the_query(uri):
    assert request_digest(request(uri=uri)) != request_digest(request(uri="http://t/x"))
