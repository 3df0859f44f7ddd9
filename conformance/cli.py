"""`ndt-customer conform --base-url URL`: does a target honour the Customer API contract?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.auth import add_oauth_arguments, oauth_from_args, parse_headers, token_from_env
from conformance.bounds import DEFAULT_MAX_RESPONSE_BYTES
from conformance.options import (
    ALL_PHASES,
    DEFAULT_OUTAGE_THRESHOLD,
    ConformOptions,
    UsageError,
)
from conformance.report.model import EXIT_CODES_HELP, EXIT_USAGE

EPILOG = f"""{EXIT_CODES_HELP}.

example:
  NDT_STG_TOKEN_ID=... NDT_STG_TOKEN_SECRET=... ndt-customer conform \\
      --base-url https://dapi.stg-newdaytechnology.net/customer-service \\
      --cert client.pem --key client.key --oauth-token-url https://login.example/token \\
      --oauth-client-id-env NDT_STG_TOKEN_ID --oauth-client-secret-env NDT_STG_TOKEN_SECRET \\
      --testdata staging.yaml --rate-limit 10/s --junit reports/conformance.xml \\
      --html reports/conformance.html
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = parser.epilog or EPILOG  # the dispatcher's, when it gave one
    target = parser.add_argument_group("target")
    target.add_argument(
        "--base-url", required=True, help="the API root, e.g. http://127.0.0.1:8080 (required)"
    )
    target.add_argument("--spec", type=Path, help="root OpenAPI file (default: the bundled spec)")
    target.add_argument(
        "--testdata",
        type=Path,
        help="YAML of customerIds and searchFilters known to the target "
        "(default: the mock's personas when the target is the mock, else the spec's examples)",
    )
    target.add_argument(
        "--allow-production",
        action="store_true",
        help="permit the production server: documented examples only, at 2 requests/s "
        "(default: refused)",
    )
    run = parser.add_argument_group("what runs")
    run.add_argument(
        "--max-examples",
        type=int,
        default=25,
        help="generated cases per operation and phase (default 25)",
    )
    run.add_argument(
        "--seed",
        type=int,
        help="replay the cases of an earlier run (default: a new random seed, printed)",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help="operations tested in parallel threads during fuzzing and linked calls (default 1; "
        "examples and boundary values always run on one: their generation is not thread-safe). "
        "Against a remote target requests wait on the network and workers overlap them; against "
        "the mock on loopback two workers measured no faster (bench/bench_conform.py): "
        "generation is CPU-bound in one Python process",
    )
    run.add_argument("--rate-limit", help="e.g. 10/s for shared environments (default: none)")
    run.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="OPERATION_ID",
        help="only these operations (repeatable; default: all)",
    )
    run.add_argument(
        "--phases",
        default=",".join(ALL_PHASES),
        help=f"comma-separated subset of {','.join(ALL_PHASES)} (default: all)",
    )
    run.add_argument(
        "--include-checks",
        default="",
        metavar="NAMES",
        help="comma-separated check names to run (default: all)",
    )
    run.add_argument(
        "--exclude-checks",
        default="",
        metavar="NAMES",
        help="comma-separated check names to skip (default: none)",
    )
    run.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="wall-clock limit per request: connect, headers and body together, the first "
        "probe included; a slower response makes the run inconclusive (default 10)",
    )
    run.add_argument(
        "--max-response-bytes",
        type=int,
        default=DEFAULT_MAX_RESPONSE_BYTES,
        metavar="BYTES",
        help="largest response body read, after decompression; a larger one makes the run "
        f"inconclusive (default {DEFAULT_MAX_RESPONSE_BYTES}, 10 MB)",
    )
    run.add_argument(
        "--max-time",
        type=float,
        metavar="SECONDS",
        help="stop the run after this long, a request in flight included, and report what "
        "was tested (default: no limit)",
    )
    run.add_argument(
        "--max-response-time",
        type=float,
        metavar="SECONDS",
        help="slower responses fail (default: off)",
    )
    run.add_argument(
        "--hypothesis-database",
        type=Path,
        metavar="DIR",
        help="keep generated examples here between runs (default: nothing is written)",
    )
    auth = parser.add_argument_group("authentication (secrets come from the environment)")
    auth.add_argument("--cert", type=Path, help="client certificate (PEM) for mutual TLS")
    auth.add_argument("--key", type=Path, help="client certificate key (PEM)")
    auth.add_argument(
        "--ca-bundle",
        type=Path,
        metavar="PEM",
        help="CA certificates to verify the target and token endpoint by (default: system CAs)",
    )
    auth.add_argument(
        "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    auth.add_argument(
        "--token-env", metavar="NAME", help="environment variable holding a static bearer token"
    )
    add_oauth_arguments(auth)
    auth.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="extra header (repeatable; Authorization refused: use --token-env)",
    )
    verdict = parser.add_argument_group("verdict")
    verdict.add_argument(
        "--strict", action="store_true", help="drift (decision-level findings) fails too"
    )
    verdict.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="SOURCE",
        help="a NewDay standard this provider departs from knowingly (repeatable; a source id "
        "of the spec's x-evidence-sources, e.g. standard.throttling): its rules become drift",
    )
    verdict.add_argument(
        "--drift-report",
        type=Path,
        metavar="FILE",
        help="write the drift as a proposed change to spec/ (JSON Patch per spec file)",
    )
    verdict.add_argument(
        "--require-coverage",
        action="store_true",
        help="fail when a documented status of an operation was never observed",
    )
    verdict.add_argument(
        "--outage-threshold",
        type=float,
        default=DEFAULT_OUTAGE_THRESHOLD,
        metavar="FRACTION",
        help="share of outage responses (documented 429, 500 unavailable, 503 with Retry-After) "
        f"per operation past which the run is inconclusive (default {DEFAULT_OUTAGE_THRESHOLD})",
    )
    verdict.add_argument(
        "--baseline", type=Path, metavar="FILE", help="accepted findings: listed, not failing"
    )
    verdict.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="write this run's findings as a baseline",
    )
    output = parser.add_argument_group("reports")
    output.add_argument("--junit", type=Path, help="write JUnit XML here")
    output.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    output.add_argument(
        "--pii-file",
        type=Path,
        metavar="PATH",
        help="write the real values behind PII placeholders here (mode 0600; default: nowhere)",
    )
    output.add_argument(
        "--no-redact",
        action="store_true",
        help="show PII in reports (loopback targets only; secrets stay redacted)",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour and progress bar (default auto: a terminal, not under CI)",
    )
    output.add_argument("--quiet", action="store_true", help="no progress output")


