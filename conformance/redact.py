"""Redaction before any reporter sees data, so secrets and PII never reach a report or log line.

- Secrets (tokens, client secrets) become shell references to the environment variable they
  came from (`Authorization: Bearer ${NDT_TOKEN}`), so a reproduction runs as printed.
- Every string value of a request or response body is PII unless its field is known to be safe
  (ids, statuses, types): it becomes a placeholder named after its field (`${PII_givenName}`),
  and the real values go to a private file only when asked (`--pii-file`).
- Matching is by whole value: whole JSON values, whole URL path segments and query values,
  whole quoted literals in messages, never substrings (a house number "12" leaves 127.0.0.1 be).
- Free text (check messages) keeps only quoted literals the contract itself uses: any other
  quoted value, even a truncated one, is replaced.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from conformance.auth import SECRET_HEADERS
from conformance.bounds import loads_bounded

REDACTED = "[REDACTED]"
# Secrets at least this long are replaced wherever they occur; a shorter one only as a whole
# value (a one-letter "token" must not turn every such letter of a report into a variable).
MIN_SECRET_LENGTH = 8
# A field name a placeholder may take from the target's own keys (a long one may be a token).
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
_SHORT_NUMBER = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4})?")
# Fields whose values are identifiers, states or types, never personal data.
SAFE_KEYS = frozenset(
    {
        "id",
        "customerid",
        "customerref",
        "status",
        "type",
        "traceid",
        "verified",
        "accounttype",
        "addresstype",
        "phonetype",
        "emailtype",
        "countrycode",
        "currency",
    }
)
# Request headers a reproduction does not need (curl sets its own).
NOISE_HEADERS = frozenset(
    {
        "content-length",
        "user-agent",
        "accept-encoding",
        "connection",
        "accept",
        "host",
        "x-schemathesis-testcaseid",
    }
)
_QUOTED = re.compile(
    r"\"(?:[^\"\\\n]|\\.)*(?:\"|$)|(?<![A-Za-z0-9])'(?:[^'\\\n]|\\.)*(?:'|$)", re.M
)
# Quoted words that are protocol, not people: short codes, versions, media types, header lines.
_TECHNICAL = re.compile(
    r"[0-9.]{0,4}|[A-Za-z]{0,2}|true|false|null|None|[0-9]{1,4}(\.[0-9]{1,4})*"
    r"|[a-z]+/[A-Za-z0-9.+-]+(; ?charset=[A-Za-z0-9-]+)?|[A-Z][A-Za-z-]+: [0-9.]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
EXAMPLE_KEYS = frozenset({"example", "examples", "x-examples", "default"})
# Private-use characters mark a placeholder inside JSON text (json.dumps leaves them as they are).
_VAR_SENTINEL = "\ue000{}\ue001"
_SENTINEL_SPLIT = re.compile("\ue000([A-Za-z0-9_]+)\ue001")


@dataclass(frozen=True)
class Var:
    """A reference to an environment variable in a shell command."""

    name: str


Segment = str | Var


def shell_word(segments: Iterable[Segment]) -> str:
    """One shell word: single-quoted when literal, double-quoted with `${VAR}` references."""
    parts = list(segments)
    if not any(isinstance(p, Var) for p in parts):
        return shlex.quote("".join(str(p) for p in parts))
    out = ['"']
    for part in parts:
        if isinstance(part, Var):
            out.append("${" + part.name + "}")
        else:
            out.append(re.sub(r'([\\"$`])', r"\\\1", part))
    out.append('"')
    return "".join(out)


def ansi_c_quote(data: bytes) -> str:
    """Bytes as a bash `$'...'` word: any byte sequence, printable and replayable."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in "\\'":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def _field_name(key: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]", "", key) or "value"
    return cleaned[:40]


