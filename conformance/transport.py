"""The one place a request of a conformance run leaves: every client of a run (httpx for the
probe, persona discovery and OAuth; `requests` inside schemathesis for every phase, the oracles'
follow-up calls and status coverage) sends through a `Gate`.

Why at the connection and not only on the URL: each client parses and normalises a URL its own
way (percent-decoding, IDNA, trailing dots, backslashes), so a URL judged safe by one parser can
be sent elsewhere by another. The gate judges the host string each client is about to hand to
the resolver, after all of its own processing, against the hosts the run was validated for; a
request to any other host is refused before a byte is sent. `parse_target` is the strict reading
the run validates its URLs with: any URL the clients do not read the same way is refused.

The gate also bounds every request by wall clock (connect, headers and body together, however
slowly the bytes drip), caps the decoded body, and scans JSON bodies before any parser sees
them. The first breach stops the run: later requests are refused at once, and the runner turns
`gate.breach` into the run's inconclusive reason.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.bounds import BoundExceeded, Limits, decoded_body, json_bounds_error

if TYPE_CHECKING:
    import httpx
    import requests

__all__ = [
    "DeadlineExceeded",
    "Gate",
    "RunStopped",
    "Target",
    "TransportRefused",
    "parse_target",
]

CHUNK = 64 * 1024
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# Characters some resolver, IDNA mapping or client treats as a dot besides "." itself.
DOT_LIKES = frozenset("\u3002\uff0e\uff61\u2024\ufe52\u2e3c\u0701\u0702\u2e33\u00b7\u2027")
DEFAULT_PORTS = {"http": 80, "https": 443}
_JSON_START = re.compile(rb"\s*[\[{]")


class TransportRefused(Exception):
    """A request to a host the run was not validated for: refused before its first byte."""


class DeadlineExceeded(BoundExceeded):
    pass


class RunStopped(BoundExceeded):
    """A request after the run's first breach (or after --max-time): never sent."""


@dataclass(frozen=True)
class Target:
    """A URL as every client of a run reads it: scheme, lower-case ASCII host, port."""

    scheme: str
    host: str
    port: int

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _refuse(url: str, why: str) -> TransportRefused:
    shown = url if len(url) <= 120 else url[:117] + "..."
    return TransportRefused(f"{shown!r}: {why}")


def _check_host(url: str, host: str) -> str:
    """The host in the one spelling every client agrees on (lower-case ASCII, no trailing dot)."""
    if host.startswith("["):
        inner = host[1:-1] if host.endswith("]") else ""
        try:
            address = ipaddress.IPv6Address(inner)
        except ValueError:
            raise _refuse(url, "brackets hold an IPv6 address, and nothing else") from None
        if _embeds_ipv4(address) or "%" in inner:
            raise _refuse(url, "write an IPv6 address that embeds IPv4 in its plain form")
        return str(address)
    if any(ch in DOT_LIKES for ch in host) or unicodedata.normalize("NFKC", host) != host:
        raise _refuse(url, "the host holds characters some clients read as dots or letters")
    if not host.isascii():
        try:
            ascii_form = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_form = ""
        hint = f" ({ascii_form})" if ascii_form else ""
        raise _refuse(url, f"write an international host in its ASCII (xn--) form{hint}")
    lowered = host.lower()
    if lowered.endswith("."):
        raise _refuse(url, "write the host without its trailing dot")
    if re.fullmatch(r"[0-9.]+", lowered) or re.fullmatch(r"0x[0-9a-f.x]+", lowered):
        try:
            address4 = ipaddress.IPv4Address(lowered)
        except ValueError:
            raise _refuse(url, "an IPv4 address is four decimal numbers, 0-255") from None
        return str(address4)
    labels = lowered.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise _refuse(url, "a host is letters, digits and hyphens between dots")
    for label in labels:
        if label.startswith("xn--"):
            try:
                decoded = label.encode("ascii").decode("idna")
            except UnicodeError:
                raise _refuse(url, f"{label!r} is not a valid IDNA label") from None
            if decoded.isascii() or any(ch in DOT_LIKES for ch in decoded):
                raise _refuse(url, f"{label!r} decodes to a label clients disagree on")
    return lowered


def _embeds_ipv4(address: ipaddress.IPv6Address) -> bool:
    """Mapped, compatible, 6to4, Teredo and NAT64 forms: another address under an IPv6 name."""
    compatible = int(address) >> 32 == 0 and int(address) > 1
    nat64 = address in ipaddress.IPv6Network("64:ff9b::/96")
    return bool(address.ipv4_mapped or address.sixtofour or address.teredo or compatible or nat64)


