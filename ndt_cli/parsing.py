"""argparse, made to explain itself: defaults in every help line, suggestions for typos."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Sequence

# Defaults that say nothing worth printing: a flag that is off, or an option that is unset.
_SILENT_DEFAULTS = (None, False, argparse.SUPPRESS)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Appends `(default: X)` to an option's help unless it already names its default.

    argparse's ArgumentDefaultsHelpFormatter prints `(default: None)` for unset options and
    doubles the default of help strings that already give it; this one does neither.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            action.required
            or not action.option_strings
            or any(default is silent for silent in _SILENT_DEFAULTS)
            or default == []
            or "default" in text.lower()
        ):
            return text
        return f"{text} (default: %(default)s)"


def suggestion(word: str, choices: Iterable[str]) -> str:
    """` (did you mean X?)` when a choice is close to `word`, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions for option in action.option_strings]


def unknown_options(argv: Sequence[str], known: Sequence[str]) -> list[str]:
    """Long options in `argv` that are neither a known option nor a unique prefix of one
    (argparse accepts unique prefixes). Anything after `--` is an operand."""
    unknown = []
    for token in argv:
        if token == "--":
            break
        if not token.startswith("--"):
            continue
        flag = token.partition("=")[0]
        if flag in known:
            continue
        if not any(option.startswith(flag) for option in known):
            unknown.append(flag)
    return unknown


def check_options(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Exit 2 on the first mistyped option, naming the closest real one.

    This runs before argparse parses, so a typo is reported as a typo rather than as the
    required option it was meant to be ("--base-ur1" rather than "--base-url is required").
    """
    known = option_strings(parser)
    for flag in unknown_options(argv, known):
        parser.error(f"unrecognized option {flag}{suggestion(flag, known)}")
