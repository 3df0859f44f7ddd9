"""`Prefer: code=NNN, example=NAME, delay=MS`: Prism-compatible scenario control, parsed once.

A choice the operation does not document is a 400 problem that lists what is available.
Preferences the mock does not know (`return=representation`, `respond-async`) are ignored, as
RFC 7240 section 2 requires of a server; `Preference-Applied` names the ones honoured.

The header is read in one pass with string splits (no backtracking pattern): a client may send
up to the server's header limit, and a slow parse would stall every request on the event loop.
Numbers are ASCII digits of bounded length: `int()` accepts other scripts' digits and refuses
more than 4,300 of them, and `"²".isdigit()` is true.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract import Operation

from mock_server.customers import Reply
from mock_server.problems import ApiProblem

MAX_DELAY_MS = 60_000
KNOWN_PREFERENCES = ("code", "example", "delay")
_NAME = re.compile(r"[A-Za-z-]+")  # fullmatch on one token: linear
MAX_DIGITS = 9  # any status or delay fits; longer is out of range before int() reads it
TOO_LONG = 1_000_000_000  # what a number of more than MAX_DIGITS digits reads as
SHOWN_CHARS = 40  # how much of a bad value a problem repeats


@dataclass(frozen=True)
class Scenario:
    code: int | None = None
    example: str | None = None
    delay_ms: int = 0
    asked: frozenset[str] = frozenset()  # the preferences the client named

    @property
    def overrides_response(self) -> bool:
        """False for `code=200` alone: the real operation answers (a 404 stays a 404)."""
        return self.example is not None or (self.code is not None and self.code != 200)

    def applied(self) -> str:
        """The `Preference-Applied` value: the preferences this answer honours."""
        if not self.asked:  # every request without a Prefer header
            return ""
        parts = []
        if self.overrides_response and "code" in self.asked:
            parts.append(f"code={self.code}")
        if self.example is not None:
            parts.append(f"example={self.example}")
        if self.delay_ms:
            parts.append(f"delay={self.delay_ms}")
        return ", ".join(parts)


NO_SCENARIO = Scenario()


def _bad(message: str, available: str) -> ApiProblem:
    return ApiProblem(400, f"Prefer header: {message}", errors={"Prefer": [message, available]})


def examples_by_status(operation: Operation) -> dict[int, list[str]]:
    return {
        status: sorted(operation.response_examples(status))
        for status in sorted(operation.documented_statuses)
    }


def _shown(value: str) -> str:
    """A value as a problem repeats it: a 32 KB header is not echoed back whole."""
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "..."


def preference(part: str) -> tuple[str, str] | None:
    """One `name=value` (value optionally quoted) as (lower-case name, value); None for a
    preference without a value (`respond-async`) or one that cannot be read."""
    name, equals, rest = part.partition("=")
    name = name.strip()
    if not equals or not _NAME.fullmatch(name):
        return None
    value = rest.strip()
    if value.startswith('"'):
        value = value[1:]
    if value.endswith('"'):
        value = value[:-1]
    if '"' in value:
        return None
    return name.lower(), value.strip()


def preferences(header: str) -> dict[str, str]:
    """The known preferences of a header, the last of a repeated one winning. Commas and
    semicolons both separate (parameters of a preference are read as preferences)."""
    values: dict[str, str] = {}
    for chunk in header.split(","):
        for part in chunk.split(";"):
            found = preference(part)
            if found is not None and found[0] in KNOWN_PREFERENCES:
                values[found[0]] = found[1]
    return values


def whole_number(text: str) -> int | None:
    """ASCII digits as an int; None for anything else (signs, decimals, other scripts); a
    number too long to be in any range is returned as one past the largest bound."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    if len(text) > MAX_DIGITS:
        return TOO_LONG
    return int(text)


def _code(value: str, operation: Operation, statuses: list[int]) -> int:
    available = f"available codes: {', '.join(map(str, statuses))}"
    number = whole_number(value)
    if number is None:
        raise _bad(f"code={_shown(value)} is not a status code", available)
    if number not in statuses:
        raise _bad(
            f"code={_shown(value)} is not documented for {operation.operation_id}", available
        )
    return number


def _delay(value: str) -> int:
    number = whole_number(value)
    bounds = f"available: 0 to {MAX_DELAY_MS}"
    if number is None:
        raise _bad(f"delay={_shown(value)} is not a whole number of milliseconds", bounds)
    if number > MAX_DELAY_MS:
        raise _bad(f"delay must be 0-{MAX_DELAY_MS} ms (got {_shown(value)})", bounds)
    return number


def parse_prefer(header: str | None, operation: Operation) -> Scenario:
    """Decode a Prefer header against one operation's documented responses."""
    if not header or not header.strip():
        return NO_SCENARIO
    values = preferences(header)
    if not values:
        return NO_SCENARIO
    by_status = examples_by_status(operation)
    code = _code(values["code"], operation, list(by_status)) if "code" in values else None
    example = values.get("example")
    if example is not None:
        all_examples = sorted({name for names in by_status.values() for name in names})
        pool = by_status.get(code, []) if code is not None else all_examples
        if example not in pool:
            where = f"code {code}" if code is not None else operation.operation_id
            raise _bad(
                f"no example {_shown(example)!r} for {where}",
                f"available examples: {', '.join(pool) or 'none'}",
            )
        if code is None:
            code = next(s for s, names in by_status.items() if example in names)
    delay = _delay(values["delay"]) if "delay" in values else 0
    return Scenario(code, example, delay, frozenset(values))


def forced_problem(code: int, example: Mapping[str, Any] | None) -> ApiProblem:
    example = example or {}
    return ApiProblem(
        code,
        "Forced by the Prefer header.",
        title=example.get("title"),
        errors=example.get("errors"),
    )


def scenario_reply(operation: Operation, scenario: Scenario) -> Reply:
    """The response a scenario forces. A problem status raises its problem; a success returns
    the named (or first) documented example. An example named like a documented response header
    (`noCustomerDetails`) also sets that header, so a forced example stays consistent."""
    code = scenario.code or 200
    examples = operation.response_examples(code)
    name = scenario.example or next(iter(examples), None)
    if code >= 400:
        raise forced_problem(code, examples.get(scenario.example) if scenario.example else None)
    headers: dict[str, str] = {}
    documented = (operation.response(code) or {}).get("headers") or {}
    for header_name, definition in documented.items():
        if name and header_name.lower() == name.lower():
            headers[header_name] = str(definition.get("example", "true"))
    body = json.dumps(examples.get(name)).encode() if name else b""
    return Reply(body, headers, code)
