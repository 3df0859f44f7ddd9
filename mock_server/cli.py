"""`ndt-customer mock`: serve the Customer API mock on uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ndt_contract.hosts import is_loopback
from ndt_fixtures import DEFAULT_COUNT, DEFAULT_SEED
from ndt_fixtures.files import DEFAULT_MAX_FILE_BYTES

from mock_server.boot import (
    FAILURE_ENV,
    SETTINGS_ENV,
    START_ERRORS,
    WORKER_FACTORY,
    app_personas,
    build_app,
    check_dataset,
    check_state,
    settings_to_env,
    shared_by_workers,
    start_failure,
)
from mock_server.faults import LatencyRange
from mock_server.index_cache import CACHE_FROM
from mock_server.overlay import REDIS_SCHEMES, describe
from mock_server.server import DEFAULT_READ_TIMEOUT, uvicorn_options
from mock_server.settings import MAX_OVERLAY_BYTES, MAX_OVERLAY_CUSTOMERS, Settings

if TYPE_CHECKING:  # the app's modules are imported when an app is built, not for --help
    from mock_server.dataset_personas import PersonaSet

# Decision: the generated crowd stops at a million (its memory: bench/ and the README); a bigger dataset
# is a folder from `ndt-customer fixtures` (up to 10,000,000).
MAX_CUSTOMERS = 1_000_000
WORKER_STARTUP_SECONDS = 120
BANNER_PERSONAS = 4  # the rest are one admin call away


def package_version() -> str:
    try:
        return version("ndt-customer")
    except PackageNotFoundError:  # running from a checkout without installing
        return "unknown"


def _latency(text: str) -> LatencyRange:
    try:
        return LatencyRange.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..1")
    return value


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high:,}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is not a whole number {bound}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.1 <= value <= 300:
        raise argparse.ArgumentTypeError(f"{value} is outside 0.1..300 seconds")
    return value


def _browser_host(host: str) -> str:
    """The host as a browser writes it in Origin: an IPv6 address compressed in brackets, a
    non-ASCII name in punycode (IDNA), lower case."""
    try:
        address = ipaddress.ip_address(host.split("%")[0]) if ":" in host else None
    except ValueError:
        address = None
    if address is not None:
        return f"[{address.compressed}]"
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()


def _origin(text: str) -> str:
    """A browser origin as browsers send it (RFC 6454): `scheme://host[:port]`, lower case, no
    path; `*` for any. Anything else could never match, so it is a usage error, not silence."""
    if text in ("*", "null"):
        return text
    not_an_origin = argparse.ArgumentTypeError(
        f"{text!r} is not an origin: browsers send scheme://host[:port], e.g. http://localhost:3000"
    )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a bad port or an unclosed [IPv6 address
        raise not_an_origin from None
    if (
        not parts.scheme
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "#" in text
        or "?" in text
        or any(c.isspace() for c in text)
        or "%" in (parts.hostname or "")
    ):
        raise not_an_origin
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    origin = f"{scheme}://{_browser_host(parts.hostname)}" + (
        f":{port}" if port not in (None, default) else ""
    )
    if parts.path == "/" or origin != text:
        raise argparse.ArgumentTypeError(f"{text!r} is not an origin as browsers send it: {origin}")
    return origin


SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def byte_size(text: str) -> int:
    """`500M`, `2G`, `1048576`: a size in bytes (K, M, G and T are powers of 1024)."""
    spoken = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = spoken[-1] if spoken and spoken[-1] in "KMGT" else ""
    digits = spoken[: len(spoken) - len(unit)]
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 15:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: a whole number of bytes, or with K, M, G or T (e.g. 2G)"
        )
    size = int(digits) * SIZE_UNITS[unit]
    if size < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a size of at least 1 byte is needed")
    return size


def overlay_bytes(text: str) -> int:
    """--overlay-max-bytes: a size (`byte_size`) between 1K and 64G."""
    value = byte_size(text)
    if not 1024 <= value <= 64 * 1024**3:
        raise argparse.ArgumentTypeError(f"{text!r} is outside 1K..64G")
    return value


def _state(text: str) -> str:
    """`redis://[:PASSWORD@]HOST[:PORT][/DB]` (or rediss:// for TLS)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (a bad port raises here)
        database = parts.path.strip("/") or "0"
    except ValueError:
        parts, database = None, ""
    if parts is None or parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Redis URL: redis://HOST:PORT/DB, e.g. redis://127.0.0.1:6379/0"
        )
    if not database.isascii() or not database.isdecimal():
        raise argparse.ArgumentTypeError(f"{text!r}: the database is a number (/0 .. /15)")
    return text


