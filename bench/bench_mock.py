"""The mock against Prism and bare starlette, measured in one run with wrk on loopback.

Prints req/s and p99 for GetCustomer and SearchCustomers on each server, the ratios to the
targets of issues 4 and 12, search p99 at 100,000 customers against 1,000, time to the first 200 and
RSS with 100,000 customers. Installs wrk (apt) and Prism (npm, into bench/.prism) when missing.

    python bench/bench_mock.py [--duration 5] [--connections 16] [--skip-prism]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from ndt_contract import load_contract
from ndt_fixtures import persona

HERE = Path(__file__).resolve().parent
PRISM_DIR = HERE / ".prism"
AMELIA = persona("multi-account")
SEARCH_BODY = json.dumps({"filter": {"givenName": "Amelia", "familyName": "Hartley"}})


@dataclass
class Figure:
    rps: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get) ...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk is not available")


def ensure_prism() -> Path:
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        print("installing @stoplight/prism-cli (npm) ...", file=sys.stderr)
        PRISM_DIR.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(PRISM_DIR), "@stoplight/prism-cli@5"],
            check=True,
            capture_output=True,
        )
    return binary


def wait_for(url: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def wrk(binary: str, url: str, *, post: str | None, duration: int, connections: int) -> Figure:
    lua = ""
    if post is not None:
        lua = (
            f'wrk.method = "POST"\nwrk.body = {json.dumps(post)}\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    return run_wrk(binary, url, lua, duration=duration, connections=connections)


def run_wrk(binary: str, url: str, lua: str, *, duration: int, connections: int) -> Figure:
    """wrk with a Lua script on one thread; any non-2xx answer makes the figure void."""
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
    rps_seen = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99_seen = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if rps_seen is None or p99_seen is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    value, unit = p99_seen.groups()
    return Figure(
        float(rps_seen.group(1)), float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    )


@contextlib.contextmanager
def serving(cmd: list[str], ready_url: str, timeout: float = 60):
    """A server process for the length of the block; yields (process, seconds to first 200)."""
    process = start(cmd)
    try:
        yield process, wait_for(ready_url, timeout)
    finally:
        stop(process)


def rss_mb(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1])
    return total / 1024


def measure(binary: str, base: str, duration: int, connections: int) -> dict[str, Figure]:
    get = wrk(
        binary,
        f"{base}/customers/{AMELIA.customer_id}",
        post=None,
        duration=1,
        connections=connections,
    )
    get = wrk(
        binary,
        f"{base}/customers/{AMELIA.customer_id}",
        post=None,
        duration=duration,
        connections=connections,
    )
    search = wrk(
        binary,
        f"{base}/customers/search",
        post=SEARCH_BODY,
        duration=duration,
        connections=connections,
    )
    return {"GetCustomer": get, "SearchCustomers": search}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument("--skip-scale", action="store_true", help="no 100,000-customer run")
    args = parser.parse_args()
    binary = ensure_wrk()
    python = sys.executable
    results: dict[str, dict[str, Figure]] = {}

    def url(port: int, path: str = f"/customers/{AMELIA.customer_id}") -> str:
        return f"http://127.0.0.1:{port}{path}"

    def bench(name: str, cmd: list[str], port: int, ready: str) -> float:
        with serving(cmd, ready) as (_, startup):
            results[name] = measure(binary, url(port, ""), args.duration, args.connections)
        return startup

    port = free_port()
    mock_cmd = [python, "-m", "ndt_cli", "mock", "--port", str(port)]
    with serving(mock_cmd, url(port)) as (_, first_200):
        ui_ready = first_200 + wait_for(url(port, "/ui/"))  # built in the background
        # The baseline answers with the mock's own bytes and headers (a fair floor).
        get_reply = httpx.get(url(port))
        search_reply = httpx.post(
            url(port, "/customers/search"),
            content=SEARCH_BODY,
            headers={"Content-Type": "application/json"},
        )
        results["mock"] = measure(binary, url(port, ""), args.duration, args.connections)
    bodies = []
    for reply in (get_reply, search_reply):
        with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as body_file:
            body_file.write(reply.content)
            bodies.append(body_file.name)
    port = free_port()
    try:
        with serving(
            [python, str(HERE / "bare_starlette.py"), str(port), *bodies],
            url(port, "/heartbeat"),
        ):
            bare_reply = httpx.get(url(port))
            results["starlette"] = measure(binary, url(port, ""), args.duration, args.connections)
    finally:
        for name in bodies:
            os.unlink(name)
    same_bytes = bare_reply.content == get_reply.content
    same_headers = sorted(bare_reply.headers.items()) == sorted(get_reply.headers.items())
    print(f"baseline fairness: same body {same_bytes}, same headers {same_headers}")
    if not same_headers:
        print(f"  mock:      {sorted(get_reply.headers.items())}")
        print(f"  starlette: {sorted(bare_reply.headers.items())}")
    if not args.skip_prism:
        prism = ensure_prism()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
            spec = load_contract().to_dict()
            spec["servers"] = [{"url": "/"}]
            json.dump(spec, spec_file)
        port = free_port()
        try:
            cmd = [
                str(prism),
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-v",
                "silent",
                spec_file.name,
            ]
            bench("prism", cmd, port, url(port))
        finally:
            os.unlink(spec_file.name)

    print(f"\n{'server':<10} {'operation':<16} {'req/s':>9} {'p99 ms':>8}")
    for server, figures in results.items():
        for op, fig in figures.items():
            print(f"{server:<10} {op:<16} {fig.rps:>9.0f} {fig.p99_ms:>8.2f}")
    mock_figs = results["mock"]
    print()
    for op in ("GetCustomer", "SearchCustomers"):
        if "prism" in results:
            ratio = mock_figs[op].rps / results["prism"][op].rps
            print(f"{op}: mock/prism req/s = {ratio:.2f}x (target >= 3x)")
        ratio = mock_figs[op].rps / results["starlette"][op].rps
        print(f"{op}: mock/starlette req/s = {ratio:.0%} (target >= 50%)")
    print(f"first 200 after start: {first_200:.2f} s (target <= 2 s)", flush=True)
    print(f"Swagger UI answering after start: {ui_ready:.2f} s", flush=True)
    if args.skip_scale:
        return

    # Search p99 at 1,000 and 100,000 customers, and memory at 100,000 (bench_scale.py goes
    # further: a million customers, and requests during a reset).
    port = free_port()
    big_cmd = [python, "-m", "ndt_cli", "mock", "--port", str(port)]
    big_cmd += ["--customers", "100000"]
    with serving(big_cmd, url(port), timeout=600) as (big, big_start):
        wait_for(url(port, "/ui/"))  # the UI's background build would share the CPU
        big_search = wrk(
            binary,
            url(port, "/customers/search"),
            post=SEARCH_BODY,
            duration=args.duration,
            connections=args.connections,
        )
        big_rss = rss_mb(big.pid)
    small = mock_figs["SearchCustomers"].p99_ms
    print(
        f"search p99 at 100,000 / at 1,000 customers = {big_search.p99_ms:.2f} / {small:.2f} ms "
        f"= {big_search.p99_ms / small:.2f}x (target <= 1.5x)"
    )
    print(f"first 200 with 100,000 customers: {big_start:.2f} s (target <= 2 s)")
    print(f"RSS with 100,000 customers: {big_rss:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
