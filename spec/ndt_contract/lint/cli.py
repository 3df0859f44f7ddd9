"""`ndt-customer lint`."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ndt_contract.bundle import bundle
from ndt_contract.evidence import enforced_profile
from ndt_contract.lint import rules as lint
from ndt_contract.loader import spec_root

# What a reader of the enforced profile does not need: examples and our notes on decisions
# (which the profile has already dropped).
HIDDEN_KEYS = ("example", "examples", "x-assumption")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="root OpenAPI file (default: the bundled spec/openapi.yaml)",
    )
    parser.add_argument(
        "--profile",
        choices=("full", "enforced"),
        default=None,
        help="after a clean lint, print this view of the contract as YAML: `full` (every rule, "
        "as the mock serves it) or `enforced` (known and standard rules only: what a "
        "conformance run may fail a target on)",
    )
    parser.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="SOURCE",
        help="with --profile enforced: treat this standard source as waived (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    spec_file = args.spec or spec_root() / "openapi.yaml"
    code = lint.run(spec_file)
    if code or not args.profile:
        return code
    document: Mapping[str, Any] = bundle(spec_file).document
    if args.profile == "enforced":
        document = enforced_profile(document, frozenset(args.waive))
    print(f"# the {args.profile} profile of {spec_file}")
    print(yaml.safe_dump(_readable(document), sort_keys=False, allow_unicode=True, width=100))
    return 0


def _readable(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _readable(v) for k, v in node.items() if k not in HIDDEN_KEYS}
    if isinstance(node, list):
        return [_readable(v) for v in node]
    return node
