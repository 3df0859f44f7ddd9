"""`ndt-customer conform` against the mock: one worker against two, measured in one run.

Starts the mock (as users do, through the CLI) on a free loopback port, then runs the default
conformance suite with --workers 1 and --workers 2 in alternation, the same seed each time, and
prints wall time, cases and cases/s per run, the median of each and their ratio.

    python bench/bench_conform.py [--rounds 2] [--max-examples 25] [--seed 7]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOTAL = re.compile(r"^total\s+(\d+)\s+\d+\s+\(([\d.]+) s, (\d+) cases/s\)", re.M)


def start_mock() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ndt_contract.cli", "mock", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
        if match:
            url = match.group(1)
            while httpx.get(f"{url}/heartbeat", timeout=2).status_code != 200:
                time.sleep(0.1)
            return process, url
    process.kill()
    raise SystemExit("the mock did not start")


def conform(url: str, workers: int, max_examples: int, seed: int) -> tuple[float, int, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ndt_contract.cli",
            "conform",
            "--quiet",
            "--base-url",
            url,
            "--workers",
            str(workers),
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    match = TOTAL.search(result.stdout)
    if result.returncode != 0 or not match:
        raise SystemExit(
            f"conform --workers {workers} exited {result.returncode}:\n{result.stdout[-2000:]}"
        )
    return wall, int(match.group(1)), float(match.group(2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    process, url = start_mock()
    figures: dict[int, list[tuple[float, int, float]]] = {1: [], 2: []}
    try:
        for round_ in range(args.rounds):
            for workers in (1, 2) if round_ % 2 == 0 else (2, 1):
                wall, cases, run = conform(url, workers, args.max_examples, args.seed)
                figures[workers].append((wall, cases, run))
                print(
                    f"round {round_ + 1} workers {workers}: {wall:5.1f} s wall, {run:5.1f} s run, "
                    f"{cases} cases, {cases / run:5.1f} cases/s",
                    flush=True,
                )
    finally:
        process.terminate()
        process.wait(timeout=10)
    wall1 = statistics.median(f[0] for f in figures[1])
    wall2 = statistics.median(f[0] for f in figures[2])
    rate1 = statistics.median(f[1] / f[2] for f in figures[1])
    rate2 = statistics.median(f[1] / f[2] for f in figures[2])
    print(f"median wall: workers 1 {wall1:.1f} s, workers 2 {wall2:.1f} s")
    print(f"median cases/s: workers 1 {rate1:.1f}, workers 2 {rate2:.1f}")
    print(f"ratio workers 2 / workers 1: wall {wall2 / wall1:.2f}, cases/s {rate2 / rate1:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
