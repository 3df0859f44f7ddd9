"""Peak memory and wall time of `conform` against hostile loopback targets (issue 20).

Each target (tests/conformance/hostile.py) is served in this process; `ndt-customer conform`
runs in a child per target, its peak RSS read from the child's own rusage (os.wait4), so one
run's memory never hides another's. Each target is hostile on the requests schemathesis sends
(the probe answers politely), and once more at the probe itself.

    python bench/bench_hostile.py [--request-timeout 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "conformance"))

from hostile import (  # noqa: E402
    HostileServer,
    big_body,
    deep_json,
    drip_body,
    drip_head,
    endless_chunked,
    gzip_bomb,
    huge_number,
    personas,
)

GOAL_MB = 400
TARGETS = {
    "drip, 1 byte/s in the headers": drip_head,
    "drip, 2 bytes/s in the body": drip_body,
    "endless chunked body": endless_chunked,
    "gzip bomb without end": gzip_bomb,
    "100 MB body": big_body,
    "JSON nested 100,000 deep": deep_json,
    "a 5 MB number": huge_number,
    "20,000 personas": personas(20_000),
}


def conform(url: str, request_timeout: float) -> tuple[int, float, float, str]:
    """exit code, seconds, peak RSS in MB, the verdict line."""
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ndt_cli",
            "conform",
            "--base-url",
            url,
            "--quiet",
            "--phases",
            "examples",
            "--max-examples",
            "2",
            "--seed",
            "1",
            "--request-timeout",
            str(request_timeout),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    verdict = (output.strip().splitlines() or [""])[-1]
    return process.returncode, time.monotonic() - started, usage.ru_maxrss / 1024, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request-timeout", type=float, default=2.0)
    args = parser.parse_args()
    print(f"{'target':<34} {'where':<7} {'exit':>4} {'time s':>7} {'peak MB':>8}  verdict")
    worst = 0.0
    for name, behaviour in TARGETS.items():
        for at_probe in (False, True):
            with HostileServer(behaviour, hostile_root=at_probe) as target:
                code, took, peak, verdict = conform(target.url, args.request_timeout)
            worst = max(worst, peak)
            where = "probe" if at_probe else "phases"
            print(f"{name:<34} {where:<7} {code:>4} {took:>7.1f} {peak:>8.0f}  {verdict[:90]}")
    print(f"worst peak RSS {worst:.0f} MB (goal: under {GOAL_MB} MB)")


if __name__ == "__main__":
    main()
