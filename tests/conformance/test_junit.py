"""Direct tests of conformance.report.junit: the XML, parsed back with xml.etree."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from report_samples import (
    BASELINED,
    DRIFT,
    FAILURE,
    GET,
    SEARCH,
    VERIFY,
    finding,
    operation,
    result,
    violation,
)

from conformance.report.junit import write_junit
from conformance.report.model import RunResult


def parse(run: RunResult, tmp_path: Path) -> ET.Element:
    path = tmp_path / "reports" / "junit.xml"
    write_junit(run, path)
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.parse(path).getroot()


def case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    (found,) = [
        c
        for c in suite.iter("testcase")
        if (c.get("classname"), c.get("name")) == (classname, name)
    ]
    return found


def outcome(element: ET.Element) -> str:
    kinds = [child.tag for child in element if child.tag in ("failure", "skipped", "error")]
    assert len(kinds) <= 1
    return kinds[0] if kinds else "passed"


def test_a_clean_run_has_one_passing_testcase_per_operation_and_check(tmp_path):
    suite = parse(result(), tmp_path)
    assert suite.tag == "testsuite" and suite.get("name") == "ndt-customer conformance"
    cases = [(c.get("classname"), c.get("name"), outcome(c)) for c in suite.iter("testcase")]
    assert cases == [
        (label, check, "passed")
        for label in sorted([GET, SEARCH, VERIFY])
        for check in ("not_a_server_error", "response_schema_conformance")
    ]
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")} == {
        "tests": "6",
        "failures": "0",
        "errors": "0",
        "skipped": "0",
        "time": "2.000",
    }


def test_the_properties_name_the_target_seed_and_verdict(tmp_path):
    suite = parse(result(findings=[FAILURE]), tmp_path)
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {
        "base_url": "http://127.0.0.1:8000",
        "seed": "42",
        "verdict": "FAIL: 1 contract/standard failure(s)",
    }


def test_a_failure_fails_its_testcase_with_evidence_type_title_and_reproduction(tmp_path):
    suite = parse(result(findings=[FAILURE]), tmp_path)
    failure = case(suite, GET, "response_schema_conformance").find("failure")
    assert failure.get("type") == "known:response_schema_conformance"
    assert failure.get("message") == "Response violates schema"
    assert failure.text == (
        "[known] Response violates schema\n"
        "accounts/0/accountNumber: integer where the contract says string\n"
        f"operations: {GET}\n"
        "statuses: 200, 201; seen 3 time(s)\n"
        "reproduce: curl -X GET 'http://t/customers/1' -H 'Authorization: Bearer ${TOKEN}'"
    )
    # only that operation and that check
    assert outcome(case(suite, GET, "not_a_server_error")) == "passed"
    assert outcome(case(suite, SEARCH, "response_schema_conformance")) == "passed"
    assert suite.get("failures") == "1"


def test_a_finding_on_several_operations_fails_each_and_several_findings_join(tmp_path):
    other = finding(
        violation(rule="pattern", title="Pattern"), operations=(GET, SEARCH), statuses=()
    )
    suite = parse(result(findings=[FAILURE, other]), tmp_path)
    get_failure = case(suite, GET, "response_schema_conformance").find("failure")
    assert get_failure.text.count("[known]") == 2
    assert "statuses: no response; seen 1 time(s)" in get_failure.text
    assert get_failure.get("message") == "Response violates schema"  # the first leads
    assert outcome(case(suite, SEARCH, "response_schema_conformance")) == "failure"
    assert suite.get("failures") == "2"


def test_drift_passes_with_a_note_in_system_out(tmp_path):
    suite = parse(result(findings=[DRIFT]), tmp_path)
    for label in (GET, SEARCH):
        element = case(suite, label, "response_schema_conformance")
        assert outcome(element) == "passed"
        assert element.find("system-out").text.startswith("drift: [decision] Missing field\n")
    assert suite.get("failures") == "0"


def test_drift_fails_under_strict(tmp_path):
    suite = parse(result(findings=[DRIFT], strict=True), tmp_path)
    failure = case(suite, GET, "response_schema_conformance").find("failure")
    assert failure.get("type") == "decision:response_schema_conformance"
    assert case(suite, GET, "response_schema_conformance").find("system-out") is None
    assert suite.get("failures") == "2"


def test_a_failure_and_drift_on_one_testcase_fail_it_and_keep_the_drift_note(tmp_path):
    element = case(
        parse(result(findings=[FAILURE, DRIFT]), tmp_path), GET, "response_schema_conformance"
    )
    assert outcome(element) == "failure"
    assert "Missing field" not in element.find("failure").text
    assert "Missing field" in element.find("system-out").text


def test_a_baselined_finding_skips_its_testcase(tmp_path):
    suite = parse(result(findings=[BASELINED]), tmp_path)
    skipped = case(suite, SEARCH, "not_a_server_error").find("skipped")
    assert skipped.get("message") == "accepted by the baseline"
    assert case(suite, SEARCH, "not_a_server_error").find("system-out") is None
    assert suite.get("skipped") == "1" and suite.get("failures") == "0"


def test_a_failure_beside_a_baselined_one_still_fails(tmp_path):
    live = replace(
        BASELINED,
        baselined=False,
        violations=(violation(check="not_a_server_error", rule="other"),),
    )
    suite = parse(result(findings=[BASELINED, live]), tmp_path)
    assert outcome(case(suite, SEARCH, "not_a_server_error")) == "failure"


def test_a_check_that_never_applied_to_an_operation_is_skipped(tmp_path):
    run = result()
    run.operations[VERIFY] = operation(VERIFY, checks_run={"not_a_server_error"})
    suite = parse(run, tmp_path)
    skipped = case(suite, VERIFY, "response_schema_conformance").find("skipped")
    assert skipped.get("message") == "the check never applied to this operation's responses"
    assert suite.get("skipped") == "1"


def test_an_unreachable_run_says_why_on_every_skipped_testcase(tmp_path):
    run = result(unreachable="connection refused " + "x" * 300)
    for label in run.operations:
        run.operations[label] = operation(label, checks_run=set())
    suite = parse(run, tmp_path)
    checks = [c for c in suite.iter("testcase") if c.get("classname") != "run"]
    messages = {c.find("skipped").get("message") for c in checks}
    assert messages == {("connection refused " + "x" * 300)[:200]}
    assert suite.get("skipped") == "6"
    # The inconclusive run is one error testcase saying why: red in a CI widget, not grey.
    (verdict,) = [c for c in suite.iter("testcase") if c.get("classname") == "run"]
    assert verdict.get("name") == "inconclusive" and suite.get("errors") == "1"
    assert verdict.find("error").get("message").startswith("INCONCLUSIVE: connection refused")


def test_a_check_run_on_one_operation_only_is_a_testcase_there(tmp_path):
    run = result(checks=[])
    run.operations[GET] = operation(GET, checks_run={"ignored_auth"})
    run.operations[SEARCH] = operation(SEARCH, checks_run=set())
    run.operations.pop(VERIFY)
    suite = parse(run, tmp_path)
    assert [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")] == [
        (GET, "ignored_auth")
    ]


def test_run_errors_are_error_testcases_counted_apart(tmp_path):
    long = "fatal: " + "y" * 400
    suite = parse(result(errors=["timeout on GET", long]), tmp_path)
    errors = [c for c in suite.iter("testcase") if c.get("classname") == "run"]
    assert [(c.get("name"), c.find("error").get("message")) for c in errors] == [
        ("inconclusive", "INCONCLUSIVE: 2 error(s) while testing: timeout on GET"),
        ("error", "timeout on GET"),
        ("error", long[:200]),
    ]
    assert errors[2].find("error").text == long
    assert (suite.get("tests"), suite.get("errors")) == ("9", "3")


def test_a_long_title_is_cut_in_the_message_attribute(tmp_path):
    long = replace(FAILURE, violations=(violation(title="T" * 500),))
    suite = parse(result(findings=[long]), tmp_path)
    assert (
        case(suite, GET, "response_schema_conformance").find("failure").get("message") == "T" * 200
    )


@pytest.mark.parametrize(
    "hostile", ["<script>alert(1)</script>", "a & b \"quoted\" 'single'", "]]>"]
)
def test_hostile_text_survives_the_round_trip(tmp_path, hostile):
    bad = replace(FAILURE, violations=(violation(title=hostile, message=hostile),))
    suite = parse(result(findings=[bad], base_url=f"http://x/{hostile}"), tmp_path)
    failure = case(suite, GET, "response_schema_conformance").find("failure")
    assert failure.get("message") == hostile
    assert f"[known] {hostile}\n{hostile}\n" in failure.text
    assert suite.find("properties")[0].get("value") == f"http://x/{hostile}"


def test_the_elapsed_time_has_three_decimals(tmp_path):
    assert parse(result(elapsed=1.23456), tmp_path).get("time") == "1.235"
