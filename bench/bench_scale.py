"""The mock at scale, measured in one run on loopback (issue 12, item 5).

For each size: seconds to the first 200 (a persona's GetCustomer) after start, RSS, search p99
against the p99 at the default 1,000 customers, and a reset under load: wrk keeps calling
GetCustomer while `POST /__admin/reset` rebuilds the store, and the p99 of those requests and
the RSS before and after four resets are printed. Exits 0 whatever the figures (a benchmark).

    python bench/bench_scale.py [--customers 100000] [--million] [--duration 5]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import httpx
from bench_mock import (
    AMELIA,
    SEARCH_BODY,
    Figure,
    ensure_wrk,
    free_port,
    rss_mb,
    serving,
    wrk,
)

TARGETS = {100_000: 2.0, 1_000_000: 10.0}  # seconds to the first 200 (issue 12)


def mock_cmd(port: int, customers: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "ndt_cli", "mock", "--port", str(port)]
    return cmd + (["--customers", str(customers)] if customers else [])


def search_p99(binary: str, port: int, duration: int, connections: int) -> Figure:
    return wrk(
        binary,
        f"http://127.0.0.1:{port}/customers/search",
        post=SEARCH_BODY,
        duration=duration,
        connections=connections,
    )


def reset_under_load(binary: str, port: int, connections: int, window: int) -> tuple[float, Figure]:
    """(seconds the reset took, GetCustomer figures measured while it ran)."""
    timing: dict[str, float] = {}

    def reset() -> None:
        time.sleep(1.0)
        started = time.perf_counter()
        response = httpx.post(f"http://127.0.0.1:{port}/__admin/reset", timeout=600)
        timing["seconds"] = time.perf_counter() - started
        assert response.status_code == 200, response.text

    thread = threading.Thread(target=reset)
    thread.start()
    figure = wrk(
        binary,
        f"http://127.0.0.1:{port}/customers/{AMELIA.customer_id}",
        post=None,
        duration=window,
        connections=connections,
    )
    thread.join()
    if timing["seconds"] + 1 > window:
        print(f"  (the reset outlasted wrk's {window} s window: raise --reset-window)")
    return timing["seconds"], figure


def measure_size(binary: str, customers: int, args: argparse.Namespace, small: Figure) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/customers/{AMELIA.customer_id}"
    with serving(mock_cmd(port, customers), url, timeout=1800) as (process, first_200):
        rss_start = rss_mb(process.pid)
        search = search_p99(binary, port, args.duration, args.connections)
        reset_seconds, during = reset_under_load(binary, port, args.connections, args.reset_window)
        rss_one = rss_mb(process.pid)
        for _ in range(3):
            httpx.post(f"http://127.0.0.1:{port}/__admin/reset", timeout=600)
        rss_four = rss_mb(process.pid)
    target = TARGETS.get(customers)
    print(f"\n{customers:,} customers")
    print(
        f"  first 200 after start: {first_200:.2f} s"
        + (f" (target < {target:g} s: {first_200 / target:.2f}x of it)" if target else "")
    )
    print(f"  RSS after start: {rss_start:.0f} MB (target < 2048 MB at a million)")
    print(
        f"  search p99 {search.p99_ms:.2f} ms = {search.p99_ms / small.p99_ms:.2f}x the p99 at "
        f"1,000 ({small.p99_ms:.2f} ms; target <= 1.5x)"
    )
    print(
        f"  reset took {reset_seconds:.1f} s; GetCustomer during it: {during.rps:.0f} req/s, "
        f"p99 {during.p99_ms:.1f} ms (target < 50 ms)"
    )
    print(f"  RSS after 1 reset {rss_one:.0f} MB, after 4 resets {rss_four:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also 1,000,000 customers")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reset-window", type=int, default=30, help="seconds of load around it")
    args = parser.parse_args()
    binary = ensure_wrk()
    port = free_port()
    with serving(mock_cmd(port, None), f"http://127.0.0.1:{port}/heartbeat"):
        small = search_p99(binary, port, args.duration, args.connections)
    print(f"search p99 at 1,000 customers: {small.p99_ms:.2f} ms", flush=True)
    measure_size(binary, args.customers, args, small)
    if args.million:
        measure_size(binary, 1_000_000, args, small)


if __name__ == "__main__":
    main()
