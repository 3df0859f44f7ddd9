"""Hostile HTTP targets on loopback, one behaviour each, for the run's bounds (and the bench).

A plain threaded socket server: it reads a request's head (and its body, by Content-Length),
answers `GET /` politely unless told to be hostile there too, and does its one trick on every
other path. Each connection is closed after one response.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable

Behaviour = Callable[[socket.socket], None]
MARK = b"\0counter-marker"


def _head(status: str = "200 OK", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", "Api-Version: 1.0"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _json(sock: socket.socket, body: bytes, extra: dict[str, str] | None = None) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    sock.sendall(_head(headers={**headers, **(extra or {})}) + body)


def drip_head(sock: socket.socket) -> None:
    """The status line and headers, one byte a second, forever."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Drip: a\r\n" * 10**6:
        sock.sendall(bytes([byte]))
        time.sleep(1)


def drip_body(sock: socket.socket) -> None:
    """Headers at once, then a body of a million bytes at a byte every half second."""
    sock.sendall(_head(headers={"Content-Type": "application/json", "Content-Length": "1000000"}))
    sock.sendall(b"[")
    while True:
        sock.sendall(b"1")
        time.sleep(0.5)


def endless_chunked(sock: socket.socket) -> None:
    """A chunked body that never ends, as fast as the client reads it."""
    sock.sendall(
        _head(headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    )
    chunk = b"x" * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    while True:
        sock.sendall(frame)


def gzip_bomb(sock: socket.socket) -> None:
    """A gzip stream of zeros without end: a few kilobytes on the wire per gigabyte decoded."""
    sock.sendall(
        _head(
            headers={
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Transfer-Encoding": "chunked",
            }
        )
    )
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"0" * (1024 * 1024)
    while True:
        data = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
        sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def small_gzip_bomb() -> bytes:
    """64 MB of zeros in gzip: what a Content-Length bomb sends."""
    return gzip.compress(b"0" * (64 * 1024 * 1024), 9)


def big_body(sock: socket.socket) -> None:
    """A 100 MB body with an honest Content-Length."""
    size = 100 * 1024 * 1024
    sock.sendall(_head(headers={"Content-Type": "application/json", "Content-Length": str(size)}))
    block = b" " * (1024 * 1024)
    for _ in range(100):
        sock.sendall(block)


def deep_json(sock: socket.socket) -> None:
    """JSON nested 100,000 levels deep."""
    _json(sock, b"[" * 100_000 + b"]" * 100_000)


def huge_number(sock: socket.socket) -> None:
    """A 5 MB JSON number."""
    _json(sock, b'{"id": ' + b"7" * (5 * 1024 * 1024) + b"}")


def redirect_off_target(to: str) -> Behaviour:
    def behave(sock: socket.socket) -> None:
        sock.sendall(_head("302 Found", {"Location": to, "Content-Length": "0"}))

    return behave


def personas(count: int, token: str = "t" * 40, controls: bool = True) -> Behaviour:
    """A target that answers the mock's discovery routes (or only the personas one)."""

    def behave(sock: socket.socket) -> None:
        _json(sock, b"{}")

    behave.personas = [  # type: ignore[attr-defined]
        {"key": "applicant-no-account" if n == 0 else f"p{n}", "id": f"{n:019d}", "token": token}
        for n in range(count)
    ]
    behave.controls = controls  # type: ignore[attr-defined]
    return behave


class HostileServer:
    """`with HostileServer(behaviour) as server:` a target at `server.url`."""

    def __init__(self, behaviour: Behaviour, *, hostile_root: bool = False) -> None:
        self.behaviour = behaviour
        self.hostile_root = hostile_root
        self.requests: list[str] = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(65536)
                if not data:
                    return
                head += data
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.requests.append(line)
            path = line.split(" ")[1] if " " in line else "/"
            if path.startswith("/__mock/controls.json") and getattr(self.behaviour, "controls", 0):
                doc = {
                    "info": {"title": "Customer mock: controls"},
                    "paths": {"/__admin/personas": {}},
                }
                _json(sock, json.dumps(doc).encode())
            elif path.startswith("/__admin/personas") and hasattr(self.behaviour, "personas"):
                _json(sock, json.dumps({"personas": self.behaviour.personas}).encode())
            elif path == "/" and not self.hostile_root:
                _json(sock, b"{}")
            else:
                self.behaviour(sock)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class ConnectionCounter:
    """A listening socket on 127.0.0.1 that counts the connections it accepts, and the bytes
    any of them sent: the stand-in for production."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self.accepted = 0
        self.received = 0
        self._stop = False
        self._marked = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            conn.settimeout(0.2)
            data = b""
            with contextlib.suppress(OSError):
                data = conn.recv(65536)
            conn.close()
            if data == MARK:
                self._marked.set()
                continue
            self.accepted += 1
            self.received += len(data)

    def settle(self) -> ConnectionCounter:
        """Wait until every connection made so far is counted: connections are accepted in
        order, so once a marker connection made now is seen, all earlier ones were too."""
        self._marked.clear()
        with socket.socket() as marker:  # by address: no resolver involved
            marker.settimeout(2)
            marker.connect(("127.0.0.1", self.port))
            marker.sendall(MARK)
        assert self._marked.wait(5), "the counter never saw its marker"
        return self

    def __enter__(self) -> ConnectionCounter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join(2)
        self._sock.close()
