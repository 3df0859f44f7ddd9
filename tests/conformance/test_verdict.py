"""The result model: one finding per root cause, the exit code rule, baselines, outages."""

from types import SimpleNamespace

import pytest
from ndt_contract import load_contract

from conformance.findings import is_outage, join_case, merge_findings, to_finding
from conformance.judge import Views
from conformance.redact import Redactor
from conformance.report.baseline import apply_baseline, read_fingerprints, write_baseline
from conformance.report.model import Finding, OperationStats, Reproduction, RunResult, Violation

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


def test_one_rule_on_many_operations_is_one_finding_listing_them():
    merged = merge_findings([finding("a:1", op=GET), finding("a:1", op=SEARCH, status=400)])
    assert len(merged) == 1
    assert merged[0].operations == [GET, SEARCH] and merged[0].count == 2
    assert sorted(merged[0].statuses) == [200, 400]


def test_one_response_breaking_several_rules_is_one_finding_listing_them():
    (joined,) = join_case([finding("a:1"), finding("b:2"), finding("a:1")])
    assert joined.signature == ("a:1", "b:2") and joined.checks == ["a", "b"]


def test_a_response_breaking_a_known_rule_and_a_decision_is_a_failure_and_a_drift():
    failing, drifting = join_case(
        [finding("a:1", evidence="known"), finding("b:2", evidence="decision")]
    )
    assert (failing.evidence, failing.signature) == ("known", ("a:1",))
    assert (drifting.evidence, drifting.signature) == ("decision", ("b:2",))


def test_distinct_causes_sharing_a_title_stay_apart():
    one, two = finding("schema:x/type"), finding("schema:y/enum")
    one.violations = (Violation("schema", "schema:x/type", "Response violates schema", "m"),)
    two.violations = (Violation("schema", "schema:y/enum", "Response violates schema", "m"),)
    assert len(merge_findings([one, two])) == 2


def test_to_finding_redacts_and_keeps_a_replayable_request():
    failure = SimpleNamespace(title="Bad", message="'Amelia' is wrong", _unique_key="")
    interaction = SimpleNamespace(
        request=SimpleNamespace(
            method="GET", uri="http://127.0.0.1:1/customers/1", headers={}, body=None
        ),
        response=SimpleNamespace(status_code=200, content=b'{"givenName": "Amelia"}', headers={}),
    )
    (made,) = to_finding(
        "c",
        failure,
        operation=GET,
        interaction=interaction,
        phase="examples",
        redactor=Redactor(),
        views=Views.of(load_contract()),
    )
    assert made.evidence == "decision" and made.statuses == [200]  # no evidence backs "c"
    assert "Amelia" not in made.message and made.reproduction.curl.startswith("curl")
    assert made.operation == GET and made.check == "c"


@pytest.mark.parametrize(
    ("status", "headers", "body", "documented", "outage"),
    [
        (429, {}, b"", (200, 429), True),
        (429, {}, b"", (200,), False),
        (503, {"retry-after": ["2"]}, b"", (), True),
        (503, {}, b"", (503,), False),
        (500, {}, b'{"type": "newday:generic:error:unavailable"}', (), True),
        (500, {}, b'{"type": "about:blank"}', (500,), False),
        (500, {}, b"oops", (500,), False),
        (200, {}, b"", (200,), False),
    ],
)
def test_outages(status, headers, body, documented, outage):
    response = SimpleNamespace(status_code=status, headers=headers, content=body)
    assert is_outage(response, documented) is outage
    assert is_outage(None, documented) is False


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
    result.errors = ["GET /x: Runtime Error: boom"]
    assert result.verdict().code == 3
    result.errors = ["fatal: boom"]
    assert result.verdict().code == 3 and "fatal" in result.verdict().reason


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
    assert read_fingerprints(path) == {known.fingerprint}
    result = result_with(finding("a:1"), new, **{GET: healthy(), SEARCH: healthy(SEARCH)})
    apply_baseline(result, path)
    assert [f.signature for f in result.baselined] == [("a:1",)]
    assert [f.signature for f in result.failures] == [("b:1",)]
    assert result.verdict().code == 1
    result.findings = [f for f in result.findings if f.baselined]
    assert result.verdict().code == 0 and "1 baselined" in result.verdict().reason


def test_a_bad_baseline_is_a_usage_error(tmp_path):
    from conformance.options import UsageError

    path = tmp_path / "b.json"
    path.write_text("{}")
    with pytest.raises(UsageError, match="not a baseline"):
        read_fingerprints(path)
    path.write_text("{")
    with pytest.raises(UsageError, match="cannot read baseline"):
        read_fingerprints(path)
