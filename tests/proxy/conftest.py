"""Upstreams for the proxy tests: our mock as users start it, and an echo server."""

from __future__ import annotations

import pytest
from conftest import start_mock, stop

from proxy.proxies import Echo, ThreadedUpstream


@pytest.fixture(scope="module")
def upstream_mock():
    server = start_mock()
    yield server
    stop(server)


@pytest.fixture
def echo():
    app = Echo()
    with ThreadedUpstream(app.app) as server:
        yield app, server
