"""How much of a response a run is willing to hold: bytes after decompression, JSON nesting and
number length. Pure functions, so every limit is tested without a network.

A target under test may be hostile or broken; whatever it sends, a run must end with a reason
instead of exhausting memory or the parser's recursion. Bodies are decoded here (gzip and
deflate, with the cap applied to the *decoded* size), and JSON is scanned for depth and number
length before any parser sees it.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_NUMBER_CHARS = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER_CHARS + 1))


class BoundExceeded(Exception):
    """A response went past one of the run's bounds; the message says which, in one line."""


class ResponseTooLarge(BoundExceeded):
    pass


class JsonTooComplex(BoundExceeded):
    pass


@dataclass(frozen=True)
class Limits:
    """The bounds of one run. `request_timeout` is wall clock: connect, headers and body."""

    request_timeout: float = 10.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    max_number_chars: int = MAX_NUMBER_CHARS


DEFAULT_LIMITS = Limits()


def json_bounds_error(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why `data` must not be parsed as JSON (too deep, a number too long), or None.

    Strings are blanked first (their content is not structure), then brackets are counted;
    the scan stops at the first bracket past the limit, so a deep bomb costs little.
    """
    stripped = _STRING.sub(b'""', data)
    depth = 0
    for match in _BRACKET.finditer(stripped):
        if match.group() in b"[{":
            depth += 1
            if depth > limits.max_json_depth:
                return f"JSON nested deeper than {limits.max_json_depth} levels"
        else:
            depth -= 1
    pattern = (
        _LONG_NUMBER
        if limits.max_number_chars == MAX_NUMBER_CHARS
        else re.compile(rb"[-+0-9.eE]{%d,}" % (limits.max_number_chars + 1))
    )
    if pattern.search(stripped):
        return f"a JSON number longer than {limits.max_number_chars} characters"
    return None


def loads_bounded(raw: bytes | str | None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parsed JSON, or None when `raw` is not JSON or is past the bounds (never raises)."""
    if raw is None:
        return None
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if json_bounds_error(data, limits):
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


class _Inflater:
    """One content coding, decoded with a ceiling on its output."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._decoder = zlib.decompressobj(wbits)
        self._first = coding == "deflate"  # some servers send raw deflate without a header

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to `room + 1` decoded bytes of `data` (one more than room means: too large)."""
        try:
            out = self._decoder.decompress(data, room + 1)
        except zlib.error:
            if not self._first:
                raise
            self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._decoder.decompress(data, room + 1)
        self._first = False
        while self._decoder.unconsumed_tail and len(out) <= room:
            out += self._decoder.decompress(self._decoder.unconsumed_tail, room + 1 - len(out))
        return out


def decoded_body(
    chunks: Iterable[bytes], content_encoding: str | None, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """The body of `chunks`, decoded from gzip/deflate, raising ResponseTooLarge as soon as
    the decoded bytes pass `limits.max_response_bytes`. Other codings are kept as they came
    (capped just the same): a check can still see their status and headers."""
    cap = limits.max_response_bytes
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    inflaters = (
        [_Inflater(c) for c in reversed(codings)]
        if all(c in ("gzip", "x-gzip", "deflate") for c in codings)
        else []
    )
    out = bytearray()
    for chunk in chunks:
        data = chunk
        try:
            for inflater in inflaters:
                data = inflater.feed(data, cap - len(out))
        except zlib.error:
            inflaters = []  # not what it claims: kept as sent
            data = chunk
        out += data
        if len(out) > cap:
            raise ResponseTooLarge(f"a response body past {_size(cap)} (--max-response-bytes)")
    return bytes(out)


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MB"
    return f"{count} bytes"
