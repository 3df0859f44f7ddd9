"""What a conformance run is asked to do: one frozen value, built at the edge (CLI or pytest)."""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from ndt_contract import Contract, hosts

from conformance.bounds import DEFAULT_MAX_RESPONSE_BYTES

if TYPE_CHECKING:
    from conformance.transport import Target

ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
PRODUCTION_RATE_LIMIT = "2/s"
# A safety net beside the spec's servers: a replacement document that words its server list
# differently must not open production to fuzzing.
KNOWN_PRODUCTION_HOSTS = frozenset({"dapi.newdaytechnology.net"})
# Dots that IDNA (RFC 3490 section 3.1) treats as label separators, besides the ASCII one.
UNICODE_DOTS = ("\u3002", "\uff0e", "\uff61")
DEFAULT_OUTAGE_THRESHOLD = 0.2


class UsageError(Exception):
    """Bad usage or a refused target: exit 2 with this one-line message."""


@dataclass(frozen=True)
class OAuthSettings:
    """OAuth2 client credentials: where to get a token; the client's id and secret stay in env."""

    token_url: str
    client_id_env: str
    client_secret_env: str
    scope: str | None = None


@dataclass(frozen=True)
class ConformOptions:
    base_url: str
    max_examples: int = 25
    seed: int | None = None  # None: a fresh random seed, printed so the run can be replayed
    workers: int = 1
    rate_limit: str | None = None
    operations: tuple[str, ...] = ()
    phases: tuple[str, ...] = ALL_PHASES
    cert: Path | None = None
    key: Path | None = None
    tls_verify: bool = True
    ca_bundle: Path | None = None  # CA certificates to verify the target (and token endpoint) by
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    token: str | None = field(default=None, repr=False)
    token_env: str | None = None  # the variable `token` came from: reproductions refer to it
    oauth: OAuthSettings | None = None
    testdata: Path | None = None
    junit: Path | None = None
    html: Path | None = None
    allow_production: bool = False
    max_response_time: float | None = None
    request_timeout: float = 10.0  # wall clock per request: connect, headers and body
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # per response body, after decoding
    max_time: float | None = None
    include_checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    baseline: Path | None = None
    write_baseline: Path | None = None
    strict: bool = False
    waived: tuple[str, ...] = ()  # standard sources this provider departs from knowingly
    drift_report: Path | None = None
    require_coverage: bool = False
    outage_threshold: float = DEFAULT_OUTAGE_THRESHOLD
    redact: bool = True
    pii_file: Path | None = None
    hypothesis_database: Path | None = None  # None: examples are not stored between runs
    spec: Path | None = None


def normalise_host(host: str) -> str:
    """The host as DNS compares it: IDNA-encoded, lower case, Unicode dots and trailing dot gone."""
    host = host.strip()
    for dot in UNICODE_DOTS:
        host = host.replace(dot, ".")
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.lower()
    except ValueError:
        pass
    # Not a valid IDNA name: compared as given (it cannot equal a valid one).
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    return host.lower()


def _host_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip().replace("\\", "/"))
    netloc = unquote(parts.netloc.rpartition("@")[2])  # userinfo never takes part
    if netloc.startswith("["):
        host = netloc[1 : netloc.find("]")] if "]" in netloc else netloc
    else:
        host = netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc
    path = re.sub(r"/+", "/", parts.path).rstrip("/").lower()
    return normalise_host(host), path


def without_userinfo(url: str) -> str:
    """`url` with any `user:password@` removed: the form every report and message uses."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def production_hosts(contract: Contract) -> frozenset[str]:
    """The production hosts, as DNS compares them: the known ones and the spec's."""
    return KNOWN_PRODUCTION_HOSTS | {_host_and_path(p)[0] for p in contract.production_urls()}


def is_production(url: str, contract: Contract) -> bool:
    """Whether `url` points at production, however its host is spelled.

    The host decides: a production host is production on any port and under any path.
    """
    try:
        host, _ = _host_and_path(url)
    except ValueError:  # not readable as a URL at all: the strict reading refuses it
        return False
    return host in production_hosts(contract)


def strict_target(url: str, option: str) -> Target:
    """`url` as every client of the run reads it, or a one-line usage error naming `option`."""
    from conformance.transport import TransportRefused, parse_target

    try:
        return parse_target(url)
    except TransportRefused as exc:
        raise UsageError(f"{option} {without_userinfo_safe(str(exc))}") from None


