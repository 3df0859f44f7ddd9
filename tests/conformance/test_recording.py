"""The recorder: one outage rule, levels computed from rules, one finding per rule, follow-ups
judged, and the run's own reasons to be inconclusive."""

from __future__ import annotations

import json
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from checks.fake import AMELIA, VIEWS
from ndt_contract import load_contract

from conformance import testdata
from conformance.checks.base import Identity, Violation
from conformance.exchange import Exchange
from conformance.judge import Views
from conformance.probes import planned, reask_outages
from conformance.recorder import (
    FOLLOW_UP,
    FOLLOW_UP_CHECK,
    ContractChecks,
    Outage,
    Recorder,
    outage,
)
from conformance.redact import Redactor
from conformance.report.junit import write_junit
from conformance.report.model import OperationStats, RunResult
from conformance.runner import judge_coverage

PROBLEM = "application/problem+json"
PROFILE = "/customers/{customerId}"


def exchange(status=200, body=None, headers=None, **kw):
    return Exchange(
        "GetCustomer",
        "get",
        PROFILE,
        status,
        {"content-type": "application/json", **(headers or {})},
        body,
        **kw,
    )


def unavailable(retry=None):
    headers = {"content-type": PROBLEM, **({"retry-after": retry} if retry else {})}
    return exchange(500, {"type": "newday:generic:error:unavailable"}, headers)


# -- the one outage rule: the three cases the two old rules disagreed on, and the rest --------


def test_a_500_unavailable_without_retry_after_is_an_outage():
    assert outage(unavailable()) == Outage(500, None)


def test_a_500_of_another_type_with_retry_after_is_not_an_outage():
    other = exchange(500, {"type": "about:blank"}, {"retry-after": "2"})
    assert outage(other) is None


def test_a_429_without_retry_after_is_an_outage():
    assert outage(exchange(429, {})) == Outage(429, None)


def test_503_is_an_outage_and_other_5xx_are_not():
    assert outage(exchange(503, None, {"retry-after": " 3 "})) == Outage(503, "3")
    assert outage(exchange(502, None, {"retry-after": "1"})) is None
    assert outage(exchange(500, "not a problem")) is None


# -- grading: levels computed from rules ---------------------------------------------------


def violation(*rules, where=""):
    return Violation(operation="GET x", title="t", message="m", rules=rules, where=where)


def test_a_check_naming_a_known_rule_is_known_and_one_adding_a_reading_is_drift():
    grade = ContractChecks(VIEWS).grade
    (found,) = grade("token_identity", violation("identity.token-customer", where="w"), None)
    assert (found.level, found.rule, found.where, found.sources) == (
        "known",
        "identity.token-customer",
        "w",
        ("provider.reference",),
    )
    (found,) = grade("x", violation("search.results-match-a-filter", "search.matching"), None)
    assert found.level == "decision" and found.rule == "search.results-match-a-filter"


def test_waiving_a_standard_moves_the_level_with_no_code_change():
    waived = Views.of(load_contract(), ["standard.versioning"])
    rule = violation("conventions.api-version-major-minor")
    assert ContractChecks(VIEWS).grade("api_version_value", rule, None)[0].level == "standard"
    assert ContractChecks(waived).grade("api_version_value", rule, None)[0].level == "decision"


def test_a_server_error_that_is_no_outage_rests_on_the_targets_own_word():
    failure = SimpleNamespace(title="Server error", message="m")
    (found,) = ContractChecks(VIEWS).grade("not_a_server_error", failure, exchange(502))
    assert (found.level, found.rule) == ("known", "self.server-error")


def test_what_the_target_accepts_is_our_reading():
    failure = SimpleNamespace(title="Accepted", message="m")
    (found,) = ContractChecks(VIEWS).grade("positive_data_acceptance", failure, exchange(400))
    assert found.level == "decision" and "documents no validation" in found.message


def test_the_follow_up_check_is_the_judge():
    grade = ContractChecks(VIEWS).grade
    assert (
        grade(FOLLOW_UP_CHECK, FOLLOW_UP, exchange(200, AMELIA.profile, {"api-version": "1.0"}))
        == []
    )
    truncated = exchange(200, None, {"api-version": "1.0"}, content=b'{"id": "00')
    assert [j.level for j in grade(FOLLOW_UP_CHECK, FOLLOW_UP, truncated)] != []


