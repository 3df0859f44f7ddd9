"""Direct tests of conformance.report.html: self-contained, and hostile text escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

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

from conformance.report.html import render_html, write_html
from conformance.report.model import Reproduction

HOSTILE = "<script>alert('x')</script>"


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def section(html: str, name: str) -> str:
    match = re.search(rf"<section id='{name}'>(.*?)</section>", html, re.S)
    assert match, name
    return match.group(1)


def test_the_report_is_self_contained_no_scripts_no_external_files():
    html = render_html(result(findings=[FAILURE, DRIFT, BASELINED]))
    tags = parsed(html).tags
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in tags if any(k in a for k in ("src", "href"))]
    (csp,) = [a for t, a in tags if t == "meta" and a.get("http-equiv")]
    assert csp["content"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")


@pytest.mark.parametrize(
    "where",
    ["title", "message", "check", "operation", "base_url", "curl", "note", "error", "env"],
)
def test_hostile_text_is_escaped_wherever_it_appears(where):
    v = violation(
        title=HOSTILE if where == "title" else "t",
        message=HOSTILE if where == "message" else "m",
        check=HOSTILE if where == "check" else "response_schema_conformance",
    )
    found = replace(
        FAILURE,
        violations=(v, v),
        operations=[HOSTILE if where == "operation" else GET],
        reproduction=Reproduction(HOSTILE if where == "curl" else "curl x", 200),
    )
    run = result(
        findings=[found],
        base_url=HOSTILE if where == "base_url" else "http://t",
        notes=[HOSTILE] if where == "note" else [],
        errors=[HOSTILE] if where == "error" else [],
        env_needed={"TOKEN": HOSTILE} if where == "env" else {},
    )
    html = render_html(run)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert HOSTILE in "".join(parsed(html).text)  # shown as text, not run


def test_an_operation_label_in_an_attribute_cannot_break_out():
    run = result()
    label = "GET /x' onmouseover='alert(1)"
    run.operations = {label: operation(label)}
    tags = parsed(render_html(run)).tags
    (row,) = [a for t, a in tags if t == "tr" and "data-operation" in a]
    assert row == {"data-operation": label}


def test_the_verdict_class_follows_the_exit_code():
    def verdict_class(run) -> str:
        (attrs,) = [a for t, a in parsed(render_html(run)).tags if a.get("id") == "verdict"]
        return attrs["class"]

    assert verdict_class(result()) == "verdict pass"
    assert verdict_class(result(findings=[FAILURE])) == "verdict fail"
    assert verdict_class(result(unreachable="refused")) == "verdict inconclusive"


def test_the_verdict_seed_cases_and_phases_are_stated():
    html = render_html(result(testdata_source="testdata.yaml"))
    assert '<p class="verdict pass" id="verdict">PASS: the target honours the contract</p>' in html
    assert "Seed 42 (replay with <code>--seed 42</code>); 15 cases in\n2.0 s" in html
    assert "phases examples, coverage; test data\ntestdata.yaml." in html
    assert "test data\nspec examples." in render_html(result())


def test_one_row_per_operation_with_cases_statuses_documented_failures_outages():
    run = result(findings=[FAILURE])
    run.operations[SEARCH] = operation(
        SEARCH, observed={200: 3, 400: 2}, documented=(200, 400, 429), forced=(429,), outages=1
    )
    html = render_html(run)
    rows = re.findall(r"<tr data-operation='([^']*)'>(.*?)</tr>", html, re.S)
    assert [label for label, _ in rows] == sorted([GET, SEARCH, VERIFY])
    cells = {label: re.findall(r"<td>(.*?)</td>", row, re.S) for label, row in rows}
    assert cells[GET] == [
        GET,
        "5",
        "200 (5)",
        "200, 404 <span class='missed'>(never reached: 404)</span>",
        "1",
        "0",
    ]
    assert cells[SEARCH] == [
        SEARCH,
        "5",
        "200 (3), 400 (2)",
        "200, 400, 429 <span class='missed'>(never reached: 429)</span> "
        "<span class='forced'>(forced: 429)</span>",
        "0",
        "1",
    ]


def test_an_operation_that_saw_nothing_says_none():
    run = result()
    run.operations[GET] = operation(GET, observed={}, documented=())
    html = render_html(run)
    assert f"<td>{GET}</td><td>5</td><td>none</td><td></td>" in html


def test_each_finding_goes_to_its_section_with_counts():
    html = render_html(result(findings=[FAILURE, DRIFT, BASELINED]))
    assert "<h2>Failures: contract and standard rules (1)</h2>" in html
    assert "<h2>Drift: our reading of the contract (fails only with --strict) (1)</h2>" in html
    assert "<h2>Accepted by the baseline (1)</h2>" in html
    assert "Response violates schema" in section(html, "failures")
    assert "Missing field" in section(html, "drift")
    assert "server-error" in section(html, "baselined")


def test_empty_sections_say_none():
    html = render_html(result())
    for name in ("failures", "drift", "baselined", "outages"):
        assert "<p>None.</p>" in section(html, name)


def test_a_finding_shows_evidence_operations_counts_rule_message_and_reproduction():
    html = section(render_html(result(findings=[FAILURE])), "failures")
    assert f"data-fingerprint='{FAILURE.fingerprint}'" in html
    assert (
        "<span class='badge known'>known</span> Response violates schema <code>response_schema_conformance</code>"
        in html
    )
    assert (
        "Operations: GET /customers/{customerId}. Seen 3 time(s); statuses 200, 201; first in the examples phase."
        in html
    )
    assert "<pre>accounts/0/accountNumber: integer where the contract says string</pre>" in html
    assert "<p class='spec'>in the spec: components/schemas.yaml#/AccountNumber</p>" in html
    assert "<p>Reproduce (HTTP 200):</p><pre class='curl'>curl -X GET" in html


def test_a_finding_without_reproduction_statuses_or_message():
    bare = replace(
        FAILURE, reproduction=None, statuses=[], violations=(violation(message="  ", where=""),)
    )
    html = section(render_html(result(findings=[bare])), "failures")
    assert "statuses none;" in html
    assert "Reproduce" not in html and "<pre>" not in html and "class='spec'" not in html


def test_drift_shows_the_change_that_accepts_it():
    html = section(render_html(result(findings=[DRIFT])), "drift")
    assert (
        "<p class='spec'>to accept it: remove /CustomerProfile/required/1 in components/schemas.yaml</p>"
        in html
    )
    assert "<span class='badge decision'>decision</span>" in html


def test_the_other_violations_of_one_response_are_listed():
    second = violation(
        check="content_type_conformance",
        rule="content-type",
        evidence="standard",
        title="Wrong type",
        message="text/plain",
    )
    found = replace(FAILURE, violations=(*FAILURE.violations, second))
    html = render_html(result(findings=[found]))
    assert (
        "<p>The same response also broke:</p><ul><li><span class='badge standard'>standard</span> Wrong type <code>content_type_conformance</code><pre>text/plain</pre></li></ul>"
        in html
    )


def test_outages_list_each_operation_against_its_responses():
    run = result()
    run.operations[VERIFY] = operation(VERIFY, outages=2, responses=8)
    html = section(render_html(run), "outages")
    assert f"<ul><li>{VERIFY}: 2 of 8 responses</li></ul>" in html


def test_environment_and_notes_appear_only_when_present():
    plain = render_html(result())
    assert "Environment for the reproductions" not in plain and "<h2>Notes</h2>" not in plain
    html = render_html(result(env_needed={"TOKEN": "a persona token"}, notes=["n1"], errors=["e1"]))
    assert "<ul><li><code>TOKEN</code>: a persona token</li></ul>" in html
    assert "<h2>Notes</h2><ul><li>n1</li><li>e1</li></ul>" in html


def test_write_html_creates_the_folder_and_writes_utf8(tmp_path):
    path = tmp_path / "a" / "b" / "report.html"
    run = result(notes=["Zoë's note"])
    write_html(run, path)
    assert path.read_text(encoding="utf-8") == render_html(run)