def parse_target(url: str) -> Target:
    """`url` read strictly: refused (TransportRefused) unless urllib, httpx, urllib3 and
    requests all read the same scheme, host and port from it."""
    if any(ch in url for ch in "\\\t\r\n ") or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise _refuse(url, "a URL has no backslash, space or control character")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse(url, "not a URL with one host and at most one port") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _refuse(url, "only http and https URLs are sent")
    netloc = parts.netloc
    if not netloc:
        raise _refuse(url, "no host")
    if "@" in netloc:
        raise _refuse(url, "credentials do not go in the URL (they would be logged)")
    if "%" in netloc:
        raise _refuse(url, "percent-encoding in the host is read differently by each client")
    raw_host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") and ":" in netloc else netloc
    if raw_host.count(":") and not raw_host.startswith("["):
        raise _refuse(url, "an IPv6 host goes in brackets")
    host = _check_host(url, raw_host)
    target = Target(scheme, host, port if port is not None else DEFAULT_PORTS[scheme])
    if not 0 < target.port < 65536:
        raise _refuse(url, "a port is 1-65535")
    for reader, seen in _readings(url):
        if seen != target:
            raise _refuse(url, f"{reader} reads it as {seen.scheme}://{seen.host}:{seen.port}")
    return target


def _readings(url: str) -> Iterator[tuple[str, Target]]:
    """How each client of a run reads `url`."""
    import httpx
    import requests
    import urllib3

    def target(scheme: str, host: str, port: int | None) -> Target:
        host = host.lower().strip("[]").rstrip(".")
        with contextlib.suppress(ValueError):
            host = str(ipaddress.ip_address(host))
        return Target(scheme.lower(), host, port or DEFAULT_PORTS.get(scheme.lower(), 0))

    try:
        parsed = httpx.URL(url)
        yield "httpx", target(parsed.scheme, parsed.raw_host.decode("ascii"), parsed.port)
        u3 = urllib3.util.parse_url(url)
        yield "urllib3", target(u3.scheme or "", u3.host or "", u3.port)
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        u3 = urllib3.util.parse_url(prepared.url or "")
        yield "requests", target(u3.scheme or "", u3.host or "", u3.port)
    except (ValueError, UnicodeError, httpx.InvalidURL, requests.RequestException) as exc:
        raise _refuse(url, f"a client cannot read it ({type(exc).__name__})") from None


# -- the gate -----------------------------------------------------------------------------


