"""`ndt-customer proxy --upstream URL`: judge real traffic between a client and an upstream.

Flags and environment become one frozen `ProxySettings` here; the server runs until Ctrl-C,
SIGTERM or `--duration`, then the same reports as `conform` are written and the exit code
follows `--fail-on`.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from conformance.auth import add_oauth_arguments, oauth_from_args, parse_headers
from conformance.options import UsageError
from conformance.report.model import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_USAGE, RunResult
from validation_proxy.settings import (
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_JUDGED_BYTES,
    DEFAULT_PORT,
    DEFAULT_READ_TIMEOUT,
    FAIL_ON,
    ProxySettings,
    ProxyUsageError,
    check_usage,
)

if TYPE_CHECKING:  # types only: the modules behind them load when the proxy starts
    from ndt_contract import Contract

    from validation_proxy.ledger import Ledger
    from validation_proxy.record import Recording
    from validation_proxy.upstream import Credentials

RECORD_EVERY_SECONDS = 5.0
SOURCE_NOTE = "no seed: nothing was generated"
EPILOG = """example (a frontend's dev server pointed at http://127.0.0.1:8081):
  NDT_STG_TOKEN=... ndt-customer proxy \\
      --upstream https://dapi.stg-newdaytechnology.net/customer-service \\
      --cert client.pem --key client.key --token-env NDT_STG_TOKEN \\
      --junit reports/proxy.xml --drift-report reports/drift.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = parser.epilog or EPILOG
    where = parser.add_argument_group("where")
    where.add_argument("--upstream", required=True, help="the API root to forward to (required)")
    where.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    where.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port, 0 for any (default {DEFAULT_PORT})"
    )
    where.add_argument("--spec", type=Path, help="root OpenAPI file (default: the bundled spec)")
    where.add_argument(
        "--allow-production",
        action="store_true",
        help="permit the production server as upstream (never with --record; default: refused)",
    )
    where.add_argument(
        "--proxy-token",
        metavar="TOKEN",
        help="bearer token /__proxy/* asks for (required with a --host other than loopback)",
    )
    where.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="browser origin allowed (repeatable; default: any, *)",
    )
    judged = parser.add_argument_group("what clients see")
    judged.add_argument(
        "--errors",
        action="store_true",
        help="a response that breaks a known or standard rule becomes a 502 problem naming "
        "the rule (default: traffic is never altered)",
    )
    judged.add_argument(
        "--violations-header",
        action="store_true",
        help="add the rules a response breaks in a Contract-Violations header (at most 8 KiB; "
        "default: off)",
    )
    judged.add_argument(
        "--max-judged-bytes",
        type=int,
        default=DEFAULT_MAX_JUDGED_BYTES,
        metavar="BYTES",
        help="bodies past this stream through unjudged (default 1 MiB)",
    )
    judged.add_argument(
        "--upstream-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="connect, read and write deadline towards the upstream; past it a 504 (default 10)",
    )
    judged.add_argument(
        "--read-timeout",
        type=float,
        default=DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help="a client's whole request must arrive within this (default 10)",
    )
    judged.add_argument(
        "--max-header-bytes",
        type=int,
        default=DEFAULT_MAX_HEADER_BYTES,
        metavar="BYTES",
        help="request line and headers past this are a 431 (default 32 KiB)",
    )
    auth = parser.add_argument_group(
        "upstream credentials (added to requests without Authorization; secrets from the environment)"
    )
    auth.add_argument("--cert", type=Path, help="client certificate (PEM) for mutual TLS")
    auth.add_argument("--key", type=Path, help="client certificate key (PEM)")
    auth.add_argument(
        "--ca-bundle", type=Path, metavar="PEM", help="CA certificates for the upstream"
    )
    auth.add_argument(
        "--insecure", action="store_true", help="do not verify the upstream's certificate"
    )
    auth.add_argument("--token-env", metavar="NAME", help="environment variable holding a bearer")
    add_oauth_arguments(auth)
    auth.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="extra header for the upstream when the request lacks it (repeatable; not secrets)",
    )
    verdict = parser.add_argument_group("verdict and reports (written on exit)")
    verdict.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after this long (default: Ctrl-C)"
    )
    verdict.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="failures",
        help="what makes the exit code 1: failures (known and standard rules), drift too, or never",
    )
    verdict.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="SOURCE",
        help="a NewDay standard the upstream departs from knowingly (repeatable): its rules are drift",
    )
    verdict.add_argument("--junit", type=Path, help="write JUnit XML here")
    verdict.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    verdict.add_argument(
        "--drift-report",
        type=Path,
        metavar="FILE",
        help="write the drift as a proposed change to spec/ (JSON Patch per spec file)",
    )
    verdict.add_argument(
        "--findings-json", type=Path, metavar="FILE", help="write /__proxy/findings here on exit"
    )
    record = parser.add_argument_group("recording")
    record.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="write every profile the upstream returns, anonymised, as a dataset `mock --dataset "
        "DIR` serves (DIR empty, new, or an earlier recording: it is replaced)",
    )
    record.add_argument(
        "--record-limit",
        type=int,
        default=10_000,
        metavar="N",
        help="customers kept at most (default 10000)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--access-log",
        type=Path,
        metavar="FILE",
        help="one line per exchange here (default: stderr)",
    )
    output.add_argument("--quiet", action="store_true", help="no access log")
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in the summary (default auto)",
    )


