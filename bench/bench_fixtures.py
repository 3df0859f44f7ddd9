"""Fixture generation speed and memory, measured in one run.

Targets: 100,000 customers in 30 s or less; 1,000,000 streamed in well under 2 GiB.
Prints figures and ratios to the targets; exits 0 whatever they are (a benchmark, not a test).

    python bench/bench_fixtures.py [--count 100000] [--million]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def measure(count: int) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one `ndt-customer fixtures` run in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            sys.executable,
            "-m",
            "ndt_cli",
            "fixtures",
            "--quiet",
            "--count",
            str(count),
            "--out",
            out,
        ]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"generation failed: {cmd}")
        return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also stream 1,000,000 customers")
    args = parser.parse_args()

    seconds, peak = measure(args.count)
    rate = args.count / seconds
    print(
        f"fixtures: {args.count:,} customers in {seconds:.1f} s = {rate:,.0f}/s, peak RSS {peak:,.0f} MiB"
    )
    target_seconds = 30 * args.count / 100_000
    print(
        f"  speed ratio vs target ({target_seconds:.0f} s): {target_seconds / seconds:.1f}x faster than needed"
    )
    if args.million:
        seconds, peak = measure(1_000_000)
        print(
            f"fixtures: 1,000,000 customers in {seconds:.1f} s = {1e6 / seconds:,.0f}/s, "
            f"peak RSS {peak:,.0f} MiB ({peak / 2048:.1%} of the 2 GiB budget)"
        )


if __name__ == "__main__":
    main()