# -- the recorder --------------------------------------------------------------------------


def recorder(**kw):
    result = RunResult("http://127.0.0.1:1", 1)
    return Recorder(VIEWS, Redactor({}), result, **kw)


def test_one_finding_per_rule_across_exchanges_and_phases_never_relabelled():
    rec = recorder()
    two = [("a", violation("identity.token-customer")), ("b", violation("self.same-customer"))]
    rec.exchange(exchange(200, {}), two, "examples")
    rec.exchange(exchange(200, {}), two[:1], "fuzzing", label="GET /customers")
    found = {f.rule: f for f in rec.freeze().findings}
    assert set(found) == {"identity.token-customer", "self.same-customer"}
    assert found["identity.token-customer"].operations == [
        "GET /customers",
        "GET /customers/{customerId}",
    ]
    assert found["identity.token-customer"].count == 2
    assert (
        found["self.same-customer"].check == "b" and found["self.same-customer"].phase == "examples"
    )


def test_an_outage_masks_the_checks_it_explains_and_is_counted():
    rec = recorder()
    failure = SimpleNamespace(title="Server error", message="m")
    assert not rec.exchange(unavailable("2"), [("not_a_server_error", failure)], "fuzzing")
    stats = rec.freeze().operations["GET /customers/{customerId}"]
    assert stats.outages == 1 and rec.outages_seen
    assert rec.exchange(exchange(500, {"type": "x"}), [("not_a_server_error", failure)], "fuzzing")


def test_a_forced_status_is_not_an_outage_and_masks_status_judging_checks():
    rec = recorder()
    failure = SimpleNamespace(title="t", message="m")
    assert not rec.exchange(
        unavailable(), [("ignored_auth", failure)], "status-coverage", forced=500
    )
    stats = rec.freeze().operations["GET /customers/{customerId}"]
    assert stats.forced == (500,) and stats.outages == 0


def test_follow_ups_are_counted_and_judged():
    rec = recorder()
    rec.followup(exchange(200, None, {"api-version": "1.0"}, content=b"{truncated"))
    result = rec.freeze()
    assert result.operations["GET /customers/{customerId}"].responses == 1
    assert [f.phase for f in result.findings] == ["oracles"]


def test_the_token_never_accepted_is_inconclusive_and_a_400_says_nothing():
    rec = recorder(run_token="t", secured=frozenset({"GET /customers/{customerId}"}))
    bearer = {"authorization": "Bearer t"}
    rec.exchange(exchange(401, None, request_headers=bearer), [], "examples")
    rec.exchange(exchange(400, None, request_headers=bearer), [], "examples")
    rec.judge_token("NDT_TOKEN")
    assert rec.result.verdict().code == 3
    assert "authentication never succeeded: NDT_TOKEN" in rec.result.verdict().reason
    accepted = recorder(run_token="t", secured=frozenset({"GET /customers/{customerId}"}))
    accepted.exchange(exchange(401, None, request_headers=bearer), [], "examples")
    accepted.exchange(exchange(200, {}, request_headers=bearer), [], "examples")
    accepted.judge_token("NDT_TOKEN")
    assert accepted.result.inconclusive == []


def test_errors_are_typed_not_prefixed():
    rec = recorder()
    rec.error("fatal-looking text that is not fatal")
    assert rec.result.verdict().reason.startswith("INCONCLUSIVE: 1 error(s)")
    rec.error("the engine stopped", fatal=True)
    assert rec.result.verdict().reason == "INCONCLUSIVE: fatal: the engine stopped"


# -- green means tested --------------------------------------------------------------------


def covered(observed, *, stopped=None, phases_run=("examples",)):
    contract = load_contract()
    result = RunResult("http://x", 1, phases=("examples", "fuzzing"), phases_run=phases_run)
    result.stopped_early = stopped
    for op in contract.operations.values():
        label = f"{op.method.upper()} {op.path}"
        result.operations[label] = OperationStats(label, op.operation_id, responses=0)
    stats = result.operations["GET /customers/{customerId}"]
    stats.observed = dict(observed)
    stats.responses = sum(observed.values())
    judge_coverage(result, contract, result.phases)
    return result


