"""Server-wide options, each on its own live server."""

import time

import httpx
import pytest
from live import start_mock, stop
from support import AMELIA, assert_problem

pytestmark = pytest.mark.live  # every test here starts a process or a server


def test_error_rate_one_fails_every_api_call_with_500_unavailable_and_retry_after():
    server = start_mock("--error-rate", "1")
    try:
        response = httpx.get(
            f"{server.url}/customers/{AMELIA.customer_id}", headers={"Client-Session-Id": "s 1"}
        )
        assert_problem(response, 500, "newday:generic:error:unavailable")
        assert response.headers["retry-after"].isdigit()
        assert response.headers["client-session-id"] == "s 1"
        assert httpx.get(f"{server.url}/heartbeat").status_code == 200  # health is not faulted
    finally:
        stop(server)


def test_latency_range_is_added():
    server = start_mock("--latency", "200-250")
    try:
        started = time.perf_counter()
        assert httpx.get(f"{server.url}/customers/{AMELIA.customer_id}").status_code == 200
        assert time.perf_counter() - started >= 0.2
    finally:
        stop(server)


def test_replicas_with_the_same_seed_serve_the_same_data():
    servers = [start_mock("--seed", "5", "--customers", "40") for _ in range(2)]
    try:
        bodies = [
            httpx.post(f"{s.url}/customers/search", json={"filter": {"postcode": "N1C 4DA"}}).json()
            for s in servers
        ]
        assert bodies[0] == bodies[1]
        health = httpx.get(f"{servers[0].url}/healthcheck").json()
        assert health["customers"] == 50 and health["dataset"] == {"seed": 5, "count": 40}
    finally:
        for server in servers:
            stop(server)


def test_bad_options_are_refused_clearly():
    import subprocess
    import sys

    for args, message in (
        (["--spec", "/nonexistent/openapi.yaml"], "no such file"),
        (["--latency", "fast"], "expected MS or MIN-MAX"),
        (["--error-rate", "2"], "outside 0..1"),
        (["--workers", "0"], "at least 1"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ndt_cli", "mock", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (
            result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
        )


def test_missing_dataset_folder_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", "--dataset", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        result.returncode == 2
        and "none: no such folder" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_cors_origin_restricts_browsers_to_the_listed_origins():
    server = start_mock("--cors-origin", "http://app.example:5173")
    try:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,api-version",
        }
        allowed = httpx.options(
            f"{server.url}/customers/search",
            headers={"Origin": "http://app.example:5173", **preflight},
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://app.example:5173"
        refused = httpx.options(
            f"{server.url}/customers/search", headers={"Origin": "http://evil.example", **preflight}
        )
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    finally:
        stop(server)


def test_make_mock_passes_other_flags_through_args():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    venv = Path(sys.executable).parent.parent
    make = ["make", "-C", str(repo), "-o", ".venv/.installed-stamp", f"VENV={venv}"]
    result = subprocess.run(
        [*make, "-n", "mock", "PORT=9001", "ARGS=--reload --latency 5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "ndt-customer mock --port 9001 --reload --latency 5" in result.stdout
