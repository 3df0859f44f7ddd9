"""JUnit XML for CI: one testcase per (operation, check), passed, failed or skipped.

A failing testcase carries each finding that names the check on that operation, with its
evidence level and replayable request. Drift fails a testcase only under --strict; baselined
findings and checks that never applied to an operation are skipped. Run errors are counted, and
an inconclusive run (exit 3: unreachable, never authenticated, cut short...) is one error
testcase saying why, so a CI widget shows red, not grey.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from conformance.report.model import EXIT_INCONCLUSIVE, Finding, RunResult


def _finding_text(finding: Finding) -> str:
    lines = [
        f"[{finding.evidence}] {finding.title}",
        finding.message,
        f"operations: {', '.join(finding.operations)}",
        f"statuses: {', '.join(map(str, sorted(finding.statuses))) or 'no response'}; "
        f"seen {finding.count} time(s)",
    ]
    if finding.reproduction:
        lines.append(f"reproduce: {finding.reproduction.curl}")
    return "\n".join(lines)


def write_junit(result: RunResult, path: Path) -> None:
    suite = ET.Element("testsuite", {"name": "ndt-customer conformance"})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("base_url", result.base_url),
        ("seed", str(result.seed)),
        ("verdict", result.verdict().reason),
    ):
        ET.SubElement(props, "property", {"name": name, "value": value})
    tests = failures = skipped = 0
    for op in sorted(result.operations.values(), key=lambda o: o.label):
        for check in sorted(set(result.checks) | set(op.checks_run)):
            tests += 1
            case = ET.SubElement(suite, "testcase", {"classname": op.label, "name": check})
            mine = [f for f in result.findings if op.label in f.operations and check in f.checks]
            failing = [
                f for f in mine if not f.baselined and (f.evidence != "decision" or result.strict)
            ]
            if failing:
                failures += 1
                lead = failing[0]
                element = ET.SubElement(
                    case,
                    "failure",
                    {"type": f"{lead.evidence}:{check}", "message": lead.title[:200]},
                )
                element.text = "\n\n".join(_finding_text(f) for f in failing)
            elif check not in op.checks_run:
                skipped += 1
                reason = (
                    result.unreachable or "the check never applied to this operation's responses"
                )
                ET.SubElement(case, "skipped", {"message": reason[:200]})
            elif any(f.baselined for f in mine):
                skipped += 1
                ET.SubElement(case, "skipped", {"message": "accepted by the baseline"})
            notes = [f for f in mine if f not in failing and not f.baselined]
            if notes:
                ET.SubElement(case, "system-out").text = "\n\n".join(
                    "drift: " + _finding_text(f) for f in notes
                )
    errors = list(result.errors)
    verdict = result.verdict()
    if verdict.code == EXIT_INCONCLUSIVE and verdict.reason not in errors:
        errors.insert(0, verdict.reason)
    for error in errors:
        tests += 1
        name = "inconclusive" if error == verdict.reason else "error"
        case = ET.SubElement(suite, "testcase", {"classname": "run", "name": name})
        ET.SubElement(case, "error", {"message": error[:200]}).text = error
    suite.attrib.update(
        {
            "tests": str(tests),
            "failures": str(failures),
            "errors": str(len(errors)),
            "skipped": str(skipped),
            "time": f"{result.elapsed:.3f}",
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
