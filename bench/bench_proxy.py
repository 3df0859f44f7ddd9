"""The validation proxy against direct calls and `prism proxy`, on one upstream mock, in one run.

Prints requests/s, p50 and p99 at the same connection count for: the upstream mock called
directly, our proxy in front of it (judging on: every exchange judged, with a Client-Session-Id
that changes per request so no verdict is reused; and the same requests repeated, which reuse
the verdict already given), and `prism proxy` in front of the same mock. Then the ratios to the
goals of issue 21: at least 3x Prism's proxy throughput, under 2 ms added p50 at 32 connections.
Installs Prism into /tmp/prism (npm) when missing.

    python bench/bench_proxy.py [--duration 5] [--connections 32] [--skip-prism]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_mock import ensure_wrk, free_port, serving
from ndt_fixtures import persona

PRISM_DIR = Path("/tmp/prism")
AMELIA = persona("multi-account")
PATH = f"/customers/{AMELIA.customer_id}"
# Every request carries a fresh Client-Session-Id: each exchange is judged afresh.
FRESH = """counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, {["Api-Version"] = "1", ["Client-Session-Id"] = "bench-" .. counter})
end
"""
SAME = 'wrk.headers["Api-Version"] = "1"\nwrk.headers["Client-Session-Id"] = "bench"\n'


@dataclass
class Figure:
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(binary: str, url: str, lua: str, *, duration: int, connections: int) -> Figure:
    """wrk on one thread; any non-2xx answer voids the figure."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    out = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if not (rps and p50 and p99):
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    return Figure(float(rps.group(1)), _ms(*p50.groups()), _ms(*p99.groups()))


def ensure_prism() -> Path:
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        print("installing @stoplight/prism-cli (npm) into /tmp/prism ...", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(PRISM_DIR), "@stoplight/prism-cli@5"],
            check=True,
            capture_output=True,
        )
    return binary


def measure(binary: str, base: str, lua: str, args: argparse.Namespace) -> Figure:
    run_wrk(binary, base + PATH, lua, duration=1, connections=args.connections)  # warm up
    return run_wrk(binary, base + PATH, lua, duration=args.duration, connections=args.connections)


def drained(base: str) -> dict[str, int]:
    """The verdicts once the judging thread has caught up (so the next figure does not pay
    for this one's backlog)."""
    last = -1
    while True:
        snap = httpx.get(base + "/__proxy/findings", timeout=30).json()
        if snap["exchanges"] == last:
            return dict(snap["verdicts"])
        last = snap["exchanges"]
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-prism", action="store_true")
    args = parser.parse_args()
    wrk = ensure_wrk()
    python = sys.executable
    figures: dict[str, Figure] = {}
    judged: dict[str, int] = {}

    upstream_port = free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    one = argparse.Namespace(connections=1, duration=args.duration)
    with serving([python, "-m", "ndt_cli", "mock", "--port", str(upstream_port)], upstream + PATH):
        figures["direct to the mock"] = measure(wrk, upstream, FRESH, args)
        figures["direct, 1 connection"] = measure(wrk, upstream, FRESH, one)

        port = free_port()
        proxy = [python, "-m", "ndt_cli", "proxy", "--upstream", upstream, "--port", str(port)]
        with serving([*proxy, "--quiet"], f"http://127.0.0.1:{port}{PATH}"):
            base = f"http://127.0.0.1:{port}"
            figures["proxy, every exchange judged"] = measure(wrk, base, FRESH, args)
            judged = drained(base)
            figures["proxy, repeated exchanges"] = measure(wrk, base, SAME, args)
            figures["proxy, 1 connection"] = measure(wrk, base, FRESH, one)

        if not args.skip_prism:
            prism = ensure_prism()
            with tempfile.TemporaryDirectory() as scratch:
                spec = Path(scratch) / "openapi.json"
                spec.write_bytes(httpx.get(upstream + "/openapi.json", timeout=30).content)
                port = free_port()
                cmd = [str(prism), "proxy", str(spec), upstream, "-p", str(port), "-v", "silent"]
                with serving(cmd, f"http://127.0.0.1:{port}{PATH}", timeout=120):
                    figures["prism proxy"] = measure(wrk, f"http://127.0.0.1:{port}", FRESH, args)

    print(
        f"GetCustomer through each, {args.connections} connections unless said, {args.duration} s, wrk -t1"
    )
    print(f"{'':<32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, fig in figures.items():
        print(f"{name:<32} {fig.rps:>9.0f} {fig.p50_ms:>8.2f} {fig.p99_ms:>8.2f}")
    print(f"verdicts of the judged run: {judged}")
    direct = figures["direct to the mock"]
    ours = figures["proxy, every exchange judged"]
    added_p50 = ours.p50_ms - direct.p50_ms
    added_p99 = ours.p99_ms - direct.p99_ms
    print(
        f"added by the proxy: p50 {added_p50:+.2f} ms, p99 {added_p99:+.2f} ms (goal: p50 < 2 ms)"
    )
    if "prism proxy" in figures:
        prism_fig = figures["prism proxy"]
        ratio = ours.rps / prism_fig.rps
        print(
            f"throughput vs prism proxy: {ratio:.1f}x (goal >= 3x); prism adds p50 "
            f"{prism_fig.p50_ms - direct.p50_ms:+.2f} ms, p99 {prism_fig.p99_ms - direct.p99_ms:+.2f} ms"
        )
    print(f"throughput vs direct: {ours.rps / direct.rps:.2f}x")
    alone, proxied = figures["direct, 1 connection"], figures["proxy, 1 connection"]
    print(
        f"added at 1 connection (no queueing): p50 {proxied.p50_ms - alone.p50_ms:+.2f} ms, "
        f"p99 {proxied.p99_ms - alone.p99_ms:+.2f} ms"
    )


if __name__ == "__main__":
    main()
