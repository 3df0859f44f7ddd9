"""The README's two proxy blocks, run as written (bash), against a mock on a free port in place
of 127.0.0.1:8080 and a free port in place of 8081."""

from __future__ import annotations

import re
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.live  # starts servers or processes on loopback

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def block(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.index("\n### ", start + len(heading))
    found = BLOCK.search(text[start:end])
    assert found, heading
    return found.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(script: str, upstream: str, cwd: Path) -> subprocess.CompletedProcess:
    port = str(free_port())
    script = script.replace("http://127.0.0.1:8080", upstream).replace("8081", port)
    import os
    import sys

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_the_frontend_developer_block_runs_as_written(upstream_mock, tmp_path):
    (tmp_path / "reports").mkdir()
    done = run(block("### For a frontend developer"), upstream_mock.url, tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr  # nobody called it in 5 s
    assert "validation proxy on http://127.0.0.1:" in done.stdout
    assert "INCONCLUSIVE: no request passed through the proxy" in done.stdout


@pytest.mark.slow
def test_the_ci_block_runs_as_written_and_its_exit_code_is_the_verdict(upstream_mock, tmp_path):
    done = run(block("### For a CI job"), upstream_mock.url, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = (tmp_path / "reports" / "proxy-summary.txt").read_text()
    assert "PASS" in summary
    suite = ET.parse(tmp_path / "reports" / "proxy.xml").getroot()
    assert suite.get("failures") == "0"
    assert (tmp_path / "reports" / "drift.json").is_file()
    assert (tmp_path / "reports" / "proxy.html").is_file()