def _folder(text: str) -> Path:
    path = Path(text)
    if path.is_file():
        raise argparse.ArgumentTypeError(
            f"{text} is a file; pass the folder `ndt-customer fixtures --out` wrote "
            "(customers.jsonl, tokens.jsonl, manifest.json)"
        )
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_whole(0, 65535), default=8080, help="port (default 8080; 0 picks one)"
    )
    parser.add_argument(
        "--seed", type=_whole(0), default=None, help=f"dataset seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--customers",
        type=_whole(0, MAX_CUSTOMERS),
        default=DEFAULT_COUNT,
        help=f"generated customers besides the personas (default {DEFAULT_COUNT}, "
        f"at most {MAX_CUSTOMERS:,}); from {CACHE_FROM:,} on they are generated, checked and "
        "indexed once, with progress, into $NDT_CACHE_DIR (default ~/.cache/ndt-customer), "
        "and later starts open that index",
    )
    parser.add_argument(
        "--dataset", type=_folder, help="a dataset folder from `ndt-customer fixtures`"
    )
    parser.add_argument(
        "--dataset-max-bytes",
        type=byte_size,
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="SIZE",
        help="refuse a --dataset file larger than this before reading it (default 16G; "
        "K, M, G, T accepted)",
    )
    parser.add_argument(
        "--workers",
        type=_whole(1),
        default=1,
        help="worker processes; they share one admin state (a SQLite file for the run)",
    )
    parser.add_argument(
        "--state",
        type=_state,
        metavar="redis://HOST:PORT/DB",
        help="keep admin changes and the journal in Redis, shared by every replica serving the "
        "same dataset from that database (default: this machine's workers only)",
    )
    parser.add_argument(
        "--overlay-max-customers",
        type=_whole(1, 10_000_000),
        default=MAX_OVERLAY_CUSTOMERS,
        metavar="N",
        help=f"customers the admin API may add or replace (default {MAX_OVERLAY_CUSTOMERS:,}; "
        "beyond: 507)",
    )
    parser.add_argument(
        "--overlay-max-bytes",
        type=overlay_bytes,
        default=MAX_OVERLAY_BYTES,
        metavar="SIZE",
        help=f"bytes the admin changes may hold, e.g. 64M (default {MAX_OVERLAY_BYTES // 1024**2}M; "
        "beyond: 507, one customer over it alone: 413)",
    )
    parser.add_argument("--latency", type=_latency, help="added latency, MS or MIN-MAX")
    parser.add_argument(
        "--error-rate",
        type=_rate,
        default=0.0,
        help="share of API requests answered 500 unavailable (0..1, seeded)",
    )
    parser.add_argument(
        "--cors-origin",
        type=_origin,
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="allowed browser origin, repeatable (default: any; never for /__admin)",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the contract (slower)",
    )
    parser.add_argument("--spec", type=Path, help="root OpenAPI file (default: the bundled spec)")
    admin = parser.add_mutually_exclusive_group()
    admin.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require `Authorization: Bearer TOKEN` on /__admin (needed off loopback)",
    )
    admin.add_argument("--no-admin", action="store_true", help="turn the /__admin API off")
    parser.add_argument(
        "--access-log",
        choices=("plain", "json"),
        help="print one line per request to stdout (plain text or JSON lines)",
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        help="restart when the spec's folder or the dataset folder changes (one process)",
    )
    parser.add_argument(
        "--read-timeout",
        type=_seconds,
        default=DEFAULT_READ_TIMEOUT,
        help=f"seconds a client has to send a whole request (default {DEFAULT_READ_TIMEOUT:g})",
    )


class UsageError(Exception):
    """Flags that cannot go together; exit 2 with one line."""


def settings_from_args(args: argparse.Namespace) -> Settings:
    if args.dataset is not None and args.seed is not None:
        raise UsageError("--seed generates a dataset; it cannot go with --dataset")
    if args.dataset is not None and args.customers != DEFAULT_COUNT:
        raise UsageError("--customers generates a dataset; it cannot go with --dataset")
    if not (is_loopback(args.host) or args.admin_token or args.no_admin):
        raise UsageError(
            f"--host {args.host} is reachable from other machines: pass --admin-token TOKEN "
            "or --no-admin (the admin API reads persona tokens and changes the data)"
        )
    return Settings(
        host=args.host,
        port=args.port,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        customers=args.customers,
        dataset=args.dataset,
        workers=args.workers,
        latency=args.latency,
        error_rate=args.error_rate,
        cors_origins=tuple(args.cors_origins or ("*",)),
        validate_responses=args.validate_responses,
        spec=args.spec,
        admin_enabled=not args.no_admin,
        admin_token=args.admin_token,
        access_log=args.access_log,
        read_timeout=args.read_timeout,
        max_dataset_bytes=args.dataset_max_bytes,
        state=args.state,
        overlay_max_customers=args.overlay_max_customers,
        overlay_max_bytes=args.overlay_max_bytes,
    )


