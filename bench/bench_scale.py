"""The mock at scale, measured in one run on loopback (issue 12, item 5).

For each size, two starts:
- cold: an empty cache folder, so the start generates, checks and indexes every customer
  (what the first `mock --customers N` on a machine pays, once);
- warm: the same folder again, so the start opens the index file the cold start wrote.
Each prints seconds to the first 200 (a persona's GetCustomer) against the issue's target.
On the warm server: RSS, search p99 against the p99 at the default 1,000 customers, then
admin changes and resets under load: wrk keeps calling GetCustomer while a client upserts
customers and resets, over and over; the p99 of wrk's requests and RSS before the changes,
with them, and after the resets. Exits 0 whatever the figures (a benchmark).

    python bench/bench_scale.py [--customers 100000] [--million] [--warm-only --cache DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from bench_mock import (
    AMELIA,
    SEARCH_BODY,
    Figure,
    ensure_wrk,
    free_port,
    rss_mb,
    run_wrk,
    serving,
    wait_for,
    wrk,
)
from ndt_fixtures import default_dataset_dir, read_dataset

TARGETS = {100_000: 2.0, 1_000_000: 10.0}  # seconds to the first 200 (issue 12)
RESET_P99_MS = 50.0
RSS_LIMIT_MB = 2048


def mock_cmd(port: int, customers: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "ndt_cli", "mock", "--port", str(port)]
    return cmd + (["--customers", str(customers)] if customers else [])


def search_figures(binary: str, port: int, args: argparse.Namespace) -> tuple[Figure, Figure]:
    """(one search repeated, as bench_mock measures it; varied searches, none repeated)."""
    url = f"http://127.0.0.1:{port}/customers/search"
    repeated = wrk(
        binary, url, post=SEARCH_BODY, duration=args.duration, connections=args.connections
    )
    varied = wrk_rotating(binary, url, args.bodies, args.duration, args.connections)
    return repeated, varied


def ratio_line(name: str, figure: Figure, small: Figure) -> str:
    return (
        f"  search p99, {name}: {figure.p99_ms:.2f} ms ({figure.rps:.0f} req/s) = "
        f"{figure.p99_ms / small.p99_ms:.2f}x the p99 at 1,000 ({small.p99_ms:.2f} ms; "
        "target <= 1.5x)"
    )


def varied_searches(count: int = 8000) -> list[str]:
    """Distinct search bodies, more than the store keeps answers for (HOT_PROFILES): each one
    reaches the index. Names and dates of the default dataset, paired at random."""
    rng = random.Random(0)
    people = [r.profile for r in read_dataset(default_dataset_dir()).records()]
    bodies: set[str] = set()
    while len(bodies) < count:
        one, two = rng.choice(people), rng.choice(people)
        kind = rng.random()
        if kind < 0.15:
            wanted = {"familyName": one["familyName"]}
        elif kind < 0.65:
            wanted = {"givenName": one["givenName"], "familyName": two["familyName"]}
        elif kind < 0.85:
            wanted = {"dateOfBirth": one["dateOfBirth"], "familyName": two["familyName"]}
        else:
            wanted = {"postcode": one["addresses"][0]["components"]["postcode"]}
        bodies.add(json.dumps({"filter": wanted}))
    mixed = sorted(bodies)
    rng.shuffle(mixed)
    return mixed


def wrk_rotating(
    binary: str, url: str, bodies: list[str], duration: int, connections: int
) -> Figure:
    """wrk POSTing `bodies` in turn (a Lua request function), so no answer is a repeat."""
    lua = (
        "bodies = {"
        + ",".join(json.dumps(b) for b in bodies)
        + "}\n"
        + (
            "counter = 0\n"
            "request = function()\n"
            "  counter = counter + 1\n"
            "  return wrk.format('POST', nil, {['Content-Type'] = 'application/json'},"
            " bodies[(counter % #bodies) + 1])\n"
            "end\n"
        )
    )
    return run_wrk(binary, url, lua, duration=duration, connections=connections)


def changes_and_resets(port: int, stop: threading.Event, timings: list[float]) -> None:
    """Upsert 100 customers, reset, again, until `stop`; each reset's seconds into `timings`."""
    base = f"http://127.0.0.1:{port}/__admin"
    profile = copy.deepcopy(AMELIA.profile)
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            for n in range(100):
                new_id = f"0003919{n:012d}"
                client.put(f"{base}/customers/{new_id}", json=profile | {"id": new_id})
            started = time.perf_counter()
            assert client.post(f"{base}/reset").status_code == 200
            timings.append(time.perf_counter() - started)


def upsert_many(port: int, count: int) -> None:
    base = f"http://127.0.0.1:{port}/__admin"
    profile = copy.deepcopy(AMELIA.profile)
    with httpx.Client(timeout=60) as client:
        for n in range(count):
            new_id = f"0003918{n:012d}"
            client.put(f"{base}/customers/{new_id}", json=profile | {"id": new_id})


def first_200(customers: int, timeout: float) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/customers/{AMELIA.customer_id}"
    with serving(mock_cmd(port, customers), url, timeout=timeout) as (_, seconds):
        return seconds


