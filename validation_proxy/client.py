"""A small HTTP/1.1 client for the upstream: asyncio connections kept alive in a pool, each
response parsed by httptools (the parser uvicorn serves with) and streamed chunk by chunk.

Why not httpx: its pool scans every connection on every request and polls each idle socket,
which cost the proxy most of its time under concurrent load; this client does one thing
(forward a request as it came, stream the answer back) with a deque of idle connections.
The deadline covers connecting, the response head and each body chunk. A reused connection
that the upstream closed before answering anything is retried once on a new one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import httptools

MAX_IDLE = 256


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the connection."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not connect or answer within the deadline."""


@dataclass
class _Response:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reset()

    def reset(self) -> None:
        self.head: asyncio.Future[_Response] = asyncio.get_running_loop().create_future()
        self.chunks: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        self.response = _Response()
        self.received = False
        self.complete = False

    # -- asyncio ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"the upstream's answer cannot be parsed ({exc})"))
            if self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.complete:
            self._fail(UpstreamError("the upstream closed the connection"))

    def _fail(self, error: BaseException) -> None:
        if not self.head.done():
            self.head.set_exception(error)
            self.head.exception()  # retrieved: a failure nobody waits for is not logged
        else:
            self.chunks.put_nowait(error)

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    # -- httptools callbacks -------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.response.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.response.status = self.parser.get_status_code()
        if not self.head.done():
            self.head.set_result(self.response)

    def on_body(self, body: bytes) -> None:
        self.chunks.put_nowait(body)

    def on_message_complete(self) -> None:
        self.complete = True
        self.chunks.put_nowait(None)


class UpstreamResponse:
    def __init__(
        self,
        client: UpstreamClient,
        key: tuple[str, int],
        conn: _Connection,
        head: _Response,
        method: str,
    ) -> None:
        self._client, self._key, self._conn = client, key, conn
        self.status = head.status
        self.headers = head.headers
        self._method = method
        self._done = method == "HEAD" or head.status in (204, 304) or 100 <= head.status < 200

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's chunks, the whole body within the upstream timeout (a drip of one byte a
        second ends at the deadline, not after it)."""
        timeout = self._client.timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._done:
            try:
                left = max(0.0, deadline - loop.time())
                item = await asyncio.wait_for(self._conn.chunks.get(), left)
            except TimeoutError:
                raise UpstreamTimeout(f"no whole body within {timeout:g} s") from None
            if item is None:
                self._done = True
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def pieces(self) -> AsyncIterator[tuple[bytes, bool]]:
        """The body as (chunk, more): a chunk that ends the body says so, so a small answer
        goes to the client in one write."""
        pending: bytes | None = None
        async for chunk in self.chunks():
            if pending is not None:
                yield pending, True
            pending = chunk
        yield (pending or b""), False

    def at_end(self) -> bool:
        """True when the whole body has arrived and been read (nothing left to wait for)."""
        queue = self._conn.chunks
        if self._done:
            return True
        if queue.qsize() == 1 and self._conn.complete:
            item = queue.get_nowait()
            if item is None:
                self._done = True
                return True
            queue.put_nowait(item)
        return False

    async def aclose(self) -> None:
        conn = self._conn
        reusable = (
            self._done
            and conn.complete
            and self._method != "HEAD"
            and conn.usable
            and conn.parser.should_keep_alive()
        )
        if reusable:
            self._client.release(self._key, conn)
        elif conn.transport is not None:
            conn.transport.close()


class UpstreamClient:
    """Connections to one upstream (scheme, host, port), kept alive between requests."""

    def __init__(self, base_url: str, *, timeout: float, tls: ssl.SSLContext | None) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = tls if parts.scheme == "https" else None
        default = (parts.scheme == "https" and self.port == 443) or (
            parts.scheme == "http" and self.port == 80
        )
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = (host if default else f"{host}:{self.port}").encode("idna")
        self.prefix = parts.path.rstrip("/").encode("latin-1")
        self.timeout = timeout
        self._idle: deque[_Connection] = deque()

    def release(self, key: tuple[str, int], conn: _Connection) -> None:
        if len(self._idle) < MAX_IDLE:
            self._idle.append(conn)
        elif conn.transport is not None:
            conn.transport.close()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    self.host,
                    self.port,
                    ssl=self.tls,
                    server_hostname=self.host if self.tls else None,
                ),
                self.timeout,
            )
        except TimeoutError:
            raise UpstreamTimeout(f"no connection within {self.timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamError(f"cannot connect ({type(exc).__name__})") from None
        return conn

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes],
    ) -> UpstreamResponse:
        """Send one request (`target`: path and query as the client sent them)."""
        head = [
            b"%s %s%s HTTP/1.1\r\nhost: %s\r\n"
            % (method.encode(), self.prefix, target, self.host_header)
        ]
        head += [
            b"%s: %s\r\n" % (k, v) for k, v in headers if k.lower() not in (b"content-length",)
        ]
        streamed = not isinstance(body, bytes)
        if not isinstance(body, bytes):
            head.append(b"transfer-encoding: chunked\r\n")
        elif body or method in ("POST", "PUT", "PATCH"):
            head.append(b"content-length: %d\r\n" % len(body))
        head.append(b"\r\n")
        for attempt in (0, 1):
            conn, reused = self._take()
            if conn is None:
                conn = await self._connect()
            else:
                conn.reset()
            assert conn.transport is not None
            conn.transport.write(b"".join(head))
            if not isinstance(body, bytes):
                async for chunk in body:
                    if chunk:
                        conn.transport.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                conn.transport.write(b"0\r\n\r\n")
            elif body:
                conn.transport.write(body)
            try:
                response = await asyncio.wait_for(asyncio.shield(conn.head), self.timeout)
            except TimeoutError:
                conn.transport.close()
                raise UpstreamTimeout(f"no answer within {self.timeout:g} s") from None
            except UpstreamError:
                if reused and not conn.received and attempt == 0 and not streamed:
                    continue  # the upstream closed an idle connection as we sent on it
                raise
            return UpstreamResponse(self, ("", 0), conn, response, method)
        raise UpstreamError("the upstream closed the connection")

    def _take(self) -> tuple[_Connection | None, bool]:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                return conn, True
        return None, False

    async def aclose(self) -> None:
        while self._idle:
            conn = self._idle.pop()
            if conn.transport is not None:
                conn.transport.close()
