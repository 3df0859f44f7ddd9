"""An upstream that drips its body is bounded by --upstream-timeout as a whole, and the
exchange is still counted; one too large to judge makes the session inconclusive."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from proxy.proxies import start_proxy

pytestmark = pytest.mark.live  # starts servers or processes on loopback

PROFILE = "/customers/0003911000001668971"


class Dripping:
    """A loopback upstream that sends its headers at once, then one byte every 0.3 s."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
            )
            for _ in range(40):
                if self.stop.is_set():
                    break
                conn.sendall(b" ")
                time.sleep(0.3)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.server.close()


def test_a_dripping_upstream_ends_at_the_deadline_and_is_counted():
    upstream = Dripping()
    proxy = start_proxy(upstream.url, "--quiet", "--upstream-timeout", "1")
    try:
        started = time.monotonic()
        with pytest.raises(httpx.HTTPError):  # the body is cut: the client sees it end short
            httpx.get(proxy.url + PROFILE, timeout=10).raise_for_status()
        assert time.monotonic() - started < 5
        snap = proxy.wait_exchanges(1)
        assert snap["exchanges"] == 1
    finally:
        proxy.stop()
        upstream.close()