def admin_mode(settings: Settings) -> str:
    if not settings.admin_enabled:
        return "off (--no-admin)"
    return "on, token required" if settings.admin_token else "on, no token (loopback only)"


def _size(value: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if value >= scale:
            return f"{value / scale:.4g} {unit}"
    return f"{value} bytes"


def state_line(settings: Settings) -> str:
    """Where admin changes live, and their caps: the banner's overlay line."""
    if settings.state is not None and not settings.state.startswith("sqlite:"):
        where = f"shared through {describe(settings.state)} by every replica of this dataset"
    elif settings.workers > 1:
        where = f"shared by the {settings.workers} workers"
    else:
        where = "in this process"
    caps = (
        f"at most {settings.overlay_max_customers:,} customers, {_size(settings.overlay_max_bytes)}"
    )
    return f"admin changes: {where} ({caps})"


def banner(settings: Settings, port: int, personas: PersonaSet) -> str:
    base = f"http://{settings.host}:{port}"
    if settings.dataset is not None:
        dataset = str(settings.dataset)
    elif settings.uses_default_dataset:
        dataset = "committed default"
    else:
        dataset = f"seed {settings.seed}, {settings.customers} customers"
    latency = (
        f"{settings.latency.min_ms}-{settings.latency.max_ms} ms" if settings.latency else "none"
    )
    lines = [
        f"Customer API mock on {base}  (Swagger UI {base}/ui/, spec {base}/openapi.json)",
        f"dataset: {dataset}",
        f"latency: {latency}; error rate: {settings.error_rate:g}; "
        f"CORS origins: {', '.join(settings.cors_origins)}",
        f"admin API: {admin_mode(settings)}",
    ]
    if settings.admin_enabled:
        lines.append(state_line(settings))
    where = ", all at /__admin/personas" if settings.admin_enabled and personas.personas else ""
    lines.append(f"personas: {personas.summary()}{where}")
    for persona in personas.personas[:BANNER_PERSONAS]:
        lines.append(f"  {persona.key:<22} GET {base}/customers/{persona.customer_id}")
    lines.append("force an outcome with `Prefer: code=404`, `example=NAME`, `delay=MS`")
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(f"ndt-customer mock: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    try:
        settings = settings_from_args(args)
    except UsageError as exc:
        return _fail(str(exc))
    if args.reload and settings.workers > 1:
        return _fail("--reload runs one process; it cannot go with --workers")
    options = uvicorn_options(settings.read_timeout, settings.max_header_bytes)
    try:
        if settings.workers > 1 or args.reload:
            personas = check_dataset(settings)  # a bad dataset is one line here, not a loop
            check_state(settings)
        else:
            app = build_app(settings)
            personas = app_personas(app)
    except START_ERRORS as exc:
        return _fail(start_failure(exc))
    try:
        sock = socket.create_server((settings.host, settings.port), reuse_port=False)
    except OSError as exc:
        return _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}")
    port = sock.getsockname()[1]
    settings = replace(settings, port=port)
    print(banner(settings, port, personas), flush=True)
    if args.reload:
        return reload_forever(settings, sock, options)
    if settings.workers > 1:
        config = uvicorn.Config(
            WORKER_FACTORY,
            factory=True,
            workers=settings.workers,
            # uvicorn kills a worker that has not answered its ping in 5 s; a worker imports
            # the app's modules and loads the dataset first, which takes longer on a busy machine.
            timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
            **options,
        )
        with tempfile.TemporaryDirectory(prefix="ndt-mock-") as scratch:
            failure = Path(scratch) / "failure"
            os.environ[FAILURE_ENV] = str(failure)
            os.environ[SETTINGS_ENV] = settings_to_env(shared_by_workers(settings, scratch))
            Multiprocess(config, sockets=[sock]).run()
            if failure.exists():  # a worker could not start (boot.worker_app)
                return _fail(failure.read_text(encoding="utf-8"))
        return 0
    uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])
    return 0


def reload_forever(settings: Settings, sock: socket.socket, options: dict[str, Any]) -> int:
    """Serve from a child process that uvicorn's reloader restarts when a watched file changes
    (reload.py). The child builds the app from the same settings, through the environment."""
    import uvicorn
    from uvicorn.supervisors import ChangeReload

    from mock_server.reload import reload_config

    os.environ[SETTINGS_ENV] = settings_to_env(settings)
    config, watched = reload_config(settings, options)
    print(f"reload: watching {', '.join(map(str, watched))}", flush=True)
    ChangeReload(config, target=uvicorn.Server(config).run, sockets=[sock]).run()
    return 0
