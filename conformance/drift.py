"""Drift as a proposed change to spec/: what QA hands to the spec owner.

The report is JSON: per spec file, RFC 6902 operations that make the full reading accept what
the target did, with a line per root cause saying why. Applying it (`apply_patch`) and judging
the same responses again yields no drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch
import yaml
from ndt_contract.bundle import load_yaml

from conformance.judge import Judgement, PatchOp
from conformance.report.model import RunResult

FORMAT = "ndt-customer/drift-patch/1"
_INDEXED = re.compile(r"^(?P<list>.*)/(?P<index>[0-9]+)$")


@dataclass
class DriftEntry:
    """One root cause of drift: a rule at a place, with where and how often it was seen."""

    judgement: Judgement
    count: int = 0
    operations: set[str] = field(default_factory=set)

    def line(self) -> str:
        seen = f"{self.count} response{'s' if self.count != 1 else ''}"
        ops = ", ".join(sorted(self.operations))
        change = "; ".join(_describe(op) for op in self.judgement.proposal) or "no change proposed"
        return (
            f"{self.judgement.where} [{self.judgement.rule}] {self.judgement.message} "
            f"(in {seen}: {ops}) -> {change}"
        )


def _describe(op: PatchOp) -> str:
    if op.op == "remove":
        return f"remove {op.path} in {op.file}"
    return f"{op.op} {op.path} = {json.dumps(op.value)} in {op.file}"


class DriftReport:
    """Collects drift judgements, one entry per (place, rule)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], DriftEntry] = {}

    def add(self, judgement: Judgement, operation: str, count: int = 1) -> None:
        if judgement.is_failure:
            raise ValueError("only drift (decision-level judgements) belongs in a drift report")
        entry = self.entries.setdefault(judgement.key, DriftEntry(judgement))
        entry.count += count
        entry.operations.add(operation)

    def extend(self, judgements: Iterable[Judgement], operation: str) -> None:
        for judgement in judgements:
            if not judgement.is_failure:
                self.add(judgement, operation)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def lines(self) -> list[str]:
        return [self.entries[key].line() for key in sorted(self.entries)]

    def patch(self) -> dict[str, Any]:
        return build_patch(e.judgement for e in self.entries.values())

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.patch(), indent=2) + "\n", encoding="utf-8")


def build_patch(judgements: Iterable[Judgement]) -> dict[str, Any]:
    """One JSON Patch per spec file. Removals from one list run from the highest index down,
    and every operation appears once, however many responses asked for it."""
    ops: set[PatchOp] = set()
    reasons: list[dict[str, str]] = []
    for judgement in judgements:
        if judgement.is_failure:
            continue
        ops.update(judgement.proposal)
        reasons.append({"where": judgement.where, "rule": judgement.rule, "why": judgement.message})
    files: dict[str, list[dict[str, Any]]] = {}
    for op in sorted(ops, key=_order):
        files.setdefault(op.file, []).append(op.as_dict())
    return {
        "format": FORMAT,
        "note": "Proposed by a conformance run: each change accepts what the target did.",
        "reasons": sorted(reasons, key=lambda r: (r["where"], r["rule"])),
        "files": files,
    }


def _order(op: PatchOp) -> tuple[Any, ...]:
    """Additions first, then removals, the deepest index of a list before the shallower."""
    match = _INDEXED.match(op.path) if op.op == "remove" else None
    if match:
        return (op.file, 1, match["list"], -int(match["index"]))
    return (op.file, 0 if op.op != "remove" else 1, op.path, 0)


def apply_patch(spec_dir: Path, patch: Mapping[str, Any]) -> list[Path]:
    """Apply a drift patch to the spec files under `spec_dir`; returns the files changed.

    The files are rewritten by PyYAML: comments and layout are not kept, which is why this is
    for trying a proposal on a copy; the spec owner makes the change by hand.
    """
    if patch.get("format") != FORMAT:
        raise ValueError(f"not a drift patch of this tool (format {patch.get('format')!r})")
    changed = []
    for name, operations in (patch.get("files") or {}).items():
        path = (spec_dir / name).resolve()
        if spec_dir.resolve() not in path.parents:
            raise ValueError(f"{name}: outside {spec_dir}")
        document = load_yaml(path.read_text(encoding="utf-8"))
        document = jsonpatch.apply_patch(document, operations)
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
        changed.append(path)
    return changed


def drift_of(result: RunResult) -> DriftReport:
    """A result's drift as a proposed change to spec/, one entry per root cause: what a
    conformance run and the validation proxy both write."""
    report = DriftReport()
    for finding in result.drift:
        for violation in finding.violations:
            judgement = Judgement(
                "decision",
                violation.rule,
                violation.where,
                violation.message,
                proposal=violation.proposal,
            )
            for operation in finding.operations:
                report.add(judgement, operation, finding.count)
    return report
