"""The result model: one finding per root cause, the exit code rule, baselines, outages."""

from types import SimpleNamespace

import pytest
from ndt_contract import load_contract

from conformance.checks import Violation as CheckViolation
from conformance.exchange import Exchange
from conformance.judge import Views
from conformance.recorder import Recorder, outage
from conformance.redact import Redactor, body_json
from conformance.report.baseline import apply_baseline, read_fingerprints, write_baseline
from conformance.report.model import (
    Finding,
    OperationStats,
    Reproduction,
    RunError,
    RunResult,
    Violation,
)

VIEWS = Views.of(load_contract())

GET = "GET /customers/{customerId}"
SEARCH = "POST /customers/search"


def finding(*rules, op=GET, evidence="standard", status=200, phase="fuzzing"):
    return Finding(
        violations=tuple(
            Violation(r.split(":")[0], r, f"title {r}", "msg", evidence) for r in rules
        ),
        operations=[op],
        statuses=[status],
        reproduction=Reproduction("curl x", status),
        phase=phase,
    )


def result_with(*findings, **ops):
    result = RunResult("http://127.0.0.1:1", 7)
    for label, stats in ops.items():
        result.operations[label] = stats
    result.findings = list(findings)
    return result


def healthy(label=GET, responses=10, **kw):
    return OperationStats(
        label, responses=responses, cases=responses, observed={200: responses}, **kw
    )


def recorded(*failures):
    """A recorder fed failures of our own checks: (rules, label, status) each."""
    rec = Recorder(VIEWS, Redactor(), RunResult("http://127.0.0.1:1", 7))
    for rules, label, status in failures:
        method, path = label.split(" ", 1)
        seen = Exchange("", method.lower(), path, status, url="http://127.0.0.1:1" + path)
        raised = CheckViolation(
            operation=label, title=f"title {rules[0]}", message="m", rules=rules
        )
        rec.failure(rules[0].split(".")[0], raised, seen, "fuzzing")
    return rec.freeze()


def test_one_rule_on_many_operations_is_one_finding_listing_them():
    result = recorded((("self.repeatable",), GET, 200), (("self.repeatable",), SEARCH, 400))
    (merged,) = result.findings
    assert merged.operations == [GET, SEARCH] and merged.count == 2
    assert sorted(merged.statuses) == [200, 400]


def test_one_response_breaking_several_rules_is_one_finding_per_rule():
    # One finding per rule, merged across responses, not one per response joining its rules.
    result = recorded(
        (("self.repeatable",), GET, 200),
        (("self.same-customer",), GET, 200),
        (("self.repeatable",), GET, 200),
    )
    assert [f.signature for f in result.findings] == [("self.repeatable",), ("self.same-customer",)]
    assert [f.count for f in result.findings] == [2, 1]


def test_a_known_rule_and_a_decision_are_a_failure_and_a_drift():
    result = recorded(
        (("identity.token-customer",), GET, 200), (("identity.id-is-customer-id",), GET, 200)
    )
    failing, drifting = result.findings
    assert (failing.evidence, failing.signature) == ("known", ("identity.token-customer",))
    assert (drifting.evidence, drifting.signature) == ("decision", ("identity.id-is-customer-id",))
    assert result.failures == [failing] and result.drift == [drifting]


def test_distinct_causes_sharing_a_title_stay_apart():
    rec = Recorder(VIEWS, Redactor(), RunResult("http://127.0.0.1:1", 7))
    for rule in ("self.repeatable", "self.id-mapping"):
        raised = CheckViolation(operation=GET, title="Same title", message="m", rules=(rule,))
        rec.failure("customer_id_mapping", raised, None, "fuzzing", label=GET)
    assert len(rec.freeze().findings) == 2


def test_a_finding_is_redacted_and_keeps_a_replayable_request():
    failure = SimpleNamespace(title="Bad", message="'Amelia' is wrong", _unique_key="")
    seen = Exchange(
        "GetCustomer",
        "get",
        "/customers/{customerId}",
        200,
        body={"givenName": "Amelia"},
        url="http://127.0.0.1:1/customers/1",
    )
    rec = Recorder(VIEWS, Redactor(), RunResult("http://127.0.0.1:1", 7))
    rec.failure("c", failure, seen, "examples")
    (made,) = rec.freeze().findings
    assert made.evidence == "decision" and made.statuses == [200]  # no evidence backs "c"
    assert "Amelia" not in made.message and made.reproduction.curl.startswith("curl")
    assert made.operation == GET and made.check == "c"


@pytest.mark.parametrize(
    ("status", "headers", "body", "is_outage"),
    [
        (429, {}, b"", True),  # whatever the contract documents
        (503, {"retry-after": "2"}, b"", True),
        (503, {}, b"", True),
        (500, {}, b'{"type": "newday:generic:error:unavailable"}', True),
        (500, {"retry-after": "2"}, b'{"type": "about:blank"}', False),
        (500, {}, b"oops", False),
        (200, {}, b"", False),
    ],
)
def test_outages(status, headers, body, is_outage):
    seen = Exchange("", "get", "/x", status, headers, body_json(body), content=body)
    assert (outage(seen) is not None) is is_outage


def test_exit_0_when_nothing_failed():
    verdict = result_with(**{GET: healthy()}).verdict()
    assert verdict.code == 0 and verdict.reason.startswith("PASS")


def test_exit_1_for_known_or_standard_failures():
    for evidence in ("known", "standard"):
        verdict = result_with(finding("a:1", evidence=evidence), **{GET: healthy()}).verdict()
        assert verdict.code == 1 and "1 contract/standard failure" in verdict.reason


