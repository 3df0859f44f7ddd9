"""HTTP-level limits, over raw sockets on 127.0.0.1 (bounded in count and time): slow clients
are dropped, oversized headers are a 431 problem, unparseable requests a 400 problem."""

from __future__ import annotations

import json
import socket
import time

import pytest
from live import start_mock, stop
from support import AMELIA

from mock_server.server import DEFAULT_READ_TIMEOUT, problem_bytes

READ_TIMEOUT = 1.0  # the test server's --read-timeout; the default is checked separately


@pytest.fixture(scope="module")
def quick_timeout_mock():
    server = start_mock("--read-timeout", str(READ_TIMEOUT))
    yield server
    stop(server)


def _connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _read_all(sock: socket.socket, limit: float = 10.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes; (bytes, seconds until the close)."""
    started = time.monotonic()
    sock.settimeout(limit)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received, time.monotonic() - started


def test_the_default_read_timeout_is_ten_seconds():
    assert DEFAULT_READ_TIMEOUT == 10.0


@pytest.mark.parametrize(
    "partial",
    [
        b"GET /customers/" + AMELIA.customer_id.encode(),  # a request line without a version
        b"GET /heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",  # headers never end
        b"POST /customers/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"filter":',  # a body that never completes
    ],
    ids=["request line", "headers", "body"],
)
def test_a_slow_client_is_dropped(quick_timeout_mock, partial):
    with _connect(quick_timeout_mock) as sock:
        sock.sendall(partial)
        received, waited = _read_all(sock)
    assert waited < READ_TIMEOUT + 3, waited
    assert b"200 OK" not in received


def test_trickling_bytes_do_not_extend_the_deadline(quick_timeout_mock):
    request = b"GET /heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 50
    started = time.monotonic()
    closed = False
    with _connect(quick_timeout_mock) as sock:
        for i in range(0, len(request), 8):
            try:
                sock.sendall(request[i : i + 8])
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > READ_TIMEOUT + 3:
                break
        if not closed:
            _, _ = _read_all(sock, limit=3)
    assert time.monotonic() - started < READ_TIMEOUT + 6


def test_keep_alive_requests_each_get_their_own_deadline(quick_timeout_mock):
    """A deadline is for receiving a request, not for the connection's life."""
    with _connect(quick_timeout_mock) as sock:
        for _ in range(3):
            sock.sendall(b"GET /heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            received = b""
            while b'"ok"}' not in received:
                chunk = sock.recv(65536)
                assert chunk, f"closed after {received!r}"
                received += chunk
            assert received.startswith(b"HTTP/1.1 200 OK")
            time.sleep(READ_TIMEOUT * 0.6)


def test_prefer_delay_is_not_slow_reading(quick_timeout_mock):
    with _connect(quick_timeout_mock) as sock:
        sock.sendall(
            f"GET /customers/{AMELIA.customer_id} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Prefer: delay={int(READ_TIMEOUT * 1500)}\r\n\r\n".encode()
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")


@pytest.mark.parametrize("size", [40_000, 2_000_000])
def test_oversized_headers_are_a_431_problem(quick_timeout_mock, size):
    with _connect(quick_timeout_mock) as sock:
        head = b"GET /heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        try:
            sock.sendall(head)
            for _ in range(0, size, 65536):
                sock.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before we finished: the answer is waiting
        received, _ = _read_all(sock)
    assert received.startswith(b"HTTP/1.1 431 ")
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head
    problem = json.loads(body)
    assert problem["status"] == 431 and problem["traceId"].startswith("00-")


def test_an_unparseable_request_is_a_400_problem(quick_timeout_mock):
    with _connect(quick_timeout_mock) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n")
        received, _ = _read_all(sock)
    assert received.startswith(b"HTTP/1.1 400 ")
    problem = json.loads(received.partition(b"\r\n\r\n")[2])
    assert problem["type"] == "newday:generic:error:validation" and problem["traceId"]


def test_problem_bytes_is_a_complete_closing_response():
    raw = problem_bytes(431, "too big")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"connection: close" in head
    assert f"content-length: {len(body)}".encode() in head
    assert json.loads(body)["detail"] == "too big"
