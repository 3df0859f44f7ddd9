"""What a proxy is asked to do: one frozen value, built at the edge (the CLI), checked once.

The checks here are usage only (ranges, combinations, the rule that a proxy reachable from
other machines needs an admin token); the production guard on the upstream lives in
`upstream.guard_upstream`, the one place this package asks the conformance guard.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from conformance.options import OAuthSettings
from conformance.transport import TransportRefused, parse_target

FAIL_ON = ("failures", "drift", "never")
DEFAULT_PORT = 8081
DEFAULT_MAX_JUDGED_BYTES = 1024 * 1024
DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 32 * 1024
MAX_VIOLATIONS_HEADER = 8 * 1024


class ProxyUsageError(Exception):
    """Bad usage or a refused upstream: exit 2 with this one-line message."""


@dataclass(frozen=True)
class ProxySettings:
    upstream: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    spec: Path | None = None
    errors: bool = False  # a response that breaks a known or standard rule becomes a 502
    violations_header: bool = False
    proxy_token: str | None = field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ("*",)
    duration: float | None = None
    fail_on: str = "failures"
    junit: Path | None = None
    html: Path | None = None
    drift_report: Path | None = None
    findings_json: Path | None = None
    record: Path | None = None
    record_limit: int = 10_000
    allow_production: bool = False
    upstream_timeout: float = 10.0
    max_judged_bytes: int = DEFAULT_MAX_JUDGED_BYTES
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    cert: Path | None = None
    key: Path | None = None
    ca_bundle: Path | None = None
    tls_verify: bool = True
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    token: str | None = field(default=None, repr=False)
    token_env: str | None = None
    oauth: OAuthSettings | None = None
    waived: tuple[str, ...] = ()
    access_log: Path | None = None  # None: stderr
    quiet: bool = False  # no access log at all

    @property
    def strict(self) -> bool:
        return self.fail_on == "drift"


def is_loopback_host(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_usage(settings: ProxySettings) -> ProxySettings:
    """Usage errors, each one line; returns the settings unchanged when they hold."""
    try:
        parts = urlsplit(settings.upstream)
    except ValueError:
        raise ProxyUsageError("--upstream is not an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.netloc.rpartition("@")[2]:
        raise ProxyUsageError("--upstream is not an http(s) URL")
    if "@" in parts.netloc:
        raise ProxyUsageError(
            "--upstream: credentials do not go in the URL (they would be logged); "
            "use --token-env or --oauth-token-url"
        )
    if parts.query or parts.fragment:
        raise ProxyUsageError("--upstream is a base URL: no query or fragment")
    try:  # read as strictly as conform reads a target: every client agrees on the host
        parse_target(settings.upstream)
    except TransportRefused as exc:
        raise ProxyUsageError(f"--upstream: {exc}") from None
    if not is_loopback_host(settings.host) and not settings.proxy_token:
        raise ProxyUsageError(
            f"--host {settings.host} is reachable from other machines: pass --proxy-token TOKEN "
            "(/__proxy/* shows what passed through) or keep the default 127.0.0.1"
        )
    if settings.proxy_token is not None and (
        len(settings.proxy_token) < 16 or any(c.isspace() for c in settings.proxy_token)
    ):
        raise ProxyUsageError("--proxy-token: at least 16 characters, no spaces")
    if not 0 <= settings.port <= 65535:
        raise ProxyUsageError("--port is a number from 0 to 65535")
    if settings.fail_on not in FAIL_ON:
        raise ProxyUsageError(f"--fail-on is one of {', '.join(FAIL_ON)}")
    for name, value in (
        ("--duration", settings.duration),
        ("--upstream-timeout", settings.upstream_timeout),
        ("--read-timeout", settings.read_timeout),
    ):
        if value is not None and value <= 0:
            raise ProxyUsageError(f"{name} must be positive")
    if settings.max_judged_bytes < 1024:
        raise ProxyUsageError("--max-judged-bytes must be at least 1024")
    if settings.record_limit < 1:
        raise ProxyUsageError("--record-limit must be at least 1")
    if settings.key is not None and settings.cert is None:
        raise ProxyUsageError("--key needs --cert")
    for path in (settings.cert, settings.key, settings.ca_bundle):
        if path is not None and not path.is_file():
            raise ProxyUsageError(f"{path}: no such file")
    if settings.token and settings.oauth:
        raise ProxyUsageError("choose one of --token-env and --oauth-token-url")
    if settings.record is not None and settings.record.exists() and not settings.record.is_dir():
        raise ProxyUsageError(f"--record {settings.record}: not a folder")
    return settings
