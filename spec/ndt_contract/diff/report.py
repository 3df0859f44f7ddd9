"""Render a DiffResult for a terminal, a pull-request comment (Markdown) or CI (JUnit XML)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ndt_contract.diff.documents import DiffResult
from ndt_contract.diff.rules import RULES, Change


def _summary(result: DiffResult) -> str:
    counts = result.counts
    total = sum(counts.values())
    return (
        f"{total} change(s): {counts.get('breaking', 0)} breaking, "
        f"{counts.get('minor', 0)} minor, {counts.get('patch', 0)} patch"
    )


def _verdict(result: DiffResult) -> str:
    return "ok" if result.version.ok else "FAIL"


def render_text(result: DiffResult) -> str:
    lines = [f"contract diff {result.base_label} -> {result.head_label}"]
    for change in result.changes:
        lines.append(
            f"{change.severity.upper():<8}  {change.rule:<28} {change.pointer}  "
            f"[{change.evidence}]  {change.message}"
        )
    lines.append(_summary(result))
    lines.append(f"info.version {result.version.message} [{_verdict(result)}]")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# A GitHub comment holds at most 65,536 characters: rows past these caps are counted, not shown.
MAX_ROWS = 150
MAX_PATCH_ROWS = 50


def _table(changes: list[Change], limit: int) -> list[str]:
    lines = ["| severity | rule | where | evidence | change |", "|---|---|---|---|---|"]
    for change in changes[:limit]:
        lines.append(
            f"| {change.severity} | `{change.rule}` | `{_cell(change.pointer)}` | "
            f"{change.evidence} | {_cell(change.message)} |"
        )
    if len(changes) > limit:
        lines += ["", f"... and {len(changes) - limit} more (the text or JUnit output has all)."]
    return lines


def render_markdown(result: DiffResult) -> str:
    """A pull-request comment: the verdict first, then breaking and minor changes in a table,
    and descriptions, examples and annotations (patch) folded away."""
    mark = "✅" if result.version.ok else "❌"
    lines = [
        f"### Contract diff: `{result.base_label}` → `{result.head_label}`",
        "",
        f"{mark} **info.version** {_cell(result.version.message)}",
        "",
        f"{_summary(result)}.",
    ]
    meaningful = [c for c in result.changes if c.severity != "patch"]
    patches = [c for c in result.changes if c.severity == "patch"]
    if meaningful:
        lines += ["", *_table(meaningful, MAX_ROWS)]
    if patches:
        lines += ["", f"<details><summary>{len(patches)} patch change(s)</summary>", ""]
        lines += [*_table(patches, MAX_PATCH_ROWS), "", "</details>"]
    if result.changes:
        used = sorted({c.rule for c in result.changes})
        lines += ["", "<details><summary>Rules</summary>", ""]
        lines += [
            f"- `{rule}` ({RULES[rule].severity}, {RULES[rule].basis}): {RULES[rule].summary}"
            for rule in used
        ]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _failing(change: Change, result: DiffResult) -> bool:
    return change.severity == "breaking" and result.version.breaking_unannounced


def render_junit(result: DiffResult) -> str:
    """One test case per change plus one for info.version; a breaking change is a failure
    exactly when the version does not announce it."""
    cases = []
    version_case = ET.Element("testcase", classname="contract-diff", name="info.version")
    if not result.version.ok:
        ET.SubElement(version_case, "failure", message=result.version.message)
    cases.append(version_case)
    for change in result.changes:
        case = ET.Element(
            "testcase",
            classname=f"contract-diff.{change.severity}",
            name=f"{change.rule} {change.pointer}",
        )
        text = f"{change.message} (evidence: {change.evidence})"
        if _failing(change, result):
            ET.SubElement(case, "failure", message=text, type=change.rule)
        else:
            ET.SubElement(case, "system-out").text = text
        cases.append(case)
    failures = sum(1 for case in cases if case.find("failure") is not None)
    suite = ET.Element(
        "testsuite",
        name=f"ndt-customer diff {result.base_label} -> {result.head_label}",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
    )
    suite.extend(cases)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "junit": render_junit}
