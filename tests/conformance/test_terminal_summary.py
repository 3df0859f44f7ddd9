"""Direct tests of conformance.report.terminal: each branch of the summary and the progress."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from types import SimpleNamespace

import pytest
from report_samples import (
    BASELINED,
    DRIFT,
    FAILURE,
    GET,
    SEARCH,
    VERIFY,
    operation,
    result,
    violation,
)

from conformance.report.model import Reproduction
from conformance.report.terminal import (
    BOLD,
    GREEN,
    RED,
    RESET,
    YELLOW,
    ProgressPrinter,
    is_ci,
    render_summary,
    spec_lines,
    wants_colour,
)

ANSI = re.compile(r"\033\[[0-9;]*m")


def test_the_header_names_target_seed_workers_data_and_phases():
    lines = render_summary(result(workers=3, testdata_source="td.yaml")).splitlines()
    assert lines[:3] == [
        "Conformance of http://127.0.0.1:8000 to the Customer API contract",
        "seed 42 (replay with --seed 42); workers 3; test data: td.yaml",
        "phases: examples, coverage",
    ]


def test_no_phases_and_no_test_data_file_say_so():
    lines = render_summary(result(phases=())).splitlines()
    assert lines[1].endswith("test data: spec examples") and lines[2] == "phases: none"


def test_an_unreachable_target_prints_only_the_header_and_why():
    text = render_summary(result(unreachable="connection refused", findings=[FAILURE]))
    assert text.splitlines()[3:] == ["", "INCONCLUSIVE: connection refused"]
    assert "operation" not in text


def test_the_table_has_one_row_per_operation_sorted_and_a_total():
    text = render_summary(result(findings=[FAILURE]))
    lines = text.splitlines()
    start = lines.index(f"{'operation':<48} {'cases':>6} {'fail':>5}  statuses seen / documented")
    assert lines[start + 1 : start + 5] == [
        f"{GET:<48} {5:>6} {1:>5}  200 / 200,404  (never: 404)",
        f"{SEARCH:<48} {5:>6} {0:>5}  200 / 200,404  (never: 404)",
        f"{VERIFY:<48} {5:>6} {0:>5}  200 / 200,404  (never: 404)",
        f"{'total':<48} {15:>6} {1:>5}  (2.0 s, 8 cases/s)",
    ]


def test_forced_statuses_and_nothing_seen():
    run = result()
    run.operations = {GET: operation(GET, observed={}, documented=(200, 429), forced=(429,))}
    (row,) = [line for line in render_summary(run).splitlines() if line.startswith(GET)]
    assert row.endswith("- / 200,429  (forced: 429)  (never: 200,429)")


def test_no_elapsed_time_is_zero_cases_per_second_not_a_division_error():
    (total,) = [
        line
        for line in render_summary(result(elapsed=0.0)).splitlines()
        if line.startswith("total")
    ]
    assert total.endswith("(0.0 s, 0 cases/s)")


def test_sections_appear_only_when_they_have_findings_and_number_on():
    text = render_summary(result(findings=[FAILURE, DRIFT, BASELINED]))
    assert "== Failures (contract and standard rules): 1" in text
    assert "== Drift (our reading of the contract; fails only with --strict): 1" in text
    assert "== Accepted by the baseline (not failing): 1" in text
    assert re.findall(r"^(\d)\. \[(\w+)\]", text, re.M) == [
        ("1", "known"),
        ("2", "decision"),
        ("3", "standard"),
    ]
    clean = render_summary(result())
    assert "==" not in clean


def test_a_finding_block_lists_operations_counts_message_spec_and_reproduction():
    text = render_summary(result(findings=[FAILURE]))
    block = text.split("== Failures (contract and standard rules): 1\n")[1].split("\n\n")[0]
    assert block.splitlines() == [
        "",
        "1. [known] Response violates schema  (response_schema_conformance)",
        f"   operations: {GET}",
        "   seen 3 time(s); statuses 200, 201; first in: examples",
        "   accounts/0/accountNumber: integer where the contract says string",
        "   in the spec: components/schemas.yaml#/AccountNumber",
        "   reproduce: curl -X GET 'http://t/customers/1' -H 'Authorization: Bearer ${TOKEN}'",
    ]


def test_the_other_violations_of_one_response_are_listed_by_their_first_line():
    second = violation(
        check="c2", rule="r2", evidence="decision", title="T2", message="first\nsecond"
    )
    third = violation(check="c3", rule="r3", evidence="standard", title="T3", message="")
    found = replace(FAILURE, violations=(*FAILURE.violations, second, third))
    text = render_summary(result(findings=[found]))
    assert (
        "   the same response also broke:\n     - [decision] T2 (c2): first\n     - [standard] T3 (c3): \n"
        in text
    )


def test_a_long_message_is_cut_at_twelve_lines_and_blank_lines_dropped():
    message = "\n".join(f"line {n}" for n in range(20)) + "\n\n  \n"
    found = replace(FAILURE, violations=(violation(message=message),), reproduction=None)
    text = render_summary(result(findings=[found]))
    assert "   line 11" in text and "   line 12" not in text
    assert "reproduce:" not in text


def test_no_response_statuses_say_so():
    found = replace(FAILURE, statuses=[])
    assert "statuses no response;" in render_summary(result(findings=[found]))


def test_spec_lines_place_and_proposals():
    assert spec_lines(DRIFT) == [
        "in the spec: components/schemas.yaml#/CustomerProfile",
        "to accept it: remove /CustomerProfile/required/1 in components/schemas.yaml",
    ]
    from conformance.judge import PatchOp

    add = PatchOp("s.yaml", "add", "/A/enum/-", "Dormant")
    found = replace(DRIFT, violations=(violation(where="", proposal=(add,), evidence="decision"),))
    assert spec_lines(found) == ['to accept it: add /A/enum/- = "Dormant" in s.yaml']


def test_outages_section_per_operation_with_share():
    run = result()
    run.operations[VERIFY] = operation(VERIFY, outages=1, responses=8)
    text = render_summary(run)
    assert "== Outages (not failures; past the threshold the run is inconclusive)" in text
    assert f"   {VERIFY}: 1 of 8 responses (12%)" in text
    assert "== Outages" not in render_summary(result())


def test_environment_variables_and_the_pii_line_only_when_a_reproduction_reads_pii():
    plain = render_summary(result(env_needed={"TOKEN": "a persona's token"}, findings=[FAILURE]))
    assert "Reproduce lines read these environment variables:\n   TOKEN: a persona's token" in plain
    assert "PII_*" not in plain
    pii = replace(FAILURE, reproduction=Reproduction("curl -d '${PII_givenName}'", 200))
    text = render_summary(result(env_needed={"PII_givenName": "the pii file"}, findings=[pii]))
    assert "   PII_*: personal data, written only with --pii-file PATH" in text
    assert "Reproduce lines" not in render_summary(result())


def test_notes_stopped_early_and_errors():
    text = render_summary(result(notes=["n1"], stopped_early="--max-time reached", errors=["e1"]))
    assert "note: n1\nnote: --max-time reached\n\nerror: e1\n" in text


def test_the_last_line_is_the_verdict_in_its_colour():
    for run, colour in (
        (result(), GREEN),
        (result(findings=[FAILURE]), RED),
        (result(errors=["boom"]), YELLOW),
    ):
        plain = render_summary(run).splitlines()[-1]
        assert plain == run.verdict().reason
        assert render_summary(run, colour=True).splitlines()[-1] == f"{BOLD}{colour}{plain}{RESET}"


def test_colour_changes_nothing_but_the_escapes():
    run = result(findings=[FAILURE, DRIFT, BASELINED], errors=["e"], notes=["n"])
    run.operations[VERIFY] = operation(VERIFY, outages=1)
    coloured = render_summary(run, colour=True)
    assert f"{RED}[known]{RESET}" in coloured and f"{YELLOW}[decision]{RESET}" in coloured
    assert ANSI.sub("", coloured) == render_summary(run)
    assert not ANSI.search(render_summary(run))


@pytest.mark.parametrize(
    "value,ci",
    [
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("1", True),
        ("true", True),
        ("yes", True),
    ],
)
def test_is_ci(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert is_ci() is ci


def test_is_ci_unset(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert is_ci() is False


@pytest.mark.parametrize("choice,expected", [("always", True), ("never", False)])
def test_an_explicit_colour_choice_wins(choice, expected):
    assert wants_colour(io.StringIO(), choice) is expected


def step(phase="examples", done=1, total=4, operation="GET /x", failed=False):
    return SimpleNamespace(phase=phase, done=done, total=total, operation=operation, failed=failed)


def test_the_bar_fills_in_proportion_and_counts_failures():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, bar=True)
    printer(step(done=3, total=4, failed=True))
    out = stream.getvalue()
    assert out.startswith("\r[" + "#" * 22 + "-" * 8 + "]   3/4   examples")
    assert out.endswith("  1 failing")


def test_a_bar_with_no_total_is_full_and_a_new_phase_starts_a_new_line():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, bar=True)
    printer(step(phase="one", done=0, total=0))
    printer(step(phase="two", done=0, total=0))
    printer.close()
    out = stream.getvalue()
    assert out.count("[" + "#" * 30 + "]") == 2
    assert out.count("\n") == 2 and out.endswith("\n")


def test_failures_are_red_only_with_colour():
    stream = io.StringIO()
    ProgressPrinter(stream, bar=True, colour=True)(step(failed=True))
    assert f"{RED}  1 failing{RESET}" in stream.getvalue()


def test_plain_progress_prints_each_phase_once_and_close_adds_nothing():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, bar=False)
    for phase in ("a", "a", "b", "b", "a"):
        printer(step(phase=phase))
    printer.close()
    assert stream.getvalue() == "a ...\nb ...\na ...\n"


def test_the_default_is_a_bar_only_on_a_terminal_outside_ci(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    assert ProgressPrinter(Tty()).bar is True
    assert ProgressPrinter(io.StringIO()).bar is False
    monkeypatch.setenv("CI", "1")
    assert ProgressPrinter(Tty()).bar is False
