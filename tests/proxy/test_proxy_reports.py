"""On exit (SIGTERM, Ctrl-C, --duration) the same reports as `conform`, and an exit code set
by --fail-on, for a CI job that drives its end-to-end tests through the proxy."""

from __future__ import annotations

import json
import signal
import xml.etree.ElementTree as ET

import httpx
import pytest
from broken.base import serve_variant
from support import AMELIA

from proxy.proxies import start_proxy

pytestmark = pytest.mark.live  # starts servers or processes on loopback

PROFILE = f"/customers/{AMELIA.customer_id}"


def test_failures_write_every_report_and_exit_1(tmp_path):
    reports = {
        "--junit": tmp_path / "proxy.xml",
        "--html": tmp_path / "proxy.html",
        "--drift-report": tmp_path / "drift.json",
        "--findings-json": tmp_path / "findings.json",
    }
    flags = [str(part) for pair in reports.items() for part in pair]
    with serve_variant("wrong_type") as upstream:
        proxy = start_proxy(upstream.url, "--quiet", *flags)
        httpx.get(proxy.url + PROFILE)
        proxy.wait_exchanges(1)
        code, output = proxy.stop(signal.SIGTERM)
    assert code == 1, output
    assert "FAIL: 1 contract/standard failure(s)" in output
    assert "no seed" in output and "replay with --seed" not in output
    suite = ET.parse(reports["--junit"]).getroot()
    assert suite.get("failures") == "1"
    assert "response_schema_conformance" in reports["--html"].read_text()
    assert json.loads(reports["--drift-report"].read_text())["files"] == {}
    assert json.loads(reports["--findings-json"].read_text())["failures"]


@pytest.mark.parametrize(("fail_on", "expected"), [("failures", 0), ("drift", 1), ("never", 0)])
def test_fail_on_decides_what_drift_does(tmp_path, fail_on, expected):
    drift = tmp_path / "drift.json"
    with serve_variant("missing_field") as upstream:
        proxy = start_proxy(
            upstream.url, "--quiet", "--fail-on", fail_on, "--drift-report", str(drift)
        )
        httpx.get(proxy.url + PROFILE)
        proxy.wait_exchanges(1)
        code, output = proxy.stop(signal.SIGINT)  # Ctrl-C ends it the same way
    assert code == expected, output
    patch = json.loads(drift.read_text())
    assert any("required" in op["path"] for ops in patch["files"].values() for op in ops)


def test_fail_on_never_passes_failures_too():
    with serve_variant("wrong_type") as upstream:
        proxy = start_proxy(upstream.url, "--quiet", "--fail-on", "never")
        httpx.get(proxy.url + PROFILE)
        proxy.wait_exchanges(1)
        code, output = proxy.stop()
    assert code == 0 and "FAIL" in output


def test_duration_ends_the_proxy_and_no_traffic_is_inconclusive(upstream_mock):
    proxy = start_proxy(upstream_mock.url, "--quiet", "--duration", "1")
    code = proxy.process.wait(timeout=30)
    _, output = proxy.stop()
    assert code == 3, output
    assert "INCONCLUSIVE: no request passed through the proxy" in output


def test_traffic_within_the_duration_passes(upstream_mock):
    proxy = start_proxy(upstream_mock.url, "--quiet", "--duration", "3")
    assert httpx.get(proxy.url + PROFILE).status_code == 200
    code = proxy.process.wait(timeout=30)
    _, output = proxy.stop()
    assert code == 0, output
    assert "PASS" in output and "1 exchange(s) passed through: 1 pass" in output
