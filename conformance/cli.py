"""`ndt-customer conform --base-url URL`: exit 0 pass, 1 contract failures, 2 usage or unreachable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.auth import parse_headers, token_from_env
from conformance.options import ALL_PHASES, ConformOptions, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url", required=True, help="the API root, e.g. http://127.0.0.1:8080"
    )
    parser.add_argument(
        "--max-examples", type=int, default=25, help="generated cases per operation and phase"
    )
    parser.add_argument("--seed", type=int, default=1, help="same seed, same cases")
    parser.add_argument("--workers", type=int, default=1, help="operations tested in parallel")
    parser.add_argument("--rate-limit", help="e.g. 10/s for shared environments")
    parser.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="OPERATION_ID",
        help="only these operations (repeatable)",
    )
    parser.add_argument(
        "--phases",
        default=",".join(ALL_PHASES),
        help=f"comma-separated subset of {','.join(ALL_PHASES)}",
    )
    parser.add_argument("--cert", type=Path, help="client certificate (PEM) for mutual TLS")
    parser.add_argument("--key", type=Path, help="client certificate key (PEM)")
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    parser.add_argument(
        "--token-env", metavar="NAME", help="environment variable holding the customer access token"
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="extra header (repeatable)",
    )
    parser.add_argument(
        "--testdata", type=Path, help="YAML with customerIds and searchFilters known to the target"
    )
    parser.add_argument("--junit", type=Path, help="write JUnit XML here")
    parser.add_argument(
        "--allow-production",
        action="store_true",
        help="permit the production server: documented examples only, at 2 requests/s",
    )
    parser.add_argument("--max-response-time", type=float, help="seconds a response may take")
    parser.add_argument("--spec", type=Path, help="root OpenAPI file (default: the bundled spec)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def options_from_args(args: argparse.Namespace) -> ConformOptions:
    return ConformOptions(
        base_url=args.base_url,
        max_examples=args.max_examples,
        seed=args.seed,
        workers=args.workers,
        rate_limit=args.rate_limit,
        operations=tuple(args.operation),
        phases=tuple(p.strip() for p in args.phases.split(",") if p.strip()),
        cert=args.cert,
        key=args.key,
        tls_verify=not args.insecure,
        headers=parse_headers(args.header),
        token=token_from_env(args.token_env),
        testdata=args.testdata,
        junit=args.junit,
        allow_production=args.allow_production,
        max_response_time=args.max_response_time,
        spec=args.spec,
    )


def run(args: argparse.Namespace) -> int:
    from conformance.report import render_summary, write_junit
    from conformance.runner import run_conformance

    try:
        options = options_from_args(args)
        progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
        result = run_conformance(options, on_progress=progress)
    except UsageError as exc:
        print(f"ndt-customer conform: {exc}", file=sys.stderr)
        return 2
    print(render_summary(result))
    if options.junit:
        write_junit(result, options.junit)
    if result.errors and not result.failures:
        return 2 if any(e.startswith("fatal") for e in result.errors) else 1
    return 0 if result.passed else 1
