"""`ndt-customer mock`: serve the Customer API mock on uvicorn."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from dataclasses import asdict, replace
from pathlib import Path

from ndt_fixtures import DEFAULT_COUNT, DEFAULT_SEED, PERSONAS, DatasetError

from mock_server.faults import LatencyRange
from mock_server.settings import Settings

# A mock behind no proxy: uvicorn's proxy-header rewriting and date header are per-request cost.
UVICORN_OPTIONS = {
    "access_log": False,
    "proxy_headers": False,
    "server_header": False,
    "date_header": False,
}
SETTINGS_ENV = "NDT_MOCK_SETTINGS"  # how worker processes receive the parent's settings


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


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks one)")
    parser.add_argument("--seed", type=_count, default=DEFAULT_SEED, help="dataset seed")
    parser.add_argument(
        "--customers",
        type=_count,
        default=DEFAULT_COUNT,
        help=f"generated customers besides the personas (default {DEFAULT_COUNT})",
    )
    parser.add_argument(
        "--dataset", type=Path, help="a dataset folder from `ndt-customer fixtures`"
    )
    parser.add_argument("--workers", type=_positive, default=1, help="worker processes")
    parser.add_argument("--latency", type=_latency, help="added latency, MS or MIN-MAX")
    parser.add_argument(
        "--error-rate",
        type=_rate,
        default=0.0,
        help="share of API requests answered 503 (0..1, seeded)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="allowed browser origin, repeatable (default: any)",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the contract (slower)",
    )
    parser.add_argument("--spec", type=Path, help="root OpenAPI file (default: the bundled spec)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        customers=args.customers,
        dataset=args.dataset,
        workers=args.workers,
        latency=args.latency,
        error_rate=args.error_rate,
        cors_origins=tuple(args.cors_origins or ("*",)),
        validate_responses=args.validate_responses,
        spec=args.spec,
    )


def build_app(settings: Settings):
    from ndt_contract import load_contract

    from mock_server.app import create_app
    from mock_server.state import load_dataset

    return create_app(load_contract(settings.spec), load_dataset(settings), settings)


def _settings_to_env(settings: Settings) -> str:
    data = asdict(settings)
    data["dataset"] = str(settings.dataset) if settings.dataset else None
    data["spec"] = str(settings.spec) if settings.spec else None
    data["latency"] = (
        [settings.latency.min_ms, settings.latency.max_ms] if settings.latency else None
    )
    data["cors_origins"] = list(settings.cors_origins)
    return json.dumps(data)


def app_from_env():
    """uvicorn's factory in each worker process: same settings, same seed, same data."""
    data = json.loads(os.environ[SETTINGS_ENV])
    data["dataset"] = Path(data["dataset"]) if data["dataset"] else None
    data["spec"] = Path(data["spec"]) if data["spec"] else None
    data["latency"] = LatencyRange(*data["latency"]) if data["latency"] else None
    data["cors_origins"] = tuple(data["cors_origins"])
    return build_app(Settings(**data))


def banner(settings: Settings, port: int) -> str:
    base = f"http://{settings.host}:{port}"
    lines = [
        f"Customer API mock on {base}  (Swagger UI {base}/ui/, spec {base}/openapi.json)",
        f"dataset: {'committed default' if settings.uses_default_dataset else settings.dataset or f'seed {settings.seed}, {settings.customers} customers'}",
        "personas (all at /__admin/personas):",
    ]
    for persona in PERSONAS[:4]:
        lines.append(f"  {persona.key:<22} GET {base}/customers/{persona.customer_id}")
    lines.append("force an outcome with `Prefer: code=404`, `example=NAME`, `delay=MS`")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    settings = settings_from_args(args)
    if settings.workers > 1:
        os.environ[SETTINGS_ENV] = _settings_to_env(settings)
        print(banner(settings, settings.port), flush=True)
        uvicorn.run(
            "mock_server.cli:app_from_env",
            **UVICORN_OPTIONS,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level="warning",
        )
        return 0
    try:
        app = build_app(settings)
    except DatasetError as exc:
        print(f"ndt-customer mock: {exc}", file=sys.stderr)
        return 2
    try:
        sock = socket.create_server((settings.host, settings.port), reuse_port=False)
    except OSError as exc:
        print(
            f"ndt-customer mock: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    port = sock.getsockname()[1]
    print(banner(replace(settings, port=port), port), flush=True)
    config = uvicorn.Config(app, log_level="warning", **UVICORN_OPTIONS)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
