"""Fresh clone to the first 200 of `make mock`: what a frontend developer waits for.

Clones a git revision of this repository into a temporary folder, runs `make mock` there and
polls GetCustomer until it answers 200; prints the seconds (clone, then install and start).
The package caches of the machine are used as they are (say so when quoting the figure).

    python bench/bench_make_mock.py [--rev HEAD] [--rev main] [--installer pip|uv]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CUSTOMER = "0003911000001668971"  # the multi-account persona


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def time_make_mock(rev: str, installer: str | None, timeout: float) -> tuple[float, float]:
    """(seconds to clone, seconds from `make mock` to the first 200)."""
    with tempfile.TemporaryDirectory(prefix="ndt-clone-") as scratch:
        clone = Path(scratch) / "ndt-customer"
        started = time.perf_counter()
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
        cloned = time.perf_counter() - started
        port = free_port()
        command = ["make", "-s", "mock", f"PORT={port}"]
        if installer:
            command.append(f"INSTALLER={installer}")
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=clone,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/customers/{CUSTOMER}"
            while not answers_200(url):
                if process.poll() is not None:
                    raise RuntimeError(f"make mock exited {process.returncode} at {rev}")
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"no 200 within {timeout} s at {rev}")
                time.sleep(0.05)
            return cloned, time.perf_counter() - started
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rev", action="append", help="git revision (repeatable; default HEAD)")
    parser.add_argument("--installer", choices=("pip", "uv"), help="default: uv when on PATH")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    for rev in args.rev or ["HEAD"]:
        cloned, first_200 = time_make_mock(rev, args.installer, args.timeout)
        print(
            f"{rev}: clone {cloned:.1f} s, make mock to first 200 {first_200:.1f} s, "
            f"total {cloned + first_200:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
