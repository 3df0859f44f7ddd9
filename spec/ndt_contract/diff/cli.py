"""`ndt-customer diff BASE [HEAD]`: exit 0 compatible, 1 a breaking change without a major bump
(or, with --strict-version, any change the version does not announce), 2 usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ndt_contract.diff.documents import diff_documents
from ndt_contract.diff.report import RENDERERS, render_junit
from ndt_contract.diff.sources import ContractVersion, SourceError, load_version
from ndt_contract.loader import spec_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "base",
        metavar="BASE",
        help="the contract before: a folder, a root file, or a git REF[:PATH] such as main:spec "
        "or HEAD~1 (PATH defaults to spec)",
    )
    parser.add_argument(
        "head",
        metavar="HEAD",
        nargs="?",
        help="the contract after, in the same forms (default: the spec folder of this checkout)",
    )
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text", help="output format")
    parser.add_argument(
        "--output", type=Path, help="write the report here (default: standard output)"
    )
    parser.add_argument(
        "--junit", type=Path, help="also write JUnit XML here (default: not written)"
    )
    parser.add_argument(
        "--strict-version",
        action="store_true",
        help="also fail when info.version did not move for minor or patch changes",
    )


def run(args: argparse.Namespace) -> int:
    try:
        base = load_version(args.base)
        head = load_version(args.head) if args.head else _checkout_spec()
    except SourceError as exc:
        print(f"ndt-customer diff: {exc}", file=sys.stderr)
        return 2
    result = diff_documents(base.document, head.document, base.label, head.label)
    report = RENDERERS[args.format](result)
    try:
        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(report, encoding="utf-8")
        else:
            sys.stdout.write(report)
        if args.junit:
            args.junit.parent.mkdir(parents=True, exist_ok=True)
            args.junit.write_text(render_junit(result), encoding="utf-8")
    except OSError as exc:
        print(f"ndt-customer diff: cannot write the report: {exc}", file=sys.stderr)
        return 2
    if result.version.breaking_unannounced:
        return 1
    return 1 if args.strict_version and not result.version.ok else 0


def _checkout_spec() -> ContractVersion:
    """The spec this tool ships with (in a checkout, its spec/ folder), labelled briefly."""
    root = spec_root()
    try:
        label = str(root.relative_to(Path.cwd()))
    except ValueError:
        label = str(root)
    return load_version(label, cwd=Path.cwd()) if label != str(root) else load_version(label)
