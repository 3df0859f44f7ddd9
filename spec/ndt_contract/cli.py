"""`ndt-customer`: one console script; each subcommand's module is imported only when chosen."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from ndt_contract.loader import ContractError

# subcommand -> (module with `add_arguments(parser)` and `run(args) -> int`, help)
SUBCOMMANDS = {
    "mock": ("mock_server.cli", "serve the Customer API mock"),
    "conform": ("conformance.cli", "check that a base URL honours the contract"),
    "fixtures": ("ndt_fixtures.cli", "generate a customer dataset"),
    "lint": ("ndt_contract.lint_cli", "lint the OpenAPI contract"),
}


def main(argv: Sequence[str] | None = None) -> int:
    # connexion imports starlette's TestClient at import time, which warns about httpx.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="ndt-customer", description="Contract-first mock and conformance for the Customer API"
    )
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(SUBCOMMANDS) + "}")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module_name).add_arguments(sub_parser)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    try:
        return module.run(args)
    except ContractError as exc:  # a --spec that does not resolve, for any subcommand
        print(f"ndt-customer {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