def without_userinfo_safe(text: str) -> str:
    """A message about a URL, with anything between `//` and `@` dropped (it may be a password)."""
    text = re.sub(r"//[^/\s'\"]*@", "//", text)
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def _netloc(url: str) -> str:
    try:
        return urlsplit(url.strip()).netloc
    except ValueError:
        return ""


def check_token_url(url: str) -> None:
    """An OAuth token endpoint receives the client secret: https, except on loopback."""
    target = strict_target(url, "--oauth-token-url")
    if target.scheme != "https" and not target.is_loopback:
        raise UsageError(
            f"--oauth-token-url {without_userinfo_safe(url)}: the client secret goes only "
            "over https (http is allowed on loopback only)"
        )


def validate(options: ConformOptions, contract: Contract) -> ConformOptions:
    """Check usage and apply the production guard; returns the options to run with.

    A URL first passes the lenient reading (any spelling of production is named as such),
    then the strict one every client of the run must agree on (`transport.parse_target`)."""
    shown = without_userinfo_safe(options.base_url)
    netloc = _netloc(options.base_url)
    scheme = options.base_url.strip().partition(":")[0].lower()
    if scheme not in ("http", "https") or not netloc.rpartition("@")[2]:
        raise UsageError(f"--base-url {shown!r} is not an http(s) URL")
    if is_production(options.base_url, contract):
        if not options.allow_production:
            raise UsageError(
                f"{shown} is the production server; refusing to fuzz it "
                "(pass --allow-production to run the documented examples only, rate-limited)"
            )
        options = replace(
            options, phases=("examples",), rate_limit=PRODUCTION_RATE_LIMIT, workers=1
        )
    if "@" in netloc:
        raise UsageError(
            f"--base-url {shown}: credentials do not go in the URL (they would be logged); "
            "use --token-env or --oauth-token-url"
        )
    strict_target(options.base_url, "--base-url")
    if options.oauth:
        check_token_url(options.oauth.token_url)
    if options.max_response_bytes < 1024:
        raise UsageError("--max-response-bytes must be at least 1024")
    unknown = set(options.operations) - set(contract.operations)
    if unknown:
        raise UsageError(
            f"unknown --operation {', '.join(sorted(unknown))}; known: {', '.join(sorted(contract.operations))}"
        )
    bad_phases = set(options.phases) - set(ALL_PHASES)
    if bad_phases or not options.phases:
        raise UsageError(
            f"unknown phase {', '.join(sorted(bad_phases)) or '(none given)'}; known: {', '.join(ALL_PHASES)}"
        )
    if options.key is not None and options.cert is None:
        raise UsageError("--key needs --cert")
    for path in (options.cert, options.key, options.testdata, options.baseline, options.ca_bundle):
        if path is not None and not path.is_file():
            raise UsageError(f"{path}: no such file")
    if options.rate_limit is not None and not re.fullmatch(
        r"[1-9][0-9]*/(s|m|h)", options.rate_limit
    ):
        raise UsageError(
            f"--rate-limit {options.rate_limit!r}: expected requests per unit, e.g. 10/s, 300/m"
        )
    if options.max_examples < 1 or options.workers < 1:
        raise UsageError("--max-examples and --workers must be at least 1")
    if options.request_timeout <= 0 or (options.max_time is not None and options.max_time <= 0):
        raise UsageError("--request-timeout and --max-time must be positive")
    if not 0 <= options.outage_threshold <= 1:
        raise UsageError("--outage-threshold is a fraction between 0 and 1")
    if not options.redact and not is_loopback(options.base_url):
        raise UsageError("--no-redact is allowed for loopback targets only (127.0.0.1, ::1)")
    if options.token and options.oauth:
        raise UsageError("choose one of --token-env and --oauth-token-url")
    standards = sorted(
        name
        for name, source in (contract.evidence_sources or {}).items()
        if isinstance(source, dict) and source.get("level") == "standard"
    )
    unknown_waivers = sorted(set(options.waived) - set(standards))
    if unknown_waivers:
        raise UsageError(
            f"--waive {', '.join(unknown_waivers)}: not a standard of the contract; "
            f"standards: {', '.join(standards)}"
        )
    return options


def is_loopback(url: str) -> bool:
    """The URL's host is this machine (`ndt_contract.hosts`, the rule the mock's admin uses)."""
    return hosts.is_loopback(_host_and_path(url)[0])
