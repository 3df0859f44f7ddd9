"""The terminal: a progress bar while running (plain lines when not a TTY or under CI), then a
summary people can act on, ending with one verdict line."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from conformance.report.model import EXIT_PASS, Finding, RunResult

if TYPE_CHECKING:  # a type only: reporters read what the engine emits, they never run it
    from conformance.engine import Progress

RESET, BOLD, RED, GREEN, YELLOW, CYAN, DIM = (
    "\033[0m",
    "\033[1m",
    "\033[31m",
    "\033[32m",
    "\033[33m",
    "\033[36m",
    "\033[2m",
)
EVIDENCE_COLOUR = {"known": RED, "standard": RED, "decision": YELLOW}


def is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def wants_colour(stream: TextIO, choice: str = "auto") -> bool:
    """--color auto|always|never; auto: a TTY, not CI, no NO_COLOR."""
    if choice in ("always", "never"):
        return choice == "always"
    return stream.isatty() and not is_ci() and "NO_COLOR" not in os.environ


class ProgressPrinter:
    """Renders `Progress` steps: a redrawn bar on a terminal; otherwise (CI, a pipe) a line per
    phase and, at most every `interval` seconds, a line naming the operation just finished
    with the scenarios done, the failing ones and the rate, so a long run shows it is alive."""

    def __init__(
        self,
        stream: TextIO = sys.stderr,
        *,
        bar: bool | None = None,
        colour: bool = False,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream
        self.bar = stream.isatty() and not is_ci() if bar is None else bar
        self.colour = colour
        self.interval = interval
        self._clock = clock
        self._started = clock()
        self._last_line = self._started
        self._steps = 0
        self._phase = ""
        self._failed = 0
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        if progress.failed:
            self._failed += 1
        if progress.phase != self._phase:
            if self._drawn:
                self.stream.write("\n")
                self._drawn = False
            self._phase = progress.phase
            if not self.bar:
                self.stream.write(f"{progress.phase} ...\n")
        if progress.operation:
            self._steps += 1
        if not self.bar and progress.operation:
            now = self._clock()
            if now - self._last_line >= self.interval:
                self._last_line = now
                rate = self._steps / (now - self._started) if now > self._started else 0.0
                self.stream.write(
                    f"  {progress.done}/{progress.total} {progress.operation}: "
                    f"{self._failed} failing so far, {rate:.1f} scenarios/s\n"
                )
        if self.bar:
            width = 30
            filled = int(width * progress.done / progress.total) if progress.total else width
            bar = "#" * filled + "-" * (width - filled)
            fails = f"  {self._failed} failing" if self._failed else ""
            if self.colour and self._failed:
                fails = f"{RED}{fails}{RESET}"
            line = (
                f"\r[{bar}] {progress.done:>3}/{progress.total:<3} {progress.phase:<40.40} "
                f"{progress.operation:<46.46}{fails}"
            )
            self.stream.write(line)
            self._drawn = True
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _paint(text: str, colour: str, enabled: bool) -> str:
    return f"{colour}{text}{RESET}" if enabled else text


def spec_lines(finding: Finding) -> list[str]:
    """Where the contract states the rule, and for drift the change that accepts the target."""
    lead = finding.lead
    lines = [f"in the spec: {lead.where}"] if lead.where else []
    for op in lead.proposal:
        change = op.path if op.op == "remove" else f"{op.path} = {json.dumps(op.value)}"
        lines.append(f"to accept it: {op.op} {change} in {op.file}")
    return lines


def _finding_lines(number: int, finding: Finding, colour: bool) -> list[str]:
    evidence = _paint(f"[{finding.evidence}]", EVIDENCE_COLOUR.get(finding.evidence, RED), colour)
    ops = ", ".join(finding.operations)
    lines = [
        "",
        f"{number}. {evidence} {_paint(finding.title, BOLD, colour)}  ({finding.check})",
        f"   operations: {ops}",
        f"   seen {finding.count} time(s); statuses "
        f"{', '.join(map(str, sorted(finding.statuses))) or 'no response'}; "
        f"first in: {finding.phase}",
    ]
    if len(finding.violations) > 1:
        lines.append("   the same response also broke:")
        lines += [
            f"     - [{v.evidence}] {v.title} ({v.check}): {(v.message.splitlines() or [''])[0]}"
            for v in finding.violations[1:]
        ]
    lines += [f"   {line}" for line in finding.message.splitlines() if line.strip()][:12]
    lines += [f"   {line}" for line in spec_lines(finding)]
    if finding.reproduction:
        lines.append(f"   reproduce: {finding.reproduction.curl}")
    return lines


def render_summary(result: RunResult, *, colour: bool = False) -> str:
    lines = [
        _paint(f"Conformance of {result.base_url} to the Customer API contract", BOLD, colour),
        f"seed {result.seed} (replay with --seed {result.seed}); workers {result.workers}; "
        f"test data: {result.testdata_source or 'spec examples'}",
        f"phases: {', '.join(result.phases) or 'none'}",
    ]
    if result.unreachable:
        lines += ["", _paint(result.verdict().reason, YELLOW, colour)]
        return "\n".join(lines)
    lines += [
        "",
        f"{'operation':<48} {'cases':>6} {'fail':>5}  statuses seen / documented",
    ]
    for op in sorted(result.operations.values(), key=lambda o: o.label):
        failing = sum(1 for f in result.failures if op.label in f.operations)
        seen = ",".join(str(s) for s in sorted(op.observed))
        missed = ",".join(str(s) for s in op.missed)
        cover = f"{seen or '-'} / {','.join(map(str, op.documented))}"
        if op.forced:
            cover += f"  (forced: {','.join(map(str, op.forced))})"
        if missed:
            cover += _paint(f"  (never: {missed})", YELLOW, colour)
        lines.append(f"{op.label:<48} {op.cases:>6} {failing:>5}  {cover}")
    rate = result.cases / result.elapsed if result.elapsed else 0.0
    lines.append(
        f"{'total':<48} {result.cases:>6} {len(result.failures):>5}  "
        f"({result.elapsed:.1f} s, {rate:.0f} cases/s)"
    )
    sections = [
        ("Failures (contract and standard rules)", result.failures),
        ("Drift (our reading of the contract; fails only with --strict)", result.drift),
        ("Accepted by the baseline (not failing)", result.baselined),
    ]
    number = 0
    for title, findings in sections:
        if not findings:
            continue
        lines += ["", _paint(f"== {title}: {len(findings)}", BOLD, colour)]
        for finding in findings:
            number += 1
            lines += _finding_lines(number, finding, colour)
    if result.outages:
        lines += [
            "",
            _paint(
                "== Outages (not failures; past the threshold the run is inconclusive)",
                BOLD,
                colour,
            ),
        ]
        for label, count in sorted(result.outages.items()):
            op = result.operations[label]
            lines.append(f"   {label}: {count} of {op.responses} responses ({op.outage_share:.0%})")
    if result.env_needed:
        lines += ["", "Reproduce lines read these environment variables:"]
        lines += [f"   {name}: {why}" for name, why in sorted(result.env_needed.items())]
        if any(f.reproduction and "PII_" in f.reproduction.curl for f in result.findings):
            lines.append("   PII_*: personal data, written only with --pii-file PATH")
    for note in [*result.notes, *([result.stopped_early] if result.stopped_early else [])]:
        lines += [f"note: {note}"]
    for error in result.errors:
        lines += ["", _paint(f"error: {error}", RED, colour)]
    verdict = result.verdict()
    paint = GREEN if verdict.code == EXIT_PASS else (RED if verdict.code == 1 else YELLOW)
    lines += ["", _paint(verdict.reason, BOLD + paint, colour)]
    return "\n".join(lines)
