"""uvicorn, bounded: request headers capped, a read deadline for the whole request, and
signals that stop the server without re-raising, so the reports are still written.

The bounds follow the mock's protocol idea (uvicorn's httptools parser bounds neither the
header size nor the time a client takes to send its request): a 431 once the request line
and headers pass the cap, and a connection closed when its request has not fully arrived
within the deadline (disarmed while the upstream works).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from validation_proxy.forward import PROBLEM_JSON, problem

SWITCH_INTERVAL = 0.0002


class BoundedProtocol(HttpToolsProtocol):
    read_timeout: float = 10.0
    max_header_bytes: int = 32 * 1024

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._head = 0
        self._refused = False
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.read_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self.cycle is None or self.cycle.response_complete:
            self._arm()
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._head = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._head += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head += len(name) + len(value) + 4
        if self._head > self.max_header_bytes and not self._refused:
            self._refused = True
            self._disarm()
            _, body = problem(
                431,
                "headers-too-large",
                "Request header fields too large",
                f"the request line and headers are over {self.max_header_bytes} bytes",
            )
            head = (
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: %s\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n"
                % (PROBLEM_JSON.encode(), len(body))
            )
            self.transport.write(head + body)
            self.transport.close()
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if not self._refused:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._disarm()
        super().on_message_complete()


class Server(uvicorn.Server):
    """Ctrl-C or SIGTERM stops serving; the caller then writes its reports and exits with its
    verdict (uvicorn's own re-raises the signal after shutdown)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {s: signal.signal(s, self.handle_exit) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def serve(
    app: Any,
    sock: socket.socket,
    *,
    read_timeout: float,
    max_header_bytes: int,
    duration: float | None,
) -> None:
    """Serve until a signal, or for `duration` seconds."""
    # The judging thread holds the GIL while it works; each socket write of the event loop
    # lets it go, and taking it back waits for the switch interval (5 ms by default): a
    # short one keeps the judge from adding its work to every answer's latency.
    sys.setswitchinterval(SWITCH_INTERVAL)
    BoundedProtocol.read_timeout = read_timeout
    BoundedProtocol.max_header_bytes = max_header_bytes
    config = uvicorn.Config(
        app,
        http=BoundedProtocol,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = Server(config)

    async def run() -> None:
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        if duration is not None:
            done, _ = await asyncio.wait({task}, timeout=duration)
            if not done:
                server.should_exit = True
        await task

    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(run())
