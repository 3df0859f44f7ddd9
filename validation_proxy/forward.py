"""Forward every request to the upstream unchanged and stream the answer back unchanged.

Only hop-by-hop headers (RFC 9110 section 7.6.1) and Host are not passed on. Bodies stream in
both directions; a copy of each, up to the judging cap, is what the judge sees afterwards, and
a response past the cap streams on and is counted "too large to judge". Traffic is altered by
a finding only when asked: `--errors` turns a response that breaks a known or standard rule
into a 502 problem naming the rule (and the upstream's status), and `--violations-header` adds
the rules broken in one bounded header. The proxy's own answers (upstream unreachable or too
slow) are problems too, never a traceback.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from conformance.auth import TokenError
from validation_proxy.client import UpstreamClient, UpstreamError, UpstreamResponse, UpstreamTimeout
from validation_proxy.judging import Judged, Proxied, Router, describe
from validation_proxy.pipeline import Passed, Pipeline
from validation_proxy.settings import MAX_VIOLATIONS_HEADER, ProxySettings
from validation_proxy.upstream import Credentials

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"expect",  # the body is read before it is sent on: no 100 Continue upstream
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
VIOLATIONS_HEADER = "Contract-Violations"
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "newday:proxy:error:{}"

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


def problem(status: int, name: str, title: str, detail: str, **extra: Any) -> tuple[int, bytes]:
    body = {"type": PROBLEM_TYPE.format(name), "title": title, "status": status, "detail": detail}
    body.update(extra)
    return status, json.dumps(body, ensure_ascii=False).encode()


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def violations_header(rules: list[str], limit: int = MAX_VIOLATIONS_HEADER) -> str:
    """The rules broken, `; `-separated, cut to stay under `limit` bytes with the name and
    separator, ending with how many were left out. ASCII only (a header is latin-1)."""
    room = limit - len(VIOLATIONS_HEADER) - 4
    shown: list[str] = []
    for n, rule in enumerate(rules):
        clean = (
            rule.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")
        )
        left = len(rules) - n - 1
        tail = f"; (+{left} more)" if left else ""
        candidate = "; ".join([*shown, clean])
        if len(candidate) + len(tail) > room:
            return "; ".join([*shown, f"(+{len(rules) - n} more)"])[:room]
        shown.append(clean)
    return "; ".join(shown)


def decoded(body: bytes, encoding: str, cap: int) -> bytes | None:
    """The body as the judge reads it: gzip and deflate undone (at most `cap` bytes out);
    None for an encoding the judge cannot read, or past the cap."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    try:
        inflater = zlib.decompressobj(47 if "gzip" in encoding else zlib.MAX_WBITS)
        out = inflater.decompress(body, cap + 1)
    except zlib.error:
        return None
    return out if len(out) <= cap and not inflater.unconsumed_tail else None


