"""JUnit XML for CI: one testcase per operation, one failure element per contract failure."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from conformance.runner import RunResult


def write_junit(result: RunResult, path: Path) -> None:
    suite = ET.Element(
        "testsuite",
        {
            "name": "ndt-customer conformance",
            "tests": str(len(result.operations)),
            "failures": str(sum(1 for op in result.operations.values() if op.failures)),
            "errors": str(len(result.errors)),
            "time": f"{result.elapsed:.3f}",
        },
    )
    ET.SubElement(
        ET.SubElement(suite, "properties"),
        "property",
        {"name": "base_url", "value": result.base_url},
    )
    for op in sorted(result.operations.values(), key=lambda o: o.label):
        case = ET.SubElement(suite, "testcase", {"classname": "conformance", "name": op.label})
        ET.SubElement(case, "system-out").text = f"{op.cases} cases"
        for failure in (f for f in result.failures if f.operation == op.label):
            element = ET.SubElement(
                case, "failure", {"type": failure.check, "message": failure.title}
            )
            element.text = f"{failure.message}\nHTTP {failure.status}\nreproduce: {failure.curl}"
    for error in result.errors:
        case = ET.SubElement(suite, "testcase", {"classname": "conformance", "name": "run"})
        ET.SubElement(case, "error", {"message": error[:200]}).text = error
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