def test_drift_is_reported_apart_and_fails_only_when_strict():
    result = result_with(finding("d:1", evidence="decision"), **{GET: healthy()})
    assert result.failures == [] and len(result.drift) == 1
    assert result.verdict().code == 0 and "1 drift" in result.verdict().reason
    result.strict = True
    assert result.verdict().code == 1 and "--strict" in result.verdict().reason


def test_a_finding_is_graded_by_its_strongest_violation():
    mixed = finding("d:1", evidence="decision")
    mixed.violations = (*mixed.violations, Violation("k", "k:1", "t", "m", "known"))
    assert mixed.evidence == "known" and mixed.check == "k"


def test_exit_3_when_unreachable():
    result = result_with(**{GET: healthy()})
    result.unreachable = "cannot reach http://127.0.0.1:1: ConnectError"
    assert result.verdict().code == 3 and "cannot reach" in result.verdict().reason


def test_exit_3_when_every_response_of_an_operation_is_401_or_404():
    dead = OperationStats(GET, responses=5, cases=5, auth_or_missing=5, observed={404: 5})
    result = result_with(finding("a:1"), **{GET: dead, SEARCH: healthy(SEARCH)})
    assert result.verdict().code == 3 and "wrong base path or token" in result.verdict().reason


def test_outages_past_the_threshold_are_inconclusive_below_it_pass():
    result = result_with(**{GET: healthy(outages=3)})  # 30% of 10
    assert result.verdict().code == 3 and "outages past 20%" in result.verdict().reason
    result.outage_threshold = 0.5
    assert result.verdict().code == 0


def test_run_errors_are_inconclusive_not_pass():
    result = result_with(**{GET: healthy()})
    result.errors = [RunError("GET /x: Runtime Error: boom")]
    assert result.verdict().code == 3 and "1 error(s)" in result.verdict().reason
    result.errors = [RunError("fatal: boom")]  # a prefix no longer makes an error fatal
    assert "error(s) while testing" in result.verdict().reason
    result.errors = [RunError("engine stopped", fatal=True)]
    assert result.verdict().reason == "INCONCLUSIVE: fatal: engine stopped"


def test_a_fatal_error_wins_over_outages_but_not_over_failures():
    result = result_with(**{GET: healthy(outages=5)})
    result.errors = [RunError("boom", fatal=True)]
    assert "fatal: boom" in result.verdict().reason
    result.findings = [finding("a:1")]
    assert result.verdict().code == 1


def test_a_run_that_could_not_test_what_it_meant_to_is_inconclusive_unless_it_failed():
    result = result_with(**{GET: healthy()})
    result.inconclusive = ["authentication never succeeded"]
    verdict = result.verdict()
    assert (verdict.code, verdict.reason) == (3, "INCONCLUSIVE: authentication never succeeded")
    result.inconclusive.append("--max-time cut the run: stateful not run")
    assert result.verdict().reason.endswith("succeeded (and 1 more)")
    result.findings = [finding("a:1")]
    assert result.verdict().code == 1


def test_require_coverage_fails_a_run_that_missed_a_documented_status():
    op = healthy(documented=(200, 404))
    result = result_with(**{GET: op})
    assert result.verdict().code == 0 and result.uncovered == {GET: (404,)}
    result.require_coverage = True
    verdict = result.verdict()
    assert verdict.code == 1 and "never reached" in verdict.reason and "404" in verdict.reason


def test_baseline_round_trip_accepts_known_findings_only(tmp_path):
    known, new = finding("a:1"), finding("b:1", op=SEARCH)
    path = tmp_path / "baseline.json"
    write_baseline(result_with(known), path)
    assert read_fingerprints(path) == set(known.keys) and len(known.keys) == 1
    result = result_with(finding("a:1"), new, **{GET: healthy(), SEARCH: healthy(SEARCH)})
    apply_baseline(result, path)
    assert [f.signature for f in result.baselined] == [("a:1",)]
    assert [f.signature for f in result.failures] == [("b:1",)]
    assert result.verdict().code == 1
    result.findings = [f for f in result.findings if f.baselined]
    assert result.verdict().code == 0 and "1 baselined" in result.verdict().reason


def test_a_baseline_keys_on_rule_and_operation_never_on_counts(tmp_path):
    path = tmp_path / "baseline.json"
    both = finding("a:1")
    both.operations = [GET, SEARCH]
    write_baseline(result_with(both), path)
    fewer, more = finding("a:1"), finding("a:1")
    fewer.count, more.count = 1, 9
    more.operations = [SEARCH, GET]
    result = result_with(fewer, more, finding("a:1", op="GET /customers"))
    apply_baseline(result, path)
    assert [f.baselined for f in result.findings] == [True, True, False]


def test_an_older_baseline_without_keys_still_accepts_one_rule_on_one_operation(tmp_path):
    import hashlib
    import json

    # The older fingerprint of one rule on one operation: "rule||operation", hashed.
    old = hashlib.sha256(f"a:1||{GET}".encode()).hexdigest()[:16]
    path = tmp_path / "old.json"
    write_baseline(result_with(finding("a:1")), path)
    data = json.loads(path.read_text())
    data["findings"] = [{"fingerprint": old}]
    path.write_text(json.dumps(data))
    result = result_with(finding("a:1"), finding("b:1"))
    apply_baseline(result, path)
    assert [f.baselined for f in result.findings] == [True, False]


def test_a_bad_baseline_is_a_usage_error(tmp_path):
    from conformance.options import UsageError

    path = tmp_path / "b.json"
    path.write_text("{}")
    with pytest.raises(UsageError, match="not a baseline"):
        read_fingerprints(path)
    path.write_text("{")
    with pytest.raises(UsageError, match="cannot read baseline"):
        read_fingerprints(path)
