"""The mock against bare starlette, WireMock 3 and Prism 5, measured in one run with wrk on
loopback, and the mock with `--workers 2` against one worker.

Prints req/s and p99 for GetCustomer and a 40-result SearchCustomers on each server, the ratios
to the goals of issues 4, 12 and 22, search p99 at 100,000 customers against 1,000, time to the
first 200 and RSS with 100,000 customers. Every server answers with the mock's own bytes.
Installs wrk (apt), WireMock's standalone jar (npm package `wiremock`, into bench/.wiremock; it
needs `java`) and Prism (npm, into bench/.prism) when missing.

    python bench/bench_mock.py [--duration 5] [--connections 16] [--skip-prism]
        [--skip-wiremock] [--skip-workers] [--skip-scale]
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
import statistics
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
WIREMOCK_DIR = HERE / ".wiremock"
AMELIA = persona("multi-account")
# 40 customers of the committed dataset (the search figure of issue 22).
SEARCH_BODY = json.dumps({"filter": {"familyName": "Smith"}})
SEARCH_RESULTS = 40
# Two customers: the scale figure compares like with like at 1,000 and 100,000 customers.
SCALE_SEARCH_BODY = json.dumps({"filter": {"givenName": "Amelia", "familyName": "Hartley"}})


@dataclass
class Figure:
    rps: float
    p99_ms: float
    cpu_us: float = 0.0  # the server's CPU time (all its processes) per request answered
    requests: int = 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu(session: int) -> float:
    """CPU seconds used so far by every process of a session (a server started with
    start_new_session: its workers and JVM threads included). A figure per request that the
    other work on a shared machine disturbs far less than req/s."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


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


def ensure_wiremock() -> Path:
    """WireMock 3's standalone jar, from the npm package that ships it (no Maven needed)."""
    found = sorted(WIREMOCK_DIR.glob("node_modules/wiremock/build/wiremock-standalone-3*.jar"))
    if not found:
        print("installing wiremock@3 (npm, its standalone jar) ...", file=sys.stderr)
        WIREMOCK_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--ignore-scripts",
                "--prefix",
                str(WIREMOCK_DIR),
                "wiremock@3",
            ],
            check=True,
            capture_output=True,
        )
        found = sorted(WIREMOCK_DIR.glob("node_modules/wiremock/build/wiremock-standalone-3*.jar"))
    if not found:
        raise RuntimeError("the wiremock npm package holds no standalone jar")
    return found[-1]


