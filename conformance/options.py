"""What a conformance run is asked to do: one frozen value, built at the edge (CLI or pytest)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ndt_contract import Contract

ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
PRODUCTION_RATE_LIMIT = "2/s"
# A safety net beside the spec's servers: a replacement document that words its server list
# differently must not open production to fuzzing.
KNOWN_PRODUCTION_HOSTS = frozenset({"dapi.newdaytechnology.net"})


class UsageError(Exception):
    """Bad usage or a refused target: exit 2 with this one-line message."""


@dataclass(frozen=True)
class ConformOptions:
    base_url: str
    max_examples: int = 25
    seed: int = 1
    workers: int = 1
    rate_limit: str | None = None
    operations: tuple[str, ...] = ()
    phases: tuple[str, ...] = ALL_PHASES
    cert: Path | None = None
    key: Path | None = None
    tls_verify: bool = True
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    token: str | None = field(default=None, repr=False)
    testdata: Path | None = None
    junit: Path | None = None
    allow_production: bool = False
    max_response_time: float | None = None
    request_timeout: float = 10.0
    spec: Path | None = None


def _normalise(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{parts.path.rstrip('/')}"


def validate(options: ConformOptions, contract: Contract) -> ConformOptions:
    """Check usage and apply the production guard; returns the options to run with."""
    parts = urlsplit(options.base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--base-url {options.base_url!r} is not an http(s) URL")
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
    for path in (options.cert, options.key, options.testdata):
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

    production = {_normalise(url) for url in contract.production_urls()}
    target = _normalise(options.base_url)
    is_production = (parts.hostname or "").lower() in KNOWN_PRODUCTION_HOSTS or any(
        target == p or target.startswith(p + "/") or p.startswith(target + "/") for p in production
    )
    if is_production:
        if not options.allow_production:
            raise UsageError(
                f"{options.base_url} is the production server; refusing to fuzz it "
                "(pass --allow-production to run the documented examples only, rate-limited)"
            )
        return replace(options, phases=("examples",), rate_limit=PRODUCTION_RATE_LIMIT, workers=1)
    return options