def test_an_operation_that_never_answered_a_documented_success_is_inconclusive():
    result = covered({404: 30, 400: 2})
    assert result.inconclusive == [
        "GET /customers/{customerId} never answered a documented success (200); answers: 400 x2, 404 x30"
    ]
    assert covered({200: 1, 404: 3}).inconclusive == []


def test_a_secured_operation_refused_every_time_says_authentication_never_succeeded():
    (reason,) = covered({401: 5, 403: 1}).inconclusive
    assert reason.startswith("authentication never succeeded on GET /customers/{customerId}")


def test_max_time_before_every_phase_ran_says_what_was_not_run():
    (reason,) = covered({200: 1}, stopped="--max-time 2 s reached").inconclusive
    assert reason == "--max-time 2 s reached before every phase ran (not run or cut: fuzzing)"


def test_junit_shows_an_inconclusive_run_as_an_error(tmp_path):
    result = covered({404: 3})
    write_junit(result, tmp_path / "j.xml")
    suite = ET.parse(tmp_path / "j.xml").getroot()
    assert suite.get("errors") == "1"
    (case,) = [c for c in suite.iter("testcase") if c.get("name") == "inconclusive"]
    assert case.find("error").get("message").startswith("INCONCLUSIVE: GET /customers/{customerId}")


# -- probes: the test data's own requests, every run --------------------------------------


def test_probes_plan_every_id_token_and_search_of_the_test_data_once():
    data = testdata.TestData(
        ("1", "2", "1"),
        ({"postcode": "N1C 4DA"},),
        identities={"tok": Identity("2", True)},
    )
    asked = planned(data, frozenset({"GetCustomer", "GetCustomerByAccessToken", "SearchCustomers"}))
    assert [(a.operation_id, dict(a.path_parameters), a.body) for a in asked] == [
        ("GetCustomer", {"customerId": "1"}, None),
        ("GetCustomer", {"customerId": "2"}, None),
        ("GetCustomerByAccessToken", {}, None),
        ("SearchCustomers", {}, {"filter": {"postcode": "N1C 4DA"}}),
    ]
    assert all(a.documented for a in asked)
    assert planned(data, frozenset({"VerifyEmail"})) == []


def test_an_outage_that_persists_after_its_pause_is_a_fault():
    rec = recorder()
    rec.exchange(exchange(200, {}), [], "examples", label="POST /customers/search")
    rec.exchange(unavailable("30"), [], "fuzzing")
    pauses = []
    reask_outages(rec, lambda e: unavailable("30"), pauses.append)
    (finding,) = rec.freeze().findings
    assert (finding.rule, finding.evidence, pauses) == ("self.persistent-fault", "known", [5.0])


def test_an_outage_that_passes_is_an_outage_and_a_dead_target_is_not_asked_again():
    rec = recorder()
    rec.exchange(exchange(200, {}), [], "examples", label="POST /customers/search")
    rec.exchange(exchange(503, None, {"retry-after": "x"}), [], "fuzzing")
    pauses = []
    reask_outages(rec, lambda e: exchange(200, {}), pauses.append)
    assert rec.freeze().findings == [] and pauses == [1.0]
    dead = recorder()
    dead.exchange(unavailable(), [], "fuzzing")
    reask_outages(dead, lambda e: pytest.fail("asked again"), pauses.append)


@pytest.mark.parametrize("body", [json.dumps(AMELIA.profile).encode()])
def test_an_exchange_built_by_hand_writes_its_body_back(body):
    assert exchange(200, AMELIA.profile).raw == body


def test_a_follow_up_is_judged_only_by_the_response_checks_the_run_applies():
    applied = frozenset({"response_schema_conformance"})
    rec = recorder(active=applied)
    rec.followup(exchange(200, AMELIA.profile))  # no Api-Version header: a header rule
    assert rec.freeze().findings == []
    everything = recorder()
    everything.followup(exchange(200, AMELIA.profile))
    assert [f.rule.rsplit(" ", 1)[-1] for f in everything.freeze().findings] == [
        "header/Api-Version"
    ]


@pytest.mark.parametrize(
    ("rule", "check"),
    [
        ("status", "status_code_conformance"),
        ("content-type", "content_type_conformance"),
        ("header/Retry-After", "response_headers_conformance"),
        ("required/id", "response_schema_conformance"),
    ],
)
def test_each_judge_rule_belongs_to_one_response_check(rule, check):
    from conformance.recorder import response_check_of

    assert response_check_of(rule) == check
