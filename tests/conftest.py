"""A live mock on a free loopback port, started as users start it (the CLI), once per session."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    output: list[str]  # what the server printed, for debugging a failure

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)


def start_mock(
    *args: str, env: dict[str, str] | None = None, module: str = "ndt_cli"
) -> LiveServer:
    process = subprocess.Popen(
        [sys.executable, "-m", module, "mock", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        if match:
            server = LiveServer(match.group(1), process, lines)
            # Keep draining the server's output, or a full pipe would one day block it.
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
            wait_ready(server.url)
            return server
    process.kill()
    raise RuntimeError("mock did not start:\n" + "".join(lines))


def wait_ready(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/heartbeat", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} never answered /heartbeat")


def stop(server: LiveServer) -> None:
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session", params=["validated", "default"])
def mock(request) -> Iterator[LiveServer]:
    """The real mock on the committed dataset, as the test suite runs it (checking every
    response against the contract) and as users run it (the same pipeline, no check)."""
    server = start_mock("--validate-responses") if request.param == "validated" else start_mock()
    yield server
    stop(server)


@pytest.fixture
def api(mock: LiveServer) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client
        client.post("/__admin/reset")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, one for the whole session (each start costs seconds).
    Under CI its absence fails the test: .ci/run installs it."""
    if not (CHROMIUM and CHROMEDRIVER):
        message = "Debian's chromium and chromium-driver are needed (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
