"""The terminal summary: per operation, then each failure with a redacted curl to reproduce it."""

from __future__ import annotations

from conformance.runner import RunResult


def render_summary(result: RunResult) -> str:
    lines = [
        f"Conformance of {result.base_url} to the Customer API contract",
        f"phases: {', '.join(result.phases)}; seed {result.seed}; test data: {result.testdata_source}",
        "",
        f"{'operation':<52} {'cases':>6} {'failures':>9}",
    ]
    for op in sorted(result.operations.values(), key=lambda o: o.label):
        lines.append(f"{op.label:<52} {op.cases:>6} {op.failures:>9}")
    rate = result.cases / result.elapsed if result.elapsed else 0.0
    lines.append(
        f"{'total':<52} {result.cases:>6} {len(result.failures):>9}   "
        f"({result.elapsed:.1f} s, {rate:.0f} cases/s)"
    )
    for number, failure in enumerate(result.failures, start=1):
        lines += [
            "",
            f"{number}. {failure.operation} [{failure.check}] {failure.title}",
            f"   got: HTTP {failure.status if failure.status is not None else 'no response'} ({failure.phase} phase)",
            *(f"   {line}" for line in failure.message.splitlines() if line.strip()),
            f"   reproduce: {failure.curl}",
        ]
    for error in result.errors:
        lines += ["", f"error: {error}"]
    lines += [
        "",
        "PASS: the target honours the contract"
        if result.passed
        else f"FAIL: {len(result.failures)} contract failure(s), {len(result.errors)} error(s)",
    ]
    return "\n".join(lines)