def _names(raw: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in raw.split(",") if n.strip())


def options_from_args(args: argparse.Namespace) -> ConformOptions:
    oauth = oauth_from_args(args)
    return ConformOptions(
        base_url=args.base_url,
        max_examples=args.max_examples,
        seed=args.seed,
        workers=args.workers,
        rate_limit=args.rate_limit,
        operations=tuple(args.operation),
        phases=_names(args.phases),
        cert=args.cert,
        key=args.key,
        tls_verify=not args.insecure,
        ca_bundle=args.ca_bundle,
        headers=parse_headers(args.header),
        token=token_from_env(args.token_env),
        token_env=args.token_env,
        oauth=oauth,
        testdata=args.testdata,
        junit=args.junit,
        html=args.html,
        allow_production=args.allow_production,
        max_response_time=args.max_response_time,
        request_timeout=args.request_timeout,
        max_response_bytes=args.max_response_bytes,
        max_time=args.max_time,
        include_checks=_names(args.include_checks),
        exclude_checks=_names(args.exclude_checks),
        baseline=args.baseline,
        write_baseline=args.write_baseline,
        strict=args.strict,
        waived=tuple(args.waive),
        drift_report=args.drift_report,
        require_coverage=args.require_coverage,
        outage_threshold=args.outage_threshold,
        redact=not args.no_redact,
        pii_file=args.pii_file,
        hypothesis_database=args.hypothesis_database,
        spec=args.spec,
    )


def run(args: argparse.Namespace) -> int:
    from conformance.report import render_summary, write_junit
    from conformance.report.terminal import ProgressPrinter, wants_colour
    from conformance.runner import run_conformance

    colour = wants_colour(sys.stdout, args.color)
    progress = None
    if not args.quiet:
        progress = ProgressPrinter(
            sys.stderr,
            bar=None if args.color == "auto" else args.color == "always",
            colour=wants_colour(sys.stderr, args.color),
        )
    try:
        options = options_from_args(args)
        result = run_conformance(options, on_progress=progress)
    except UsageError as exc:
        print(f"ndt-customer conform: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if progress is not None:
            progress.close()
    print(render_summary(result, colour=colour))
    if options.junit:
        write_junit(result, options.junit)
    if options.html:
        from conformance.report.html import write_html

        write_html(result, options.html)
    return result.verdict().code
