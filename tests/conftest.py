"""Fixtures shared by the test folders, and the line between the fast loop and the live tests.

A test is `live` when it starts a process or a server: the fixtures below that do, and the
tests and modules marked `live` by hand. `make test-fast` runs the rest (`-m "not live"`). Every
test not marked live runs with process starts and listening sockets refused, so a test that
starts a server without the mark fails at once, naming the mark, instead of slowing the fast
loop down unseen. Helpers live in `live.py` and `support.py`; this file only holds fixtures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from live import LiveServer, start_mock, stop

# Fixtures (here or in a test module) that start a process or a server: a test using one is live.
LIVE_FIXTURES = frozenset(
    {
        "mock",  # here, and the run target of tests/conformance/test_runs.py
        "api",
        "browser",
        "mock_url",  # tests/browser
        "page_url",
        "server",  # tests/mock/test_discovery.py, test_reload.py
        "quick_timeout_mock",  # tests/mock/test_http_limits.py
        "served_from_a_file",  # tests/mock/test_index_cache.py
        "target",  # tests/conformance/test_probe_auth.py
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if LIVE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)


class StartsAProcess(RuntimeError):
    """A test outside the live set started a process or opened a listening socket."""


def _refuse(what: str) -> Any:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise StartsAProcess(
            f"{what} in a test not marked live: mark it `@pytest.mark.live` (or the module "
            "`pytestmark = pytest.mark.live`), so `make test-fast` leaves it to `make test`"
        )

    return refused


@contextlib.contextmanager
def _no_processes(item: pytest.Item) -> Iterator[None]:
    if item.get_closest_marker("live") is not None:
        yield
        return
    saved = (subprocess.Popen.__init__, os.fork, socket.socket.bind)
    subprocess.Popen.__init__ = _refuse("a process start")  # type: ignore[method-assign]
    os.fork = _refuse("a fork")
    socket.socket.bind = _refuse("a socket bound to a port")  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__, os.fork, socket.socket.bind = saved  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _no_processes(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _no_processes(item):
        return (yield)


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
