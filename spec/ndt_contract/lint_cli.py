"""`ndt-customer lint`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ndt_contract import lint
from ndt_contract.loader import spec_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="root OpenAPI file (default: the bundled spec/openapi.yaml)",
    )


def run(args: argparse.Namespace) -> int:
    return lint.run(args.spec or spec_root() / "openapi.yaml")