def settings_from_args(args: argparse.Namespace) -> ProxySettings:
    from validation_proxy.upstream import static_token

    oauth = oauth_from_args(args)
    return ProxySettings(
        upstream=args.upstream,
        host=args.host,
        port=args.port,
        spec=args.spec,
        errors=args.errors,
        violations_header=args.violations_header,
        proxy_token=args.proxy_token,
        cors_origins=tuple(args.cors_origins or ("*",)),
        duration=args.duration,
        fail_on=args.fail_on,
        junit=args.junit,
        html=args.html,
        drift_report=args.drift_report,
        findings_json=args.findings_json,
        record=args.record,
        record_limit=args.record_limit,
        allow_production=args.allow_production,
        upstream_timeout=args.upstream_timeout,
        max_judged_bytes=args.max_judged_bytes,
        read_timeout=args.read_timeout,
        max_header_bytes=args.max_header_bytes,
        cert=args.cert,
        key=args.key,
        ca_bundle=args.ca_bundle,
        tls_verify=not args.insecure,
        headers=parse_headers(args.header),
        token=static_token(args.token_env),
        token_env=args.token_env,
        oauth=oauth,
        waived=tuple(args.waive),
        access_log=args.access_log,
        quiet=args.quiet,
    )


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"ndt-customer proxy: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from ndt_contract import load_contract

    from conformance.auth import TokenError
    from validation_proxy.upstream import Credentials, guard_upstream

    try:
        settings = check_usage(settings_from_args(args))
        contract = load_contract(settings.spec)
        guard_upstream(settings, contract)
        check_waivers(settings, contract)
        check_record_folder(settings.record)
        credentials = Credentials(settings)
    except (ProxyUsageError, UsageError) as exc:
        return _fail(str(exc))
    if settings.oauth is not None:
        try:
            import asyncio

            asyncio.run(credentials.bearer())
        except TokenError as exc:
            return _fail(f"cannot authenticate to the upstream: {exc}", EXIT_INCONCLUSIVE)
    try:
        sock = socket.create_server((settings.host, settings.port))
    except OSError as exc:
        return _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}")
    return serve_until_stopped(settings, contract, credentials, sock)


def check_waivers(settings: ProxySettings, contract: Contract) -> None:
    sources = contract.evidence_sources or {}
    standards = sorted(
        n for n, s in sources.items() if isinstance(s, dict) and s.get("level") == "standard"
    )
    unknown = sorted(set(settings.waived) - set(standards))
    if unknown:
        raise ProxyUsageError(
            f"--waive {', '.join(unknown)}: not a standard of the contract; "
            f"standards: {', '.join(standards)}"
        )


def check_record_folder(folder: Path | None) -> None:
    """A recording replaces its folder whole: refuse one that holds anything else."""
    if folder is None or not folder.exists():
        return
    if not folder.is_dir():
        raise ProxyUsageError(f"--record {folder}: not a folder")
    names = {p.name for p in folder.iterdir()}
    if names and "manifest.json" not in names:
        raise ProxyUsageError(
            f"--record {folder}: the folder holds other files; give an empty or new folder "
            "(or an earlier recording, which is replaced)"
        )


