"""Direct tests of conformance.recorder.Recorder: counting, outages, masks, grading, merging
one finding per rule, redaction, reproductions and request digests."""

from __future__ import annotations

import json

import pytest
from checks.fake import AMELIA, VIEWS
from schemathesis.core.failures import Failure

from conformance.checks import Violation as CheckViolation
from conformance.exchange import Exchange
from conformance.recorder import (
    FORCED_MASKED_CHECKS,
    OUTAGE_MASKED_CHECKS,
    UNAVAILABLE_TYPE,
    Recorder,
    request_digest,
)
from conformance.redact import Redactor, body_json
from conformance.report.model import Reproduction, RunResult

GET = "GET /customers/{customerId}"
SEARCH = "POST /customers/search"
PROFILE = "/customers/{customerId}"
JSON = {"content-type": "application/json", "api-version": "1.0"}


def exchange(
    status=200,
    body=b"{}",
    headers=None,
    *,
    method="get",
    path=PROFILE,
    url="http://t/customers/1",
    request_headers=None,
    request_content=None,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        "GetCustomer",
        method,
        path,
        status,
        JSON if headers is None else headers,
        body_json(raw),
        request_headers=request_headers or {},
        request_body=body_json(request_content),
        content=raw,
        url=url,
        request_content=request_content,
    )


def failure(title="Bad", message="broken"):
    return Failure(operation=GET, title=title, message=message)


def recorder() -> Recorder:
    return Recorder(VIEWS, Redactor(), RunResult("http://t", 1))


def test_masks_forced_include_every_outage_mask():
    assert OUTAGE_MASKED_CHECKS < FORCED_MASKED_CHECKS
    assert {
        "ignored_auth",
        "ensure_resource_availability",
        "use_after_free",
    } == FORCED_MASKED_CHECKS - OUTAGE_MASKED_CHECKS


def test_an_exchange_is_counted_with_every_check_run_on_it():
    rec = recorder()
    rec.case(GET)
    assert not rec.exchange(exchange(200), [("not_a_server_error", None)], "examples")
    assert not rec.exchange(exchange(404, b""), [("status_code_conformance", None)], "examples")
    rec.exchange(exchange(403, b""), [], "examples")
    stats = rec.freeze().operations[GET]
    assert (stats.cases, stats.responses, stats.auth_or_missing) == (1, 3, 2)
    assert stats.observed == {200: 1, 404: 1, 403: 1}
    assert stats.checks_run == {"not_a_server_error", "status_code_conformance"}
    assert rec.successes == {GET: 1} and len(rec.result.case_digests) == 3
    assert rec.result.findings == []


@pytest.mark.parametrize(
    "status,headers,body",
    [
        (503, {}, b""),
        (429, {}, b""),
        (500, {}, {"type": UNAVAILABLE_TYPE, "title": "t"}),
        (500, {"retry-after": "2"}, {"type": UNAVAILABLE_TYPE, "title": "t"}),
    ],
)
def test_an_outage_is_counted_and_masks_the_checks_it_breaks(status, headers, body):
    rec = recorder()
    checks = [(name, failure()) for name in sorted(OUTAGE_MASKED_CHECKS)]
    assert not rec.exchange(exchange(status, body, headers), checks, "fuzzing")
    assert rec.freeze().operations[GET].outages == 1 and rec.result.findings == []
    assert [label for label, _ in rec.outages_seen] == [GET]


@pytest.mark.parametrize(
    "status,headers,body",
    [(500, {"retry-after": "2"}, {"type": "about:blank"}), (502, {}, b""), (500, {}, b"oops")],
)
def test_a_server_error_that_is_no_outage_is_a_finding_and_no_outage(status, headers, body):
    rec = recorder()
    assert rec.exchange(exchange(status, body, headers), [("not_a_server_error", failure())], "x")
    result = rec.freeze()
    (found,) = result.findings
    assert result.operations[GET].outages == 0 and rec.outages_seen == []
    assert (found.rule, found.evidence, found.statuses) == (
        "paths/customer-by-id.yaml#/get self.server-error",
        "known",
        [status],
    )


def test_a_check_an_outage_does_not_excuse_still_counts():
    rec = recorder()
    seen = exchange(503, b"", {"content-type": "text/html"})
    assert rec.exchange(seen, [("status_code_conformance", failure())], "fuzzing")
    assert rec.freeze().findings  # an outage is judged like any response


