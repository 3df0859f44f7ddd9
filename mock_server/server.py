"""uvicorn's HTTP protocol with the limits a shared machine needs.

uvicorn bounds neither the header size (with httptools) nor the time a client may take to send
its request: `timeout_keep_alive` covers idle connections only, and any byte resets it, so a
request line without a version, a header or a body sent a byte at a time holds a connection
forever. This protocol adds:

- a read deadline: from a connection's first byte (or the end of the previous response) the
  whole request (line, headers, body) must arrive within `read_timeout` seconds, or the
  connection is closed. It is disarmed while the app works (a `Prefer: delay` is not slow
  reading) and is a deadline, not an idle timer, so trickling bytes do not extend it;
- a 431 problem once the request line and headers pass `max_header_bytes`;
- problem+json instead of uvicorn's text/plain 400 for requests its parser refuses.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.problems import (
    PROBLEM_JSON,
    ApiProblem,
    ProblemCatalogue,
    new_trace_id,
    render_problem,
)

DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 32 * 1024
_REASONS = {400: b"Bad Request", 431: b"Request Header Fields Too Large"}


def problem_bytes(status: int, detail: str) -> bytes:
    """A complete HTTP/1.1 problem response that closes the connection."""
    _, body, _ = render_problem(ProblemCatalogue(), ApiProblem(status, detail), new_trace_id())
    head = (
        b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\napi-version: 1.0\r\n"
        b"connection: close\r\n\r\n" % (status, _REASONS[status], PROBLEM_JSON.encode(), len(body))
    )
    return head + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    read_timeout: float = DEFAULT_READ_TIMEOUT  # set by `configure` before serving
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0  # raw bytes seen while the headers are incomplete
        self._header_sum = 0  # exact size of the parsed request line and headers
        self._reading_headers = True
        self._headers_completed = 0  # requests whose headers are in, on this connection
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
            self.logger.info("closing a connection: request not received in %ss", self.read_timeout)
            self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        self._refused = True
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(problem_bytes(status, detail))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self.cycle is None or self.cycle.response_complete:
            self._arm()  # a new request begins: its deadline starts now
        counting = self._reading_headers
        completed = self._headers_completed
        super().data_received(data)
        if counting and completed == self._headers_completed and not self._refused:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(
                    431, f"The request line and headers are over {self.max_header_bytes} bytes."
                )

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, f"The HTTP request cannot be parsed: {msg}")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._header_sum = 0
        self._reading_headers = True

    def on_url(self, url: bytes) -> None:
        self._header_sum += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_sum += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._headers_completed += 1
        if self._header_sum > self.max_header_bytes:
            self._refuse(
                431, f"The request line and headers are over {self.max_header_bytes} bytes."
            )
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._disarm()
        self._reading_headers = True
        super().on_message_complete()


def configure(read_timeout: float, max_header_bytes: int) -> type[GuardedHttpToolsProtocol]:
    """Set the limits (class-wide: uvicorn builds one protocol per connection from the class)."""
    GuardedHttpToolsProtocol.read_timeout = read_timeout
    GuardedHttpToolsProtocol.max_header_bytes = max_header_bytes
    return GuardedHttpToolsProtocol


def uvicorn_options(read_timeout: float, max_header_bytes: int) -> dict[str, Any]:
    """The uvicorn settings of every way the mock runs (one process or workers)."""
    configure(read_timeout, max_header_bytes)
    return {
        # A mock behind no proxy: proxy-header rewriting and the date header are per-request cost.
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        "date_header": False,
        "http": "mock_server.server:GuardedHttpToolsProtocol",
        "h11_max_incomplete_event_size": max_header_bytes,
        "log_level": "warning",
    }
