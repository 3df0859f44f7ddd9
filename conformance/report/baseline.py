"""Accepted findings: a baseline file lists them, so only new ones fail a run.

The file is JSON with one entry per finding: its fingerprint (rules broken and operations,
never values), and for people the title, check, evidence and operations. `--write-baseline`
writes it from a run; `--baseline` reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.options import UsageError
from conformance.report.model import RunResult

FORMAT = "ndt-customer conformance baseline 1"


def read_fingerprints(path: Path) -> set[str]:
    """The (rule, operation) keys a baseline accepts."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path}: not a baseline written by --write-baseline")
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise UsageError(f"{path}: baseline findings must each have a fingerprint")
    keys: set[str] = set()
    for entry in entries:
        listed = entry.get("keys")
        keys.update(listed if isinstance(listed, list) else [entry["fingerprint"]])
    return keys


def apply_baseline(result: RunResult, path: Path) -> None:
    """Mark the findings the baseline accepts; they are listed but do not fail the run."""
    accepted = read_fingerprints(path)
    for finding in result.findings:
        finding.baselined = finding.keys <= accepted


def write_baseline(result: RunResult, path: Path) -> None:
    entries = [
        {
            "fingerprint": f.fingerprint,
            "keys": sorted(f.keys),
            "title": f.title,
            "check": f.check,
            "rules": list(f.signature),
            "evidence": f.evidence,
            "operations": sorted(f.operations),
        }
        for f in sorted(result.findings, key=lambda f: f.fingerprint)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"format": FORMAT, "findings": entries}, indent=2) + "\n", encoding="utf-8"
    )