def against(seconds: float, target: float | None) -> str:
    if target is None:
        return ""
    verdict = "meets" if seconds < target else "misses"
    return f" ({verdict} the < {target:g} s target: {seconds / target:.2f}x of it)"


def measure_warm(
    binary: str, customers: int, args: argparse.Namespace, small: tuple[Figure, Figure]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/customers/{AMELIA.customer_id}"
    with serving(mock_cmd(port, customers), url, timeout=600) as (process, seconds):
        ui_ready = seconds + wait_for(f"http://127.0.0.1:{port}/ui/")  # built in the background
        rss_start = rss_mb(process.pid)
        repeated, varied = search_figures(binary, port, args)
        rss_loaded = rss_mb(process.pid)
        upsert_many(port, args.changes)
        rss_changed = rss_mb(process.pid)
        stop, timings = threading.Event(), list[float]()
        worker = threading.Thread(target=changes_and_resets, args=(port, stop, timings))
        worker.start()
        during = wrk(
            binary,
            f"http://127.0.0.1:{port}/customers/{AMELIA.customer_id}",
            post=None,
            duration=args.reset_window,
            connections=args.connections,
        )
        stop.set()
        worker.join()
        httpx.post(f"http://127.0.0.1:{port}/__admin/reset", timeout=60)
        rss_after = rss_mb(process.pid)
    target = TARGETS.get(customers)
    print(
        f"  warm start (index file in the cache): first 200 in {seconds:.2f} s{against(seconds, target)}"
    )
    print(f"  Swagger UI answering {ui_ready:.2f} s after the start")
    print(
        f"  RSS after start {rss_start:.0f} MB, after the search load {rss_loaded:.0f} MB "
        f"(limit {RSS_LIMIT_MB} MB at a million)"
    )
    print(ratio_line("one search repeated", repeated, small[0]))
    print(ratio_line(f"{len(args.bodies):,} searches in turn", varied, small[1]))
    print(
        f"  {len(timings)} resets (each after 100 upserts) while wrk ran {args.reset_window} s: "
        f"slowest reset {max(timings) * 1000:.1f} ms; GetCustomer meanwhile {during.rps:.0f} req/s, "
        f"p99 {during.p99_ms:.1f} ms (target < {RESET_P99_MS:g} ms)"
    )
    print(
        f"  RSS before changes {rss_loaded:.0f} MB, with {args.changes:,} upserted customers "
        f"{rss_changed:.0f} MB, after the resets {rss_after:.0f} MB",
        flush=True,
    )


def index_size_mb(cache: Path) -> float:
    return sum(p.stat().st_size for p in cache.glob("*.sqlite")) / 2**20


def measure_size(
    binary: str, customers: int, args: argparse.Namespace, small: tuple[Figure, Figure]
) -> None:
    print(f"\n{customers:,} customers")
    with tempfile.TemporaryDirectory(prefix="ndt-bench-cache-") as scratch:
        cache = Path(args.cache) if args.cache else Path(scratch)
        os.environ["NDT_CACHE_DIR"] = str(cache)  # the servers inherit it
        if not args.warm_only:
            for stale in cache.glob("generated-*.sqlite"):
                stale.unlink()
            cold = first_200(customers, timeout=3600)
            print(
                f"  cold start (generate, check and index into an empty cache): first 200 in "
                f"{cold:.1f} s{against(cold, TARGETS.get(customers))}; "
                f"{customers / cold:,.0f} customers/s; index file {index_size_mb(cache):.0f} MB",
                flush=True,
            )
        measure_warm(binary, customers, args, small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also 1,000,000 customers")
    parser.add_argument("--only-million", action="store_true", help="1,000,000 customers only")
    parser.add_argument("--warm-only", action="store_true", help="skip the cold start")
    parser.add_argument("--cache", help="cache folder to use and keep (default: a temporary one)")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--changes", type=int, default=2000, help="customers upserted before resets"
    )
    parser.add_argument(
        "--reset-window", type=int, default=10, help="seconds of load around resets"
    )
    args = parser.parse_args()
    binary = ensure_wrk()
    port = free_port()
    url = f"http://127.0.0.1:{port}/customers/{AMELIA.customer_id}"
    args.bodies = varied_searches()
    with serving(mock_cmd(port, None), url) as (process, seconds):
        wait_for(f"http://127.0.0.1:{port}/ui/")  # the UI's build would share the CPU
        small = search_figures(binary, port, args)
        rss_small = rss_mb(process.pid)
    print(
        f"1,000 customers (the committed default, indexed in memory): first 200 in "
        f"{seconds:.2f} s, RSS {rss_small:.0f} MB; search p99 {small[0].p99_ms:.2f} ms "
        f"({small[0].rps:.0f} req/s) for one search repeated, {small[1].p99_ms:.2f} ms "
        f"({small[1].rps:.0f} req/s) for {len(args.bodies):,} searches in turn",
        flush=True,
    )
    sizes = [] if args.only_million else [args.customers]
    if args.million or args.only_million:
        sizes.append(1_000_000)
    for size in sizes:
        measure_size(binary, size, args, small)


if __name__ == "__main__":
    main()
