"""Progress without a terminal: a line per phase, and every few seconds a line naming the
operation just finished, scenarios done, failures so far and the rate."""

from __future__ import annotations

import io

from conformance.engine import Progress
from conformance.report.terminal import ProgressPrinter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_per_operation_at_most_every_interval():
    clock, stream = Clock(), io.StringIO()
    printer = ProgressPrinter(stream, bar=False, interval=5.0, clock=clock)
    printer(Progress("Documented examples", 0, 4, message="started"))
    for done, (at, failed) in enumerate([(1.0, False), (6.0, True), (7.0, False), (12.0, False)]):
        clock.now = 100.0 + at
        printer(Progress("Documented examples", done + 1, 4, f"GET /op{done}", failed))
    assert stream.getvalue().splitlines() == [
        "Documented examples ...",
        "  2/4 GET /op1: 1 failing so far, 0.3 scenarios/s",
        "  4/4 GET /op3: 1 failing so far, 0.3 scenarios/s",
    ]


def test_a_bar_draws_no_progress_lines():
    clock, stream = Clock(), io.StringIO()
    printer = ProgressPrinter(stream, bar=True, interval=0.0, clock=clock)
    clock.now += 10
    printer(Progress("Documented examples", 1, 4, "GET /op"))
    assert "scenarios/s" not in stream.getvalue()
