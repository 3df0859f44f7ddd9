"""Direct tests of ndt_contract.diff.report: text, Markdown and JUnit from a hand-built result."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from ndt_contract.diff.documents import DiffResult
from ndt_contract.diff.report import (
    MAX_PATCH_ROWS,
    MAX_ROWS,
    RENDERERS,
    render_junit,
    render_markdown,
    render_text,
)
from ndt_contract.diff.rules import RULES, Change, rule_level
from ndt_contract.diff.version import check_version

REMOVED = Change(
    "/paths/~1x/get/responses/404", "status-removed", "status 404 removed", "known", "responses/404"
)
ADDED = Change("/paths/~1y/get", "operation-added", "operation GET /y added", "decision")
DOC = Change("/info/description", "documentation", "description changed", "decision")
PIPE = Change("/paths/~1a|b/get", "changed", "x | y\nsecond line", "standard")


def result(changes, base="1.0", head="1.0", labels=("main:spec", "spec")) -> DiffResult:
    changes = tuple(changes)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.severity] = counts.get(change.severity, 0) + 1
    return DiffResult(labels[0], labels[1], changes, check_version(base, head, changes), counts)


def test_every_renderer_is_registered():
    assert {"text": render_text, "markdown": render_markdown, "junit": render_junit} == RENDERERS


def test_text_lists_every_change_then_the_summary_and_verdict():
    assert render_text(result([REMOVED, ADDED, DOC])) == (
        "contract diff main:spec -> spec\n"
        "BREAKING  status-removed               /paths/~1x/get/responses/404  [known]  "
        "status 404 removed\n"
        "MINOR     operation-added              /paths/~1y/get  [decision]  operation GET /y added\n"
        "PATCH     documentation                /info/description  [decision]  "
        "description changed\n"
        "3 change(s): 1 breaking, 1 minor, 1 patch\n"
        "info.version 1.0 -> 1.0: breaking changes need a major bump (at least 2.0.0) [FAIL]\n"
    )


def test_text_verdict_ok_when_the_version_moved():
    assert render_text(result([REMOVED], head="2.0")).endswith("major bump, as needed [ok]\n")


def test_markdown_verdict_summary_table_and_rules():
    text = render_markdown(result([REMOVED, ADDED]))
    lines = text.splitlines()
    assert lines[:5] == [
        "### Contract diff: `main:spec` → `spec`",
        "",
        "❌ **info.version** 1.0 -> 1.0: breaking changes need a major bump (at least 2.0.0)",
        "",
        "2 change(s): 1 breaking, 1 minor, 0 patch.",
    ]
    assert (
        "| breaking | `status-removed` | `/paths/~1x/get/responses/404` | known | "
        "status 404 removed |"
    ) in lines
    assert (
        "| minor | `operation-added` | `/paths/~1y/get` | decision | operation GET /y added |"
        in lines
    )
    assert "<details><summary>Rules</summary>" in lines
    assert f"- `operation-added` (minor, standard): {RULES['operation-added'].summary}" in lines
    assert f"- `status-removed` (breaking, standard): {RULES['status-removed'].summary}" in lines
    assert "patch change(s)" not in text


def test_markdown_folds_patch_changes_away_and_shows_ok():
    text = render_markdown(result([DOC], head="1.0.1"))
    assert "✅ **info.version** 1.0 -> 1.0.1: patch bump, as needed" in text
    assert "<details><summary>1 patch change(s)</summary>" in text
    assert text.index("| patch | `documentation`") > text.index("1 patch change(s)")


def test_markdown_escapes_pipes_and_newlines_in_cells():
    text = render_markdown(result([PIPE]))
    assert "| minor | `changed` | `/paths/~1a\\|b/get` | standard | x \\| y second line |" in text


def test_markdown_without_changes_has_no_tables_or_rules():
    text = render_markdown(result([]))
    assert "| severity |" not in text and "Rules" not in text
    assert "✅ **info.version** 1.0 -> 1.0: no changes, no bump needed" in text
    assert text.endswith("0 change(s): 0 breaking, 0 minor, 0 patch.\n")


def test_markdown_caps_rows_and_counts_the_rest():
    many = [Change(f"/p{i}", "operation-removed", "m", "known") for i in range(MAX_ROWS + 3)]
    patches = [Change(f"/d{i}", "example", "e", "decision") for i in range(MAX_PATCH_ROWS + 1)]
    text = render_markdown(result(many + patches))
    assert text.count("| breaking |") == MAX_ROWS
    assert text.count("| patch |") == MAX_PATCH_ROWS
    assert "... and 3 more (the text or JUnit output has all)." in text
    assert "... and 1 more (the text or JUnit output has all)." in text


def junit(changes, **kw) -> ET.Element:
    text = render_junit(result(changes, **kw))
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuites>")
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    return root.find("testsuite")


def test_junit_fails_breaking_changes_and_the_version_when_unannounced():
    suite = junit([REMOVED, ADDED, DOC])
    assert suite.get("name") == "ndt-customer diff main:spec -> spec"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "0")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    version = cases["info.version"].find("failure")
    assert (
        version.get("message") == "1.0 -> 1.0: breaking changes need a major bump (at least 2.0.0)"
    )
    failure = cases["status-removed /paths/~1x/get/responses/404"].find("failure")
    assert (failure.get("type"), failure.get("message")) == (
        "status-removed",
        "status 404 removed (evidence: known)",
    )
    assert cases["operation-added /paths/~1y/get"].get("classname") == "contract-diff.minor"
    out = cases["operation-added /paths/~1y/get"].find("system-out")
    assert out.text == "operation GET /y added (evidence: decision)"


def test_junit_passes_breaking_changes_the_version_announces():
    suite = junit([REMOVED], head="2.0")
    assert suite.get("failures") == "0"
    assert all(c.find("failure") is None for c in suite.iter("testcase"))


def test_junit_fails_only_the_version_for_an_unannounced_minor_change():
    suite = junit([ADDED])
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failing == ["info.version"]


def test_junit_of_a_version_that_is_not_a_number():
    suite = junit([ADDED], base="one", head="two")
    failure = suite.find("testcase").find("failure")
    assert failure.get("message") == "one -> two: not a MAJOR[.MINOR[.PATCH]] version"


@pytest.mark.parametrize(
    "node,rule,level",
    [
        (None, "type", "decision"),
        ("text", "type", "decision"),
        ({"type": "string"}, "type", "decision"),
        ({"type": "string", "x-evidence": {"type": "k"}}, "type", "known"),
        ({"type": "string", "x-evidence": {"type": ["s", "k"]}}, "type", "known"),  # strongest
        ({"type": "string", "x-evidence": {"type": "s"}}, "type", "standard"),
        ({"type": "string", "x-evidence": {"type": "unknown"}}, "type", "decision"),
        ({"type": "string", "x-evidence": {"type": "k"}}, "format", "decision"),
    ],
)
def test_rule_level(node, rule, level):
    assert rule_level(node, rule, {"k": "known", "s": "standard"}) == level


def test_every_rule_has_a_severity_basis_and_summary():
    for rule in RULES.values():
        assert rule.severity in ("breaking", "minor", "patch")
        assert rule.basis in ("standard", "decision") and rule.summary
    assert Change("/x", "documentation", "m", "decision").severity == "patch"
    with pytest.raises(KeyError):
        _ = Change("/x", "no-such-rule", "m", "decision").severity