class Forwarder:
    def __init__(
        self,
        settings: ProxySettings,
        router: Router,
        pipeline: Pipeline,
        credentials: Credentials,
        client: Callable[[], UpstreamClient],
    ) -> None:
        self.settings = settings
        self.base = settings.upstream.rstrip("/")
        self.router = router
        self.pipeline = pipeline
        self.credentials = credentials
        self.cap = settings.max_judged_bytes
        self._client = client
        self.extra = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in settings.headers.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query_string: bytes = scope.get("query_string", b"")
        target = raw_path + (b"?" + query_string if query_string else b"")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        if self.extra:
            present = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in self.extra if k not in present]
        added: str | None = None
        if self.credentials.adds_bearer and not any(
            k.lower() == b"authorization" for k, _ in headers
        ):
            try:
                added = await self.credentials.bearer()
            except TokenError as exc:
                await send_bytes(
                    send,
                    *problem(
                        502,
                        "upstream-authentication",
                        "Cannot authenticate to the upstream",
                        str(exc),
                    ),
                    PROBLEM_JSON,
                )
                return
            if added:
                headers.append((b"authorization", f"Bearer {added}".encode("latin-1")))
        request_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}
        head, rest = await self._read_body(receive)
        route = self.router.match(method, scope["path"])
        seen = Proxied(
            method,
            scope["path"],
            dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)),
            request_headers,
            head,
            0,
            {},
            b"",
            self.base + target.decode("latin-1"),
        )
        content: bytes | AsyncIterator[bytes] = head if rest is None else _chain(head, rest)
        client = self._client()
        try:
            response = await client.request(method, target, headers, content)
        except UpstreamTimeout as exc:
            await self._unreachable(
                send,
                route,
                seen,
                started,
                added,
                504,
                "upstream-timeout",
                "The upstream did not answer in time",
                f"the upstream did not answer: {exc}",
            )
            return
        except UpstreamError as exc:
            await self._unreachable(
                send,
                route,
                seen,
                started,
                added,
                502,
                "upstream-unreachable",
                "The upstream is unreachable",
                f"the upstream is unreachable: {exc}",
            )
            return
        try:
            if added and response.status == 401:
                self.credentials.rejected(added)
            await self._answer(send, response, route, seen, started, added)
        finally:
            await response.aclose()

    async def _read_body(self, receive: Receive) -> tuple[bytes, AsyncIterator[bytes] | None]:
        """The request body up to the cap; past it, the rest as a stream to pass on."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks), None
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None
            if size > self.cap:
                return b"".join(chunks), _rest(receive)

    async def _unreachable(
        self,
        send: Send,
        route: Any,
        seen: Proxied,
        started: float,
        added: str | None,
        status: int,
        name: str,
        title: str,
        detail: str,
    ) -> None:
        await send_bytes(send, *problem(status, name, title, detail), PROBLEM_JSON)
        elapsed = (time.perf_counter() - started) * 1000
        self.pipeline.submit(Passed(route, seen, elapsed, unreachable=detail, added=added))

    async def _answer(
        self,
        send: Send,
        response: UpstreamResponse,
        route: Any,
        seen: Proxied,
        started: float,
        added: str | None,
    ) -> None:
        status = response.status
        out = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
        lower = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in out}
        chunks = response.chunks()
        needs_verdict = route is not None and (
            self.settings.errors or self.settings.violations_header
        )
        buffered: list[bytes] = []
        size = 0
        if needs_verdict:
            try:
                async for chunk in chunks:
                    buffered.append(chunk)
                    size += len(chunk)
                    if size > self.cap:
                        break
            except UpstreamError as exc:  # nothing sent yet: the client gets the problem
                await self._unreachable(
                    send,
                    route,
                    seen,
                    started,
                    added,
                    504 if isinstance(exc, UpstreamTimeout) else 502,
                    "upstream-timeout"
                    if isinstance(exc, UpstreamTimeout)
                    else "upstream-unreachable",
                    "The upstream did not answer in time",
                    f"the upstream's answer did not complete: {exc}",
                )
                return
        body = b"".join(buffered) if size <= self.cap else b""
        if needs_verdict and size <= self.cap:
            judged_body = decoded(body, lower.get("content-encoding", ""), self.cap)
            passed = self._passed(route, seen, status, lower, judged_body, started, added)
            judged = await self.pipeline.judged(passed)
            await self._send_judged(send, status, out, body, judged)
            return
        await send({"type": "http.response.start", "status": status, "headers": out})
        for chunk in buffered:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        too_large = size > self.cap
        try:
            async for chunk in chunks:
                if not too_large:
                    size += len(chunk)
                    if size > self.cap:
                        too_large = True
                        buffered = []
                    else:
                        buffered.append(chunk)
                more = not response.at_end()
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    break
            else:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except UpstreamError as exc:
            # The status went out: count the exchange, then leave the answer unfinished, so the
            # server drops the connection and the client sees a body cut short, as it was.
            passed = self._passed(route, seen, status, lower, None, started, added)
            self.pipeline.submit(replace(passed, unreachable=f"the body did not complete: {exc}"))
            return
        judged_body = (
            None
            if too_large
            else decoded(b"".join(buffered), lower.get("content-encoding", ""), self.cap)
        )
        self.pipeline.submit(self._passed(route, seen, status, lower, judged_body, started, added))

    def _passed(
        self,
        route: Any,
        seen: Proxied,
        status: int,
        headers: dict[str, str],
        body: bytes | None,
        started: float,
        added: str | None,
    ) -> Passed:
        exchange = Proxied(
            seen.method,
            seen.path,
            seen.query,
            seen.request_headers,
            seen.request_body,
            status,
            headers,
            body or b"",
            seen.upstream_url,
        )
        elapsed = (time.perf_counter() - started) * 1000
        return Passed(route, exchange, elapsed, too_large=body is None, added=added)

    async def _send_judged(
        self,
        send: Send,
        status: int,
        out: list[tuple[bytes, bytes]],
        body: bytes,
        judged: Judged | None,
    ) -> None:
        judgements = [j for _, j in judged.judgements] if judged else []
        failures = judged.failures if judged else []
        if self.settings.errors and failures:
            rules = describe(failures)
            _, body502 = problem(
                502,
                "contract-violation",
                "The upstream's answer breaks the contract",
                f"the upstream answered {status}, which breaks {rules[0]}"
                + (f" and {len(rules) - 1} more rule(s)" if len(rules) > 1 else ""),
                upstreamStatus=status,
                violations=judged.shown[:50] if judged else [],
            )
            extra = (
                [(VIOLATIONS_HEADER.encode(), violations_header(rules).encode("latin-1"))]
                if self.settings.violations_header
                else []
            )
            await send_bytes(send, 502, body502, PROBLEM_JSON, extra)
            return
        headers = list(out)
        if self.settings.violations_header and judgements:
            value = violations_header(describe(judgements))
            headers.append((VIOLATIONS_HEADER.encode(), value.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _rest(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def _chain(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield head
    async for chunk in rest:
        yield chunk
