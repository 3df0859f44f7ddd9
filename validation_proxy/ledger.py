"""What the proxy has seen so far: findings merged by root cause, counts per operation.

One writer (the judging thread) and readers anywhere (the live pages, the reports at exit):
every access holds the lock, and readers get a frozen copy as a `RunResult`, the value every
conformance reporter reads.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ndt_contract import Contract

from conformance.drift import DriftReport, drift_of
from conformance.recorder import Recorder
from conformance.report.model import Finding, OperationStats, RunResult

OFF_CONTRACT = "(not in the contract)"
SOURCE = "live traffic through the validation proxy"


class Ledger:
    """The proxy's counts around the run's one recorder, which merges its findings by rule as
    it does a conformance run's."""

    def __init__(
        self,
        contract: Contract,
        upstream: str,
        *,
        strict: bool,
        checks: list[str],
        recorder: Recorder,
    ):
        self._lock = threading.Lock()
        self.started = time.time()
        self._clock = time.perf_counter()
        self.upstream = upstream
        self.strict = strict
        self.checks = checks
        self.operations: dict[str, OperationStats] = {
            f"{op.method.upper()} {op.path}": OperationStats(
                f"{op.method.upper()} {op.path}",
                op.operation_id,
                documented=tuple(sorted(op.documented_statuses)),
            )
            for op in contract.operations.values()
        }
        self.recorder = recorder
        self.exchanges = 0
        self.off_contract = 0
        self.too_large = 0
        self.unreachable = 0
        self.backlog = 0
        self.requests_rejected = 0
        self.verdicts: dict[str, int] = {}

    # -- writing (the judging thread) ------------------------------------------------------

    def is_new(self, finding: Finding) -> bool:
        return not any(self.recorder.known(rule) for rule in finding.signature)

    def record(
        self,
        label: str | None,
        status: int | None,
        verdict: str,
        findings: Sequence[Finding] = (),
        *,
        checks: Iterable[str] = (),
        request_rejected: bool = False,
    ) -> None:
        with self._lock:
            self.exchanges += 1
            self.verdicts[verdict] = self.verdicts.get(verdict, 0) + 1
            if label is None:
                self.off_contract += 1
                return
            op = self.operations[label]
            op.cases += 1
            if verdict == "unreachable":
                self.unreachable += 1
                op.outages += 1
                op.responses += 1
                return
            if verdict == "too large":
                self.too_large += 1
            if status is not None:
                op.responses += 1
                op.observed[status] = op.observed.get(status, 0) + 1
                if status in (401, 404):
                    op.auth_or_missing += 1
            if verdict == "outage":
                op.outages += 1
            op.checks_run.update(checks)
            self.requests_rejected += request_rejected
            for finding in findings:
                self.recorder.add(finding)

    def skipped(self, label: str | None) -> None:
        """An exchange the judge could not take in time (a backlog): counted, never silent."""
        with self._lock:
            self.backlog += 1
            self.exchanges += 1
            self.verdicts["not judged"] = self.verdicts.get("not judged", 0) + 1

    # -- reading -------------------------------------------------------------------------

    def result(self) -> RunResult:
        """A frozen copy of everything so far, as a conformance run's result."""
        with self._lock:
            result = RunResult(
                self.upstream,
                0,
                operations=copy.deepcopy(self.operations),
                findings=self.recorder.findings(),
                elapsed=time.perf_counter() - self._clock,
                testdata_source=SOURCE,
                phases=("proxy",),
                strict=self.strict,
                checks=list(self.checks),
            )
            notes = [
                f"{self.exchanges} exchange(s) passed through: "
                + ", ".join(f"{n} {v}" for v, n in sorted(self.verdicts.items()))
            ]
            if self.off_contract:
                notes.append(f"{self.off_contract} request(s) outside the contract's operations")
            if self.too_large:
                notes.append(f"{self.too_large} response(s) too large to judge (streamed as is)")
                result.inconclusive.append(
                    f"{self.too_large} response(s) too large to judge (past --max-judged-bytes): "
                    "passed on unjudged"
                )
            if self.requests_rejected:
                notes.append(
                    f"{self.requests_rejected} request(s) the contract rejects, which the "
                    "upstream refused too"
                )
            if self.backlog:
                notes.append(f"{self.backlog} exchange(s) not judged: the judge fell behind")
            if self.unreachable:
                notes.append(f"{self.unreachable} request(s) found the upstream unreachable")
            result.notes = notes
            if not self.exchanges:
                result.unreachable = "no request passed through the proxy"
        return result

    def drift_report(self) -> DriftReport:
        """The drift so far as a proposed change to spec/, one entry per root cause."""
        return drift_of(self.result())

    def snapshot(self) -> dict[str, Any]:
        """The live JSON of `GET /__proxy/findings`."""
        result = self.result()
        verdict = result.verdict()
        return {
            "upstream": self.upstream,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "exchanges": self.exchanges,
            "verdicts": dict(sorted(self.verdicts.items())),
            "verdict": verdict.reason,
            "failures": [finding_json(f) for f in result.failures],
            "drift": [finding_json(f) for f in result.drift],
            "outages": result.outages,
            "operations": {
                label: {
                    "responses": op.responses,
                    "statuses": {str(k): v for k, v in sorted(op.observed.items())},
                    "documented": list(op.documented),
                }
                for label, op in sorted(result.operations.items())
            },
            "notes": result.notes,
        }


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "evidence": finding.evidence,
        "title": finding.title,
        "check": finding.check,
        "rule": finding.rule,
        "message": finding.message,
        "where": finding.lead.where,
        "operations": list(finding.operations),
        "statuses": sorted(finding.statuses),
        "count": finding.count,
        "violations": [
            {
                "evidence": v.evidence,
                "check": v.check,
                "rule": v.rule,
                "message": v.message,
                "where": v.where,
                "proposal": [op.as_dict() | {"file": op.file} for op in v.proposal],
            }
            for v in finding.violations
        ],
        "reproduce": finding.reproduction.curl if finding.reproduction else None,
        "fingerprint": finding.fingerprint,
    }
