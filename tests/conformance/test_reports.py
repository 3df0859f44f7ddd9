"""What people read: the terminal (progress bar, colour, plain under CI, one verdict line) and
the self-contained HTML report, checked in headless Chromium with a screenshot kept."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from broken.base import serve_variant

from conformance import ConformOptions, run_conformance
from conformance.engine import Progress
from conformance.report.html import write_html
from conformance.report.model import Finding, OperationStats, Reproduction, RunResult, Violation
from conformance.report.terminal import ProgressPrinter, render_summary, wants_colour

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "reports"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def sample_result() -> RunResult:
    result = RunResult("http://127.0.0.1:8080", 42, phases=("examples", "fuzzing"))
    result.operations = {
        "GET /customers/{customerId}": OperationStats(
            "GET /customers/{customerId}",
            cases=30,
            responses=30,
            documented=(200, 404, 429),
            observed={200: 20, 404: 5, 503: 5},
            outages=5,
        ),
        "POST /customers/search": OperationStats(
            "POST /customers/search",
            cases=12,
            responses=12,
            documented=(200, 400),
            observed={200: 12},
        ),
    }

    def finding(rule, evidence, ops):
        return Finding(
            (
                Violation(
                    rule, f"{rule}:x", f"{rule} broke", "what came; what is documented", evidence
                ),
            ),
            ops,
            [200],
            Reproduction("curl -sS -X GET 'http://127.0.0.1:8080/customers/1'", 200),
            "fuzzing",
        )

    result.findings = [
        finding(
            "api_version_header",
            "standard",
            ["GET /customers/{customerId}", "POST /customers/search"],
        ),
        finding("traceid_present", "decision", ["POST /customers/search"]),
    ]
    result.elapsed = 2.0
    return result


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    steps = [
        Progress("Documented examples", 1, 4, "GET /customers"),
        Progress("Documented examples", 2, 4, "POST /customers/search", failed=True),
        Progress("Random valid requests", 3, 4, "GET /customers"),
    ]
    bar, plain = io.StringIO(), io.StringIO()
    for stream, as_bar in ((bar, True), (plain, False)):
        printer = ProgressPrinter(stream, bar=as_bar, colour=as_bar)
        for step in steps:
            printer(step)
        printer.close()
    assert "\r[#######" in bar.getvalue() and "1 failing" in bar.getvalue()
    assert plain.getvalue() == "Documented examples ...\nRandom valid requests ...\n"


def test_colour_follows_the_terminal_ci_and_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(Tty()) and not wants_colour(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not wants_colour(Tty()) and wants_colour(io.StringIO(), "always")
    monkeypatch.delenv("CI")
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(Tty()) and not wants_colour(Tty(), "never")


def test_summary_has_sections_evidence_and_one_final_verdict_line():
    result = sample_result()
    coloured = render_summary(result, colour=True)
    plain = render_summary(result)
    assert ANSI.search(coloured) and not ANSI.search(plain)
    assert ANSI.sub("", coloured) == plain
    assert "== Failures (contract and standard rules): 1" in plain
    assert "== Drift (our reading of the contract; fails only with --strict): 1" in plain
    assert "[standard] api_version_header broke" in plain and "[decision]" in plain
    assert "operations: GET /customers/{customerId}, POST /customers/search" in plain
    assert "== Outages" in plain and "GET /customers/{customerId}: 5 of 30 responses (17%)" in plain
    assert "(never: 429)" in plain
    assert plain.splitlines()[-1] == "FAIL: 1 contract/standard failure(s), 1 drift"


@pytest.mark.live
def test_under_ci_the_cli_prints_plain_phase_lines(tmp_path):
    with serve_variant("missing_api_version") as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ndt_cli",
                "conform",
                "--base-url",
                server.url,
                "--max-examples",
                "2",
                "--phases",
                "examples,fuzzing",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "CI": "true"},
        )
    assert result.returncode == 1
    assert "\r" not in result.stderr and not ANSI.search(result.stderr + result.stdout)
    assert "Documented examples ...\n" in result.stderr
    assert "Random valid requests ...\n" in result.stderr
    assert "Boundary and invalid values" not in result.stderr  # not selected: not announced


@pytest.mark.browser
def test_html_report_in_headless_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    with serve_variant("no_details_missing") as server:  # a known rule broken: the run fails
        result = run_conformance(ConformOptions(base_url=server.url, max_examples=4, seed=3))
    result.findings = [f for f in result.findings if f.evidence != "decision"]
    result.findings.append(sample_result().findings[1])  # one drift finding beside the real ones
    report = tmp_path / "conformance.html"
    write_html(result, report)
    browser.get(report.as_uri())
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.text.startswith("FAIL:") and "fail" in verdict.get_attribute("class")
    rows = browser.find_elements(By.CSS_SELECTOR, "#operations tr[data-operation]")
    assert len(rows) == 5
    search = browser.find_element(By.CSS_SELECTOR, "tr[data-operation='POST /customers/search']")
    assert "200" in search.text
    failures = browser.find_elements(By.CSS_SELECTOR, "#failures .finding")
    assert failures and all(f.find_element(By.CSS_SELECTOR, ".badge").text for f in failures)
    titles = " ".join(f.text for f in failures)
    assert "NoCustomerDetails missing" in titles
    curl = failures[0].find_element(By.CSS_SELECTOR, "pre.curl").text
    assert curl.startswith("curl -sS -X")
    drift = browser.find_elements(By.CSS_SELECTOR, "#drift .finding .badge.decision")
    assert [d.text for d in drift] == ["decision"]
    assert browser.find_element(By.ID, "outages").is_displayed()
    assert browser.execute_script("return document.scripts.length") == 0
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources == []  # self-contained: nothing fetched
    ARTEFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTEFACTS / "conformance-report.png"))