def wiremock_root(root: Path, get_reply: httpx.Response, search_reply: httpx.Response) -> None:
    """Two stubs answering the mock's bytes and headers; the search stub matches the body."""
    (root / "mappings").mkdir(parents=True)
    (root / "__files").mkdir()
    headers = {
        name: value
        for name, value in get_reply.headers.items()
        if name.lower() in ("content-type", "api-version", "vary")
    }
    stubs = {
        "get": (
            {"method": "GET", "url": f"/customers/{AMELIA.customer_id}"},
            get_reply.content,
        ),
        "search": (
            {
                "method": "POST",
                "url": "/customers/search",
                "bodyPatterns": [{"equalToJson": json.loads(SEARCH_BODY)}],
            },
            search_reply.content,
        ),
    }
    for name, (request, body) in stubs.items():
        (root / "__files" / f"{name}.json").write_bytes(body)
        mapping = {
            "request": request,
            "response": {"status": 200, "bodyFileName": f"{name}.json", "headers": headers},
        }
        (root / "mappings" / f"{name}.json").write_text(json.dumps(mapping))


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
    answered = re.search(r"(\d+) requests in", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    rps_seen = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99_seen = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if rps_seen is None or p99_seen is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    value, unit = p99_seen.groups()
    return Figure(
        float(rps_seen.group(1)),
        float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
        requests=int(answered.group(1)) if answered else 0,
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


OPERATIONS = {
    "GetCustomer": (None, f"/customers/{AMELIA.customer_id}"),
    "SearchCustomers": (SEARCH_BODY, "/customers/search"),
}


def median_figure(figures: list[Figure]) -> Figure:
    return Figure(
        statistics.median(f.rps for f in figures),
        statistics.median(f.p99_ms for f in figures),
        statistics.median(f.cpu_us for f in figures),
    )


def measure_all(
    binary: str,
    bases: dict[str, tuple[str, int]],
    operations: dict[str, tuple[str | None, str]],
    *,
    duration: int,
    connections: int,
    rounds: int,
    warm_up: int,
) -> dict[str, dict[str, Figure]]:
    """Every server on every operation, in alternating rounds (server after server, round
    after round) so that a busy moment of the machine falls on all of them alike; each figure
    is the median of its rounds. A warm-up per server and operation first (the JVM's JIT,
    caches). `bases`: name -> (base URL, the server's session id, for its CPU time)."""
    seen: dict[str, dict[str, list[Figure]]] = {
        name: {op: [] for op in operations} for name in bases
    }
    for base, _ in bases.values():
        for post, path in operations.values():
            wrk(binary, f"{base}{path}", post=post, duration=warm_up, connections=connections)
    for _ in range(rounds):
        for op, (post, path) in operations.items():
            for name, (base, session) in bases.items():
                before = session_cpu(session)
                figure = wrk(
                    binary, f"{base}{path}", post=post, duration=duration, connections=connections
                )
                figure.cpu_us = (session_cpu(session) - before) / max(figure.requests, 1) * 1e6
                seen[name][op].append(figure)
    return {
        name: {op: median_figure(figures) for op, figures in ops.items()}
        for name, ops in seen.items()
    }


def prism_command(prism: Path, port: int, spec_path: str) -> list[str]:
    return [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "silent", spec_path]


def print_ratios(results: dict[str, dict[str, Figure]]) -> None:
    mock_figs = results["mock"]
    for op in OPERATIONS:
        label = f"{op} ({SEARCH_RESULTS} results)" if op == "SearchCustomers" else op
        ratio = mock_figs[op].rps / results["starlette"][op].rps
        print(f"{label}: mock/starlette req/s = {ratio:.0%} (goal >= 80%)")
        ratio = results["starlette"][op].cpu_us / mock_figs[op].cpu_us
        print(f"{label}: mock/starlette by CPU per request = {ratio:.0%}")
        if "wiremock" in results:
            ratio = mock_figs[op].rps / results["wiremock"][op].rps
            print(f"{label}: mock/wiremock req/s = {ratio:.2f}x (goal > 1x)")
        if "prism" in results:
            ratio = mock_figs[op].rps / results["prism"][op].rps
            print(f"{label}: mock/prism req/s = {ratio:.2f}x (goal >= 3x)")
        if "workers-2" in results:
            ratio = results["workers-2"][op].rps / mock_figs[op].rps
            print(
                f"{label}: --workers 2 / one worker req/s = {ratio:.2f}x on {os.cpu_count()} cores"
            )


def fetch_replies(base: str) -> tuple[httpx.Response, httpx.Response]:
    get_reply = httpx.get(f"{base}{OPERATIONS['GetCustomer'][1]}")
    search_reply = httpx.post(
        f"{base}/customers/search",
        content=SEARCH_BODY,
        headers={"Content-Type": "application/json"},
    )
    return get_reply, search_reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm-up", type=int, default=3, help="seconds per server and operation")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument("--skip-wiremock", action="store_true")
    parser.add_argument("--skip-workers", action="store_true", help="no --workers 2 run")
    parser.add_argument("--skip-scale", action="store_true", help="no 100,000-customer run")
    args = parser.parse_args()
    binary = ensure_wrk()
    python = sys.executable

    def url(port: int, path: str = "") -> str:
        return f"http://127.0.0.1:{port}{path}"

    ready_path = OPERATIONS["GetCustomer"][1]
    bases: dict[str, str] = {}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="ndt-bench-") as tmp:
        scratch = Path(tmp)
        port = free_port()
        mock_cmd = [python, "-m", "ndt_cli", "mock", "--port", str(port)]
        process, first_200 = stack.enter_context(serving(mock_cmd, url(port, ready_path)))
        ui_ready = first_200 + wait_for(url(port, "/ui/"))  # built in the background
        bases["mock"] = (url(port), process.pid)
        get_reply, search_reply = fetch_replies(url(port))
        found = len(search_reply.json()["values"])
        if found != SEARCH_RESULTS:
            raise RuntimeError(f"the search found {found} customers, not {SEARCH_RESULTS}")
        if not args.skip_workers:
            port = free_port()
            cmd = [python, "-m", "ndt_cli", "mock", "--port", str(port), "--workers", "2"]
            process, _ = stack.enter_context(serving(cmd, url(port, ready_path), timeout=120))
            wait_for(url(port, "/ui/"))
            bases["workers-2"] = (url(port), process.pid)
        # The floor answers with the mock's own bytes and headers (fair by construction).
        (scratch / "get.json").write_bytes(get_reply.content)
        (scratch / "search.json").write_bytes(search_reply.content)
        port = free_port()
        cmd = [python, str(HERE / "bare_starlette.py"), str(port)]
        cmd += [str(scratch / "get.json"), str(scratch / "search.json")]
        process, _ = stack.enter_context(serving(cmd, url(port, "/heartbeat")))
        bases["starlette"] = (url(port), process.pid)
        for label, mine, theirs in zip(
            ("get", "search"),
            (get_reply, search_reply),
            fetch_replies(url(port)),
            strict=True,
        ):
            same_bytes = theirs.content == mine.content
            same_headers = sorted(theirs.headers.items()) == sorted(mine.headers.items())
            print(
                f"baseline fairness ({label}): same body {same_bytes}, same headers {same_headers}"
            )
            if not same_headers:
                print(f"  mock:      {sorted(mine.headers.items())}")
                print(f"  starlette: {sorted(theirs.headers.items())}")
        if not args.skip_wiremock:
            jar = ensure_wiremock()
            root = scratch / "wiremock"
            wiremock_root(root, get_reply, search_reply)
            port = free_port()
            cmd = ["java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1"]
            cmd += ["--no-request-journal", "--disable-banner", "--root-dir", str(root)]
            process, _ = stack.enter_context(serving(cmd, url(port, ready_path)))
            bases["wiremock"] = (url(port), process.pid)
        if not args.skip_prism:
            prism = ensure_prism()
            spec = load_contract().to_dict()
            spec["servers"] = [{"url": "/"}]
            (scratch / "spec.json").write_text(json.dumps(spec))
            port = free_port()
            cmd = prism_command(prism, port, str(scratch / "spec.json"))
            process, _ = stack.enter_context(serving(cmd, url(port, ready_path)))
            bases["prism"] = (url(port), process.pid)
        print(
            f"measuring {', '.join(bases)}: {args.rounds} alternating rounds of {args.duration} s"
        )
        results = measure_all(
            binary,
            bases,
            OPERATIONS,
            duration=args.duration,
            connections=args.connections,
            rounds=args.rounds,
            warm_up=args.warm_up,
        )

    print(
        f"\n{'server':<10} {'operation':<16} {'req/s':>9} {'p99 ms':>8} {'CPU us/req':>11}  (medians)"
    )
    for server, figures in results.items():
        for op, fig in figures.items():
            print(f"{server:<10} {op:<16} {fig.rps:>9.0f} {fig.p99_ms:>8.2f} {fig.cpu_us:>11.0f}")
    print()
    print_ratios(results)
    print(f"first 200 after start: {first_200:.2f} s (target <= 2 s)", flush=True)
    print(f"Swagger UI answering after start: {ui_ready:.2f} s", flush=True)
    if not args.skip_scale:
        scale(binary, python, args)


def scale(binary: str, python: str, args: argparse.Namespace) -> None:
    """Search p99 at 100,000 customers against 1,000 (the same 2-result search on both), time
    to the first 200 and memory at 100,000 (bench_scale.py goes further: a million customers,
    and requests during a reset)."""
    search = {"SearchCustomers": (SCALE_SEARCH_BODY, "/customers/search")}
    ready_path = OPERATIONS["GetCustomer"][1]
    with contextlib.ExitStack() as stack:
        bases: dict[str, tuple[str, int]] = {}
        for name, extra in (("1,000", []), ("100,000", ["--customers", "100000"])):
            port = free_port()
            cmd = [python, "-m", "ndt_cli", "mock", "--port", str(port), *extra]
            big, started = stack.enter_context(
                serving(cmd, f"http://127.0.0.1:{port}{ready_path}", timeout=600)
            )
            wait_for(f"http://127.0.0.1:{port}/ui/")  # the UI's background build shares the CPU
            bases[name] = (f"http://127.0.0.1:{port}", big.pid)
        figures = measure_all(
            binary,
            bases,
            search,
            duration=args.duration,
            connections=args.connections,
            rounds=args.rounds,
            warm_up=args.warm_up,
        )
        big_rss = rss_mb(big.pid)
    small, large = figures["1,000"]["SearchCustomers"], figures["100,000"]["SearchCustomers"]
    print(
        f"search p99 at 100,000 / at 1,000 customers = {large.p99_ms:.2f} / {small.p99_ms:.2f} ms "
        f"= {large.p99_ms / small.p99_ms:.2f}x (target <= 1.5x)"
    )
    print(f"first 200 with 100,000 customers: {started:.2f} s (target <= 2 s)")
    print(f"RSS with 100,000 customers: {big_rss:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
