"""The `ndt-customer` entry point: parse, dispatch to one subcommand, map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ndt_cli.commands import SUBCOMMANDS
from ndt_cli.parsing import HelpFormatter, check_options, suggestion

DESCRIPTION = "Contract-first mock and conformance harness for the NewDay Customer API."
EPILOG = """exit codes (every subcommand):
  0  success
  1  the check failed (contract failures, lint problems, an unannounced breaking change)
  2  usage error, or a refused target or input (production, an unreadable spec)
  3  inconclusive (conform: the target could not be judged: unreachable, unhealthy, outages,
     a response past a bound such as --request-timeout or --max-response-bytes)
  130  interrupted

example:
  ndt-customer mock --port 9000
  ndt-customer <command> --help"""


def version_text() -> str:
    """The tool's version and the bundled contract's, read without resolving the spec."""
    from importlib.metadata import PackageNotFoundError, version

    import yaml
    from ndt_contract.bundle import load_yaml
    from ndt_contract.loader import spec_root

    try:
        tool = version("ndt-customer")
    except PackageNotFoundError:
        tool = "unknown (not installed)"
    try:
        info = load_yaml((spec_root() / "openapi.yaml").read_text(encoding="utf-8"))["info"]
        contract = f"{info['title']} API {info['version']}"
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        contract = "unreadable"
    return f"ndt-customer {tool} (contract: {contract})"


class _VersionAction(argparse.Action):
    """`--version`, computed only when asked for (argparse's own needs the text up front)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(version_text())
        parser.exit()


def build_parser(
    chosen: str | None,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser; only the chosen subcommand's module is imported to add its arguments."""
    parser = argparse.ArgumentParser(
        prog="ndt-customer",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(SUBCOMMANDS) + "}")
    subparsers: dict[str, argparse.ArgumentParser] = {}
    for name, command in SUBCOMMANDS.items():
        subparsers[name] = sub.add_parser(
            name,
            help=command.summary,
            description=command.summary,
            epilog=command.epilog(),
            formatter_class=HelpFormatter,
        )
        if name == chosen:
            command.load().add_arguments(subparsers[name])
    return parser, subparsers


# The base install serves the mock; these modules come with an extra (pyproject.toml).
EXTRA_OF = {
    "schemathesis": "conform",
    "hypothesis": "conform",
    "jsonpatch": "conform",
    "pytest": "conform",
    "prance": "lint",
    "openapi_spec_validator": "lint",
    "openapi_schema_validator": "lint",
}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The one line for a subcommand whose extra is not installed; None for any other."""
    module = (exc.name or "").split(".")[0]
    extra = EXTRA_OF.get(module)
    if extra is None:
        return None
    return (
        f"ndt-customer: this command needs the '{extra}' extra ({module} is not installed): "
        f"pip install 'ndt-customer[{extra}]'"
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:  # also while a subcommand's modules are still being imported
        return 130
    except ModuleNotFoundError as exc:  # `make mock` installs the base package only
        line = missing_extra(exc)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2


def _dispatch(argv: list[str]) -> int:
    # Imported here, inside main's Ctrl-C guard: the entry point's own import stays small.
    from ndt_contract.loader import ContractError

    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser, subparsers = build_parser(chosen)
    if chosen is not None and chosen not in SUBCOMMANDS:
        parser.error(f"unknown command {chosen!r}{suggestion(chosen, SUBCOMMANDS)}")
    if chosen is None:
        check_options(parser, argv)
    else:
        position = argv.index(chosen)
        check_options(parser, argv[:position])
        check_options(subparsers[chosen], argv[position + 1 :])
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return SUBCOMMANDS[args.command].load().run(args)
    except ContractError as exc:  # a --spec that does not resolve, for any subcommand
        print(f"ndt-customer {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