def serve_until_stopped(
    settings: ProxySettings, contract: Contract, credentials: Credentials, sock: socket.socket
) -> int:
    from validation_proxy.app import build_app
    from validation_proxy.judging import Judge, Router
    from validation_proxy.ledger import Ledger
    from validation_proxy.pipeline import Pipeline
    from validation_proxy.record import Recording
    from validation_proxy.server import serve

    judge = Judge(contract, settings.waived, credentials.secrets())
    ledger = Ledger(
        contract,
        settings.upstream,
        strict=settings.strict,
        checks=judge.applied,
        recorder=judge.recorder,
    )
    recording = (
        Recording(settings.record, contract, settings.record_limit) if settings.record else None
    )
    log = _log_stream(settings)
    pipeline = Pipeline(judge, ledger, recording, log, credentials.static_env)
    app = build_app(settings, Router(contract), pipeline, credentials)
    port = sock.getsockname()[1]
    print(banner(settings, port), flush=True)
    stop = threading.Event()
    writer = None
    if recording is not None:
        writer = threading.Thread(target=_keep_writing, args=(recording, stop), daemon=True)
        writer.start()
    try:
        serve(
            app,
            sock,
            read_timeout=settings.read_timeout,
            max_header_bytes=settings.max_header_bytes,
            duration=settings.duration,
        )
    finally:
        stop.set()
        pipeline.close()
        if writer is not None:
            writer.join(timeout=10)
    if recording is not None:
        recording.write()
        print(
            f"recorded {recording.customers} customer(s) to {settings.record} "
            f"({recording.refused} not matching the profile schema, {recording.over_limit} "
            "past --record-limit)",
            flush=True,
        )
    result = ledger.result()
    if credentials.fetches:
        result.notes.append(f"OAuth2: {credentials.fetches} token(s) fetched")
    write_reports(settings, ledger, result)
    if log is not None and log is not sys.stderr:
        log.close()
    return exit_code(settings, result)


def banner(settings: ProxySettings, port: int) -> str:
    from conformance.options import without_userinfo

    lines = [
        f"validation proxy on http://{settings.host}:{port} -> {without_userinfo(settings.upstream)}",
        f"live findings: http://{settings.host}:{port}/__proxy/ (JSON at /__proxy/findings)",
        "traffic altered: "
        + (
            ", ".join(
                n
                for n, on in (
                    ("--errors", settings.errors),
                    ("--violations-header", settings.violations_header),
                )
                if on
            )
            or "never"
        ),
    ]
    if settings.record:
        lines.append(f"recording anonymised profiles to {settings.record}")
    return "\n".join(lines)


def _keep_writing(recording: Recording, stop: threading.Event) -> None:
    while not stop.wait(RECORD_EVERY_SECONDS):
        if recording.dirty:
            recording.write()


def _log_stream(settings: ProxySettings) -> TextIO | None:
    if settings.quiet:
        return None
    if settings.access_log is None:
        return sys.stderr
    settings.access_log.parent.mkdir(parents=True, exist_ok=True)
    return open(settings.access_log, "a", encoding="utf-8", buffering=1)


def write_reports(settings: ProxySettings, ledger: Ledger, result: RunResult) -> None:
    import json

    from conformance.report import write_junit
    from conformance.report.terminal import wants_colour

    print(proxy_summary(result, colour=wants_colour(sys.stdout, "auto")), flush=True)
    if settings.junit:
        settings.junit.parent.mkdir(parents=True, exist_ok=True)
        write_junit(result, settings.junit)
    if settings.html:
        from conformance.report.html import write_html

        settings.html.parent.mkdir(parents=True, exist_ok=True)
        write_html(result, settings.html)
    if settings.drift_report:
        ledger.drift_report().write(settings.drift_report)
    if settings.findings_json:
        settings.findings_json.parent.mkdir(parents=True, exist_ok=True)
        settings.findings_json.write_text(
            json.dumps(ledger.snapshot(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def proxy_summary(result: RunResult, *, colour: bool = False) -> str:
    """The conformance summary, its run line (seed, workers) replaced by the proxy's: the
    "cases" of a proxy are the exchanges that passed through."""
    from conformance.report import render_summary

    lines = render_summary(result, colour=colour).splitlines()
    return "\n".join(
        f"exchanges judged as they passed (cases below are exchanges); {SOURCE_NOTE}"
        if line.startswith(f"seed {result.seed} (replay")
        else line
        for line in lines
    )


def exit_code(settings: ProxySettings, result: RunResult) -> int:
    if settings.fail_on == "never":
        return EXIT_PASS
    return result.verdict().code