def test_a_forced_status_is_recorded_masks_its_checks_and_is_no_outage():
    rec = recorder()
    checks = [(name, failure()) for name in sorted(FORCED_MASKED_CHECKS)]
    assert not rec.exchange(exchange(503, b""), checks, "status-coverage", forced=503)
    stats = rec.freeze().operations[GET]
    assert stats.forced == (503,) and stats.outages == 0 and rec.result.findings == []


def test_a_forced_status_the_target_did_not_give_is_not_recorded_as_forced():
    rec = recorder()
    rec.exchange(exchange(200), [], "status-coverage", forced=404)
    assert rec.freeze().operations[GET].forced == ()


def test_when_the_judge_finds_nothing_the_evidence_backs_there_is_no_finding():
    rec = recorder()
    ok = exchange(200, AMELIA.profile)
    assert not rec.exchange(ok, [("response_schema_conformance", failure())], "examples")
    assert rec.freeze().findings == []


def test_one_response_breaking_several_rules_makes_one_finding_per_rule():
    rec = recorder()
    broken = exchange(404, b"", {"content-type": "application/problem+json"})
    assert rec.exchange(broken, [("response_schema_conformance", failure())], "examples")
    made = rec.freeze().findings
    assert len(made) >= 2
    assert all(len(f.violations) == 1 and f.operations == [GET] for f in made)
    assert "components/headers.yaml#/Api-Version header/Api-Version" in {f.rule for f in made}


def test_a_failure_without_an_exchange_has_no_status_and_no_reproduction():
    rec = recorder()
    assert rec.failure(
        "positive_data_acceptance",
        failure("Rejected", "valid data got 400"),
        None,
        "coverage",
        label=SEARCH,
    )
    (made,) = rec.freeze().findings
    assert (made.statuses, made.reproduction, made.phase, made.operations) == (
        [],
        None,
        "coverage",
        [SEARCH],
    )
    assert made.violations[0].check == "positive_data_acceptance"
    assert made.violations[0].rule == "positive_data_acceptance"  # no place: the rule alone


def test_a_reproduction_names_the_environment_variables_it_reads():
    body = json.dumps({"filter": {"givenName": "Amelia", "familyName": "Hartley"}}).encode()
    rec = recorder()
    seen = exchange(
        400,
        b"{}",
        method="post",
        path="/customers/search",
        url="http://t/customers/search",
        request_content=body,
    )
    rec.failure("positive_data_acceptance", failure(), seen, "examples")
    (made,) = rec.freeze().findings
    assert made.reproduction.env == ("PII_familyName", "PII_givenName")
    assert made.reproduction.status == 400 and made.reproduction.curl.startswith("curl")
    assert "Amelia" not in made.reproduction.curl
    assert made.operations == [SEARCH]  # the exchange's own label


def test_a_finding_places_its_rule_and_redacts_what_the_response_taught():
    rec = recorder()
    seen = exchange(200, {"givenName": "Zebedee"}, path="/customers", url="http://t/customers")
    rec.failure(
        "ignored_auth", failure("Auth ignored", "got 'Zebedee' without a token"), seen, "stateful"
    )
    (made,) = rec.freeze().findings
    (v,) = made.violations
    assert (v.check, v.rule, v.evidence, v.where, v.sources) == (
        "ignored_auth",
        "paths/customers.yaml#/get identity.token-required",
        "known",
        "paths/customers.yaml#/get",
        ("provider.reference",),
    )
    assert "Zebedee" not in v.message and v.title == "Auth ignored"
    assert made.statuses == [200]


def test_our_checks_findings_carry_the_level_computed_from_their_rules():
    rec = recorder()
    raised = CheckViolation(
        operation=GET, title="T", message="M", rules=("conventions.session-id-echo",)
    )
    rec.failure("client_session_id_echoed", raised, exchange(200), "examples")
    (made,) = rec.freeze().findings
    assert (made.rule, made.evidence, made.violations[0].sources) == (
        "conventions.session-id-echo",
        "decision",
        (),
    )


