"""The subcommands: what each one is for, how it exits, one example, and where its code lives.

Each subcommand module exposes `add_arguments(parser)` and `run(args) -> int`. Modules are
imported inside the loaders, so `ndt-customer --help` does not pay for connexion or
schemathesis; the imports are still plain `from ... import ...` statements, so the dependency
edges are visible to anyone (or any tool) reading imports.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class CommandModule(Protocol):
    """What a subcommand module provides (mypy checks each module the loaders return)."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _mock() -> CommandModule:
    from mock_server import cli

    return cli


def _conform() -> CommandModule:
    from conformance import cli

    return cli


def _fixtures() -> CommandModule:
    from ndt_fixtures import cli

    return cli


def _proxy() -> CommandModule:
    from validation_proxy import cli

    return cli


def _lint() -> CommandModule:
    from ndt_contract.lint import cli as lint_cli

    return lint_cli


def _diff() -> CommandModule:
    from ndt_contract.diff import cli as diff_cli

    return diff_cli


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    load: Callable[[], CommandModule]
    exit_codes: tuple[tuple[int, str], ...]
    example: str

    def epilog(self) -> str:
        codes = "\n".join(f"  {code}  {meaning}" for code, meaning in self.exit_codes)
        return f"exit codes:\n{codes}\n\nexample:\n  {self.example}"


USAGE_ERROR = (2, "usage error (bad flag or value, a --spec that does not resolve)")

SUBCOMMANDS: dict[str, Subcommand] = {
    command.name: command
    for command in (
        Subcommand(
            "mock",
            "serve the Customer API mock",
            _mock,
            (
                (0, "stopped cleanly"),
                (2, "usage error, unreadable dataset or the port is taken"),
                (130, "interrupted (Ctrl-C)"),
            ),
            "ndt-customer mock --port 9000 --latency 50-200",
        ),
        Subcommand(
            "conform",
            "check that a base URL honours the contract",
            _conform,
            (
                (0, "pass (drift is reported, not failed, unless --strict)"),
                (
                    1,
                    "contract or standard failures (or drift with --strict, or a documented "
                    "status never reached with --require-coverage)",
                ),
                (
                    2,
                    "usage error or refused target (production without --allow-production, a "
                    "URL the HTTP clients read differently, an http token URL off loopback)",
                ),
                (
                    3,
                    "inconclusive: unreachable or unhealthy target, outages past "
                    "--outage-threshold, every response of an operation 401/404, or a "
                    "response past a bound (--request-timeout, --max-response-bytes, JSON "
                    "depth or number size, --max-time cutting a request)",
                ),
            ),
            "ndt-customer conform --base-url https://dapi.stg-newdaytechnology.net/customer-service "
            "--cert client.pem --key client.key --token-env NDT_STG_TOKEN --testdata staging.yaml "
            "--drift-report reports/drift.json --junit reports/conformance.xml",
        ),
        Subcommand(
            "proxy",
            "forward traffic to an upstream and judge every exchange against the contract",
            _proxy,
            (
                (0, "stopped, no failures (or --fail-on never)"),
                (1, "contract or standard failures seen (or drift with --fail-on drift)"),
                (2, "usage error, refused upstream (production) or the port is taken"),
                (
                    3,
                    "inconclusive: nothing passed through, outages past the threshold, or the "
                    "upstream credentials were refused",
                ),
            ),
            "ndt-customer proxy --upstream https://dapi.stg-newdaytechnology.net/customer-service "
            "--cert client.pem --key client.key --junit reports/proxy.xml --fail-on failures",
        ),
        Subcommand(
            "fixtures",
            "generate a customer dataset",
            _fixtures,
            ((0, "dataset written"), (2, "usage error or --out cannot be written")),
            "ndt-customer fixtures --count 1000 --seed 1 --out fixtures/data",
        ),
        Subcommand(
            "lint",
            "lint the OpenAPI contract",
            _lint,
            ((0, "clean"), (1, "problems found (one line each)"), USAGE_ERROR),
            "ndt-customer lint --spec spec/openapi.yaml",
        ),
        Subcommand(
            "diff",
            "classify the changes between two contract versions (breaking, minor, patch)",
            _diff,
            (
                (0, "no breaking change, or info.version has a major bump"),
                (
                    1,
                    "a breaking change without a major bump (with --strict-version: any change "
                    "info.version does not announce)",
                ),
                (
                    2,
                    "usage error: a version that is not a folder, file or git REF[:PATH], or "
                    "does not resolve",
                ),
            ),
            "ndt-customer diff main:spec spec --format markdown --output reports/diff.md",
        ),
    )
}