@dataclass
class _Watch:
    """The connections one request is using, shut down if its deadline passes first."""

    deadline: float
    connections: list[Any] = field(default_factory=list)
    fired: bool = False

    def fire(self) -> None:
        self.fired = True
        for conn in self.connections:
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class Gate:
    """Where every request of one run leaves. `allowed`: the (host, port) pairs validated for
    the run (the target, the token endpoint); `deadline`: --max-time as a monotonic instant."""

    def __init__(
        self,
        allowed: set[Target] | frozenset[Target],
        limits: Limits | None = None,
        *,
        deadline: float | None = None,
        max_time: float | None = None,
    ) -> None:
        self.allowed = frozenset((t.host, t.port) for t in allowed)
        self.limits = limits or Limits()
        self.deadline = deadline
        self.max_time = max_time
        self.breach: str | None = None  # the first bound a response went past
        self.refused: str | None = None  # the first request refused for its host
        self.sent = 0
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- judging --------------------------------------------------------------------------

    def admit_url(self, url: str) -> None:
        """Before a request: the URL as the client prepared it must be a validated target."""
        self._stopped()
        try:
            target = parse_target(url)
        except TransportRefused as exc:
            raise self._refused(f"refused {exc}") from None
        self._admit(target.host, target.port, url)

    def admit_connection(self, host: str, port: int) -> None:
        """At the connection: the host string the client hands to the resolver."""
        self._stopped()
        name = host.strip("[]")
        try:
            name = str(ipaddress.ip_address(name))
        except ValueError:
            name = name.lower()
        self._admit(name, port, f"{host}:{port}")

    def _admit(self, host: str, port: int, shown: str) -> None:
        if (host, port) not in self.allowed:
            targets = ", ".join(f"{h}:{p}" for h, p in sorted(self.allowed))
            raise self._refused(f"refused a connection to {shown!r}: the run may reach {targets}")

    def _refused(self, message: str) -> TransportRefused:
        with self._lock:
            self.refused = self.refused or message
        return TransportRefused(message)

    def _stopped(self) -> None:
        if self.breach:
            raise RunStopped(f"not sent: the run stopped ({self.breach})")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.trip(f"--max-time {self.max_time:g} s reached" if self.max_time else "deadline")
            raise RunStopped(f"not sent: {self.breach}")

    def trip(self, reason: str) -> None:
        """Record the run's first breach; every later request is refused."""
        with self._lock:
            self.breach = self.breach or reason

    # -- bounding -------------------------------------------------------------------------

    def request_deadline(self) -> float:
        deadline = time.monotonic() + self.limits.request_timeout
        return min(deadline, self.deadline) if self.deadline is not None else deadline

    def remaining(self) -> float:
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is None:
            return self.limits.request_timeout
        return deadline - time.monotonic()

    def _late(self) -> DeadlineExceeded:
        run_over = self.deadline is not None and time.monotonic() >= self.deadline - 0.01
        reason = (
            f"--max-time {self.max_time:g} s reached during a request"
            if run_over and self.max_time
            else f"a response took longer than {self.limits.request_timeout:g} s "
            "(--request-timeout: connect, headers and body)"
        )
        self.trip(reason)
        return DeadlineExceeded(reason)

    def body(self, chunks: Iterator[bytes], content_encoding: str | None) -> bytes:
        """The decoded body, capped and checked; a breach trips the gate and raises."""
        try:
            data = decoded_body(self._until_deadline(chunks), content_encoding, self.limits)
        except DeadlineExceeded:
            raise
        except BoundExceeded as exc:
            self.trip(str(exc))
            raise
        if _JSON_START.match(data):
            why = json_bounds_error(data, self.limits)
            if why:
                self.trip(why)
                raise BoundExceeded(why)
        return data

    def _until_deadline(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if self.remaining() <= 0:
                raise self._late()
            yield chunk

    def _begin(self) -> _Watch:
        self._stopped()
        watch = _Watch(self.request_deadline())
        self._local.deadline = watch.deadline
        self._local.watch = watch
        with self._lock:
            self.sent += 1
        return watch

    def _end(self) -> None:
        self._local.deadline = None
        self._local.watch = None

    # -- clients --------------------------------------------------------------------------

    def httpx_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client whose every request leaves through this gate."""
        import httpx

        transport = _HttpxTransport(self, verify=kwargs.pop("verify", True))
        return httpx.Client(transport=transport, follow_redirects=False, trust_env=False, **kwargs)

    def mount(self, session: requests.Session) -> requests.Session:
        """Send everything `session` sends through this gate (idempotent); redirects are
        followed only to the validated targets, and proxy settings from the environment are
        not used: a run connects directly (a proxy would be a host the gate never judged)."""
        adapter = session.adapters.get("https://")
        if isinstance(adapter, _RequestsAdapter) and adapter.gate is self:
            return session
        for prefix in list(session.adapters):
            session.adapters.pop(prefix).close()
        guarded = _RequestsAdapter(self)
        session.mount("https://", guarded)
        session.mount("http://", guarded)
        session.trust_env = False
        original = session.get_redirect_target

        def get_redirect_target(response: requests.Response) -> str | None:
            location = original(response)
            if location is None:
                return None
            from urllib.parse import urljoin

            try:
                target = parse_target(urljoin(response.url, location))
            except TransportRefused:
                return None
            return location if (target.host, target.port) in self.allowed else None

        session.get_redirect_target = get_redirect_target  # type: ignore[method-assign,assignment]
        return session

    @contextlib.contextmanager
    def guarding_requests(self) -> Iterator[None]:
        """For the run's duration, every `requests` adapter in the process sends through this
        gate: the engine builds sessions of its own (capability probes, unauthenticated
        replays) that no schema transport sees. One run at a time per process."""
        from requests.adapters import HTTPAdapter

        gated = _RequestsAdapter(self)

        def send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            return gated.send(request, *args, **kwargs)

        previous = HTTPAdapter.send
        HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            HTTPAdapter.send = previous  # type: ignore[method-assign]
            gated.close()

    def requests_session(self) -> requests.Session:
        from schemathesis.transport.requests import SameHostRedirectsSession

        return self.mount(SameHostRedirectsSession())


# -- requests / urllib3 ---------------------------------------------------------------------


def _connection_classes(gate: Gate) -> tuple[type, type]:
    from urllib3.connection import HTTPConnection, HTTPSConnection

    class Guarded:
        def _new_conn(self) -> socket.socket:
            me: Any = self
            gate.admit_connection(me._dns_host, me.port)
            remaining = gate.remaining()
            if remaining <= 0:
                raise gate._late()
            me.timeout = min(me.timeout, remaining) if isinstance(me.timeout, float) else remaining
            sock: socket.socket = super()._new_conn()  # type: ignore[misc]
            return sock

        def request(self, *args: Any, **kwargs: Any) -> None:
            watch = getattr(gate._local, "watch", None)
            if watch is not None:
                watch.connections.append(self)
            super().request(*args, **kwargs)  # type: ignore[misc]

    plain = type("GuardedHTTPConnection", (Guarded, HTTPConnection), {})
    tls = type("GuardedHTTPSConnection", (Guarded, HTTPSConnection), {})
    return plain, tls


def _adapter_class() -> type:
    from requests.adapters import HTTPAdapter

    return HTTPAdapter


# The send of requests' own adapter, kept before `guarding_requests` replaces it for a run.
_PLAIN_SEND = _adapter_class().send  # type: ignore[attr-defined]


class _RequestsAdapter(_adapter_class()):  # type: ignore[misc]
    """A requests adapter whose pools open only guarded connections, and whose `send` reads
    the body itself: by wall clock, capped after decoding."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self._classes = _connection_classes(gate)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        super().init_poolmanager(*args, **kwargs)
        plain, tls = self._classes
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("GuardedTLSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }

    def send(self, request: Any, stream: bool = False, timeout: Any = None, **kwargs: Any) -> Any:
        """As requests' own send, except that a refusal or a breach (recorded on the gate,
        where the runner reads it) reaches the engine as a connection error it handles."""
        import requests

        try:
            return self._send(request, **kwargs)
        except (BoundExceeded, TransportRefused) as exc:
            raise requests.ConnectionError(str(exc), request=request) from None

    def _send(self, request: Any, **kwargs: Any) -> Any:
        import requests

        kwargs["proxies"] = {}  # a run connects directly: a proxy is a host never judged
        gate = self.gate
        gate.admit_url(request.url)
        watch = gate._begin()
        timer = threading.Timer(max(watch.deadline - time.monotonic(), 0.0), watch.fire)
        timer.daemon = True
        timer.start()
        try:
            remaining = max(watch.deadline - time.monotonic(), 0.001)
            response = _PLAIN_SEND(
                self, request, stream=True, timeout=(remaining, remaining), **kwargs
            )
            raw = response.raw
            try:
                body = gate.body(
                    raw.stream(CHUNK, decode_content=False),
                    response.headers.get("content-encoding"),
                )
            except BoundExceeded:
                raise
            except Exception:
                if watch.fired:
                    raise gate._late() from None
                raise requests.ConnectionError("the response broke off") from None
            finally:
                response.close()
        except (requests.RequestException, OSError):
            if watch.fired or time.monotonic() >= watch.deadline:
                raise gate._late() from None
            raise
        finally:
            timer.cancel()
            gate._end()
        response._content = body
        response._content_consumed = True
        return response


# -- httpx / httpcore -------------------------------------------------------------------


def _httpx_transport_base() -> type:
    import httpx

    return httpx.BaseTransport


class _HttpxTransport(_httpx_transport_base()):  # type: ignore[misc]
    def __init__(self, gate: Gate, verify: Any) -> None:
        import httpx

        self.gate = gate
        self._inner = httpx.HTTPTransport(verify=verify, retries=0)
        pool = self._inner._pool
        pool._network_backend = _Backend(gate, pool._network_backend)  # type: ignore[assignment]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import httpx

        gate = self.gate
        gate.admit_url(str(request.url))
        gate._begin()
        try:
            response = self._inner.handle_request(request)
            try:
                body = gate.body(
                    iter(response.stream),  # type: ignore[arg-type]
                    response.headers.get("content-encoding"),
                )
            finally:
                response.close()
        except httpx.TimeoutException:
            raise gate._late() from None
        finally:
            gate._end()
        out = httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(body),
            extensions=response.extensions,
            request=request,
        )
        out._content = body  # decoded already: httpx must not decode it again
        return out

    def close(self) -> None:
        self._inner.close()


class _Backend:
    """httpcore's network backend, judging the host it is about to resolve and bounding
    every read and write by the request's deadline."""

    def __init__(self, gate: Gate, inner: Any) -> None:
        self.gate = gate
        self.inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **kwargs: Any) -> Any:
        self.gate.admit_connection(host, port)
        stream = self.inner.connect_tcp(host, port, self._clamp(timeout), **kwargs)
        return _Stream(self, stream)

    def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> Any:
        raise self.gate._refused(f"refused a connection to the socket {path!r}")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)

    def _clamp(self, timeout: float | None) -> float:
        import httpcore

        remaining = self.gate.remaining()
        if remaining <= 0:
            raise httpcore.ReadTimeout("deadline")
        return remaining if timeout is None else min(timeout, remaining)


class _Stream:
    def __init__(self, backend: _Backend, inner: Any) -> None:
        self.backend = backend
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self.inner.read(max_bytes, self.backend._clamp(timeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend._clamp(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: Any = None
    ) -> Any:
        inner = self.inner.start_tls(ssl_context, server_hostname, self.backend._clamp(timeout))
        return _Stream(self.backend, inner)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)