@dataclass
class Redactor:
    """One per run: the same value gets the same placeholder in every report."""

    secrets: dict[str, str] = field(default_factory=dict)  # secret value -> env variable name
    enabled: bool = True  # False (--no-redact, loopback only): PII is shown; secrets never are
    vocabulary: frozenset[str] = frozenset()  # strings the contract itself uses
    _pii: dict[str, str] = field(default_factory=dict)  # value -> placeholder variable
    _safe_values: set[str] = field(default_factory=set)
    carried: set[str] = field(default_factory=set)  # values a request of the run carried

    # -- learning what is PII ------------------------------------------------------------

    def placeholder(self, key: str, value: str) -> str:
        if value in self._pii:
            return self._pii[value]
        # Named after a field the contract names, or a short plain key that is no secret
        # and no value a request carried: a key the target made up may be a reflected token.
        base = f"PII_{_field_name(key) if self._nameable(key) else 'value'}"
        taken = set(self._pii.values())
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        self._pii[value] = name
        return name

    def _nameable(self, key: str) -> bool:
        return key in self.vocabulary or (
            _PLAIN_KEY.fullmatch(key) is not None
            and key not in self.secrets
            and key not in self.carried
            and not any(len(s) >= MIN_SECRET_LENGTH and s in key for s in self.secrets)
        )

    def learn(self, data: Any, key: str = "value") -> None:
        """Register every string in `data` (a decoded JSON body) as PII or as known-safe."""
        for field_key, value in _strings(data, key):
            if field_key.lower() in SAFE_KEYS:
                self._safe_values.add(value)
            elif value and self.enabled:
                self.placeholder(field_key, value)

    def is_pii(self, value: str) -> bool:
        """Whether `value`, found whole in a URL or a message, is a placeholder's; never a
        value the contract itself uses."""
        return self.enabled and value in self._pii and value not in self.vocabulary

    def may_publish(self, value: Any) -> bool:
        """Whether `value` may appear in a proposal to the spec (drift): never a value a
        request of the run carried (a header, the token, a body string) nor one holding a
        secret, whatever the target did with it."""
        if not isinstance(value, str):
            return not isinstance(value, (list, dict)) or all(
                self.may_publish(v) for v in (value.values() if isinstance(value, dict) else value)
            )
        if value in self.carried or value in self.secrets:
            return False
        return not any(len(s) >= MIN_SECRET_LENGTH and s in value for s in self.secrets)

    def remember_request(self, headers: Mapping[str, Any], body: Any) -> None:
        """Note the values a request carried (see `may_publish`)."""
        for value in headers.values():
            text = value[0] if isinstance(value, list) and value else str(value)
            self.carried.add(text)
            self.carried.add(text.partition(" ")[2].strip())  # the credentials of a scheme
        for _key, text in _strings(body, "value"):
            self.carried.add(text)
        self.carried.discard("")

    # -- rendering ----------------------------------------------------------------------

    def _secret_segments(self, text: str) -> list[Segment]:
        """`text` with every secret replaced by its variable (secrets are long: substring-safe)."""
        segments: list[Segment] = [text]
        for secret, var in sorted(self.secrets.items(), key=lambda kv: -len(kv[0])):
            if not secret:
                continue
            if len(secret) < MIN_SECRET_LENGTH:  # too short to find inside other text
                if text == secret:
                    return [Var(var)]
                continue
            next_segments: list[Segment] = []
            for seg in segments:
                if isinstance(seg, Var):
                    next_segments.append(seg)
                    continue
                pieces = seg.split(secret)
                for i, piece in enumerate(pieces):
                    if i:
                        next_segments.append(Var(var))
                    if piece:
                        next_segments.append(piece)
            segments = next_segments
        return segments

    def header_word(self, name: str, value: str) -> str:
        segments = self._secret_segments(value)
        if name.lower() in SECRET_HEADERS and not any(isinstance(s, Var) for s in segments):
            segments = [REDACTED]
        return shell_word([f"{name}: ", *segments])

    def json_segments(self, data: Any) -> list[Segment]:
        """`data` as JSON text, each PII string value replaced by its placeholder variable."""

        def swap(node: Any, key: str) -> Any:
            if isinstance(node, Mapping):
                return {k: swap(v, str(k)) for k, v in node.items()}
            if isinstance(node, list):
                return [swap(v, key) for v in node]
            if isinstance(node, str) and key.lower() not in SAFE_KEYS and self.enabled and node:
                return _VAR_SENTINEL.format(self.placeholder(key, node))
            return node

        text = json.dumps(swap(data, "value"), ensure_ascii=False)
        segments: list[Segment] = []
        for i, piece in enumerate(_SENTINEL_SPLIT.split(text)):
            if i % 2:
                segments.append(Var(piece))
            elif piece:
                segments.extend(self._secret_segments(piece))
        return segments

    def url_segments(self, uri: str) -> list[Segment]:
        """The URL without userinfo; whole path segments and query values that are PII swapped."""
        parts = urlsplit(uri)
        netloc = parts.netloc.rpartition("@")[2]
        segments: list[Segment] = [f"{parts.scheme}://{netloc}"]
        for i, raw in enumerate(parts.path.split("/")):
            if i:
                segments.append("/")
            value = unquote(raw)
            segments.append(Var(self._pii[value]) if self.is_pii(value) else raw)
        if parts.query:
            segments.append("?")
            for i, (name, value) in enumerate(parse_qsl(parts.query, keep_blank_values=True)):
                if i:
                    segments.append("&")
                segments.append(quote(name, safe="") + "=")
                # A short number in a query is a version or a count, not a person's: the
                # `api-version=1` of a request stays as it is though some body had a "1".
                if self.is_pii(value) and not _SHORT_NUMBER.fullmatch(value):
                    segments.append(Var(self._pii[value]))
                else:
                    segments.extend(self._secret_segments(quote(value, safe="")))
        return segments

    def curl(self, method: str, uri: str, headers: Mapping[str, Any], body: bytes | None) -> str:
        parts = ["curl", "-sS", "-X", method]
        self.remember_request(headers, body_json(body) if body else None)
        for name, value in headers.items():
            text = value[0] if isinstance(value, list) and value else str(value)
            if name.lower() in NOISE_HEADERS:
                continue
            parts += ["-H", self.header_word(name, text)]
        words = [shlex.quote(p) if not p.startswith(("'", '"')) else p for p in parts]
        if body:
            decoded = body_json(body)
            if decoded is not None:
                self.learn(decoded)
                words += ["--data-raw", shell_word(self.json_segments(decoded))]
            else:
                words += ["--data-binary", ansi_c_quote(body)]
        words.append(shell_word(self.url_segments(uri)))
        return " ".join(words)

    def text(self, message: str) -> str:
        """Free text with secrets as `$VAR`, and every quoted literal the contract does not use
        (PII, unknown values, truncated dumps) replaced by its placeholder or REDACTED."""
        text = "".join(
            "$" + s.name if isinstance(s, Var) else s for s in self._secret_segments(message)
        )
        text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
        if not self.enabled:
            return text

        def literal(match: re.Match[str]) -> str:
            raw = match.group(0)
            quote_char = raw[0]
            closed = len(raw) > 1 and raw.endswith(quote_char)
            inner = raw[1:-1] if closed else raw[1:]
            try:
                value = json.loads(f'"{inner}"') if quote_char == '"' else inner
            except ValueError:
                value = inner
            if closed and self._is_safe_literal(value):
                return raw
            name = self._pii.get(value)
            shown = f"<{name}>" if name else REDACTED
            return f"{quote_char}{shown}{quote_char}"

        return _QUOTED.sub(literal, text)

    def _is_safe_literal(self, value: str) -> bool:
        if value in self._pii:
            return False
        return (
            value in self.vocabulary
            or value in self._safe_values
            or _TECHNICAL.fullmatch(value) is not None
        )

    # -- the private file ---------------------------------------------------------------

    def write_pii_file(self, path: Path) -> None:
        """Real values behind the placeholders, as `export` lines, readable by the owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("# PII behind the placeholders of a conformance report. Keep private.\n")
            for value, name in sorted(self._pii.items(), key=lambda kv: kv[1]):
                out.write(f"export {name}={shlex.quote(value)}\n")
        os.chmod(path, 0o600)


def vocabulary_of(document: Any) -> frozenset[str]:
    """Every string the contract document contains (keys and values): never PII."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                found.add(str(k))
                if k not in EXAMPLE_KEYS:  # examples hold sample people, not vocabulary
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            found.add(node)

    walk(document)
    return frozenset(found)


def _strings(data: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _strings(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v, key)
    elif isinstance(data, str):
        yield key, data


def body_json(raw: bytes | str | None) -> Any:
    """A body as JSON, or None: bounded (depth, number length) before any parser sees it."""
    return loads_bounded(raw)