def test_one_rule_is_one_finding_across_exchanges_operations_and_phases():
    rec = recorder()
    bad = [("not_a_server_error", failure())]
    rec.exchange(exchange(502, b""), bad, "examples")
    rec.exchange(exchange(500, b""), bad, "fuzzing")
    rec.exchange(exchange(502, b""), bad, "fuzzing")
    rec.exchange(exchange(502, b""), bad, "stateful", label="GET /customers")
    rec.failure("positive_data_acceptance", failure(), None, "coverage", label=GET)
    made = rec.freeze().findings
    assert [f.rule for f in made] == [
        "paths/customer-by-id.yaml#/get self.server-error",
        "positive_data_acceptance",
    ]
    merged = made[0]
    assert merged.count == 4 and merged.phase == "examples"
    assert merged.operations == ["GET /customers", GET]  # sorted at freeze
    assert merged.statuses == [502, 500] and len(merged.violations) == 1


def test_a_merged_finding_keeps_the_first_reproduction_it_has():
    rec = recorder()
    rec.failure("positive_data_acceptance", failure(), None, "coverage", label=GET)
    outside = "/nowhere"  # no place in the spec: the same rule as without an exchange
    rec.failure("positive_data_acceptance", failure(), exchange(400, path=outside), "coverage")
    rec.failure("positive_data_acceptance", failure(), exchange(422, path=outside), "coverage")
    (made,) = rec.freeze().findings
    assert isinstance(made.reproduction, Reproduction) and made.reproduction.status == 400
    assert made.statuses == [400, 422] and made.operations == [GET, "GET /nowhere"]


def test_a_follow_up_answer_is_counted_and_judged_like_any_other():
    rec = recorder()
    broken = {**AMELIA.profile, "accounts": [{"accountNumber": 1}]}
    rec.followup(exchange(200, broken))
    result = rec.freeze()
    assert result.operations[GET].cases == 1 and result.operations[GET].responses == 1
    (made,) = result.findings
    # Named by the response check its rule belongs to, as the engine's findings are.
    assert (made.check, made.phase, made.evidence) == (
        "response_schema_conformance",
        "oracles",
        "known",
    )
    assert result.operations[GET].checks_run == {"response_schema_conformance"}
    rec = recorder()
    rec.followup(exchange(200, AMELIA.profile))
    assert rec.freeze().findings == []


def test_errors_notes_and_inconclusive_reasons_are_redacted_and_typed():
    rec = Recorder(VIEWS, Redactor(secrets={"s3cr3t-token": "TOKEN"}), RunResult("http://t", 1))
    rec.error("GET /x: boom with s3cr3t-token")
    rec.error("engine stopped", fatal=True)
    rec.note("note s3cr3t-token")
    rec.inconclusive("auth failed for s3cr3t-token")
    result = rec.freeze()
    assert [(str(e), e.fatal) for e in result.errors] == [
        ("GET /x: boom with $TOKEN", False),
        ("engine stopped", True),
    ]
    assert result.notes == ["note $TOKEN"] and result.inconclusive == ["auth failed for $TOKEN"]


def request(method="get", url="http://t/x", headers=None, body=None):
    return Exchange(
        "",
        method,
        "/x",
        200,
        request_headers=headers or {},
        url=url,
        request_content=body,
    )


def test_request_digest_is_short_stable_and_depends_on_every_part():
    base = request(headers={"a": "1"}, body=b"{}")
    digest = request_digest(base)
    assert len(digest) == 16 and all(c in "0123456789abcdef" for c in digest)
    assert request_digest(request(headers={"a": "1"}, body=b"{}")) == digest
    assert request_digest(request(method="post", headers={"a": "1"}, body=b"{}")) != digest
    assert request_digest(request(url="http://t/y", headers={"a": "1"}, body=b"{}")) != digest
    assert request_digest(request(headers={"a": "2"}, body=b"{}")) != digest
    assert request_digest(request(headers={"a": "1"}, body=b"[]")) != digest


def test_request_digest_ignores_header_order_and_the_test_case_id():
    one = request(headers={"a": "1", "b": "2", "x-schemathesis-testcaseid": "abc"})
    two = request(headers={"b": "2", "a": "1", "x-schemathesis-testcaseid": "xyz"})
    assert request_digest(one) == request_digest(two)


def test_request_digest_reads_no_body_as_an_empty_one():
    assert request_digest(request(body=None)) == request_digest(request(body=b""))


def test_request_digest_never_depends_on_the_answer():
    answered = Exchange("", "get", "/x", 500, {"a": "b"}, {"x": 1}, url="http://t/x")
    assert request_digest(answered) == request_digest(request())


@pytest.mark.parametrize("url", ["http://t/x?q=1", "http://t/x?q=2"])
def test_request_digest_includes_the_query(url):
    assert request_digest(request(url=url)) != request_digest(request(url="http://t/x"))
