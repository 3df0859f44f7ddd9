"""`Prefer: code=NNN, example=NAME, delay=MS`: Prism-compatible scenario control, parsed once.

A choice the operation does not document is a 400 problem that lists what is available.
Preferences the mock does not know (`return=representation`, `respond-async`) are ignored, as
RFC 7240 section 2 requires of a server; `Preference-Applied` names the ones honoured.
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
_PAIR = re.compile(r"^\s*([A-Za-z-]+)\s*=\s*\"?([^\"]*)\"?\s*$")


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


def parse_prefer(header: str | None, operation: Operation) -> Scenario:
    """Decode a Prefer header against one operation's documented responses."""
    if not header or not header.strip():
        return NO_SCENARIO
    statuses = sorted(operation.documented_statuses)
    by_status = examples_by_status(operation)
    all_examples = sorted({name for names in by_status.values() for name in names})
    values: dict[str, str] = {}
    for part in re.split(r"[,;]", header):
        if not part.strip():
            continue
        match = _PAIR.match(part)
        if not match:
            continue  # a preference without a value (`respond-async`) or one we cannot read
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in KNOWN_PREFERENCES:
            values[key] = value

    code = None
    if "code" in values:
        if not values["code"].isdigit() or int(values["code"]) not in statuses:
            raise _bad(
                f"code={values['code']} is not documented for {operation.operation_id}",
                f"available codes: {', '.join(map(str, statuses))}",
            )
        code = int(values["code"])
    example = values.get("example")
    if example is not None:
        pool = by_status.get(code, []) if code is not None else all_examples
        if example not in pool:
            where = f"code {code}" if code is not None else operation.operation_id
            raise _bad(
                f"no example {example!r} for {where}",
                f"available examples: {', '.join(pool) or 'none'}",
            )
        if code is None:
            code = next(s for s, names in by_status.items() if example in names)
    delay = 0
    if "delay" in values:
        if not values["delay"].isdigit() or int(values["delay"]) > MAX_DELAY_MS:
            raise _bad(
                f"delay={values['delay']} is not a number of milliseconds",
                f"available: 0 to {MAX_DELAY_MS}",
            )
        delay = int(values["delay"])
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
