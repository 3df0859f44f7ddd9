"""`Prefer: code=NNN, example=NAME, delay=MS`: Prism-compatible scenario control, parsed once.

A choice the operation does not document is a 400 problem that lists what is available.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract import Operation
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.asgi import header, send_problem, send_response
from mock_server.problems import ApiProblem, ProblemCatalogue

MAX_DELAY_MS = 60_000
_PAIR = re.compile(r"^\s*([A-Za-z-]+)\s*=\s*\"?([^\"]*)\"?\s*$")


@dataclass(frozen=True)
class Scenario:
    code: int | None = None
    example: str | None = None
    delay_ms: int = 0

    @property
    def overrides_response(self) -> bool:
        return self.code is not None or self.example is not None


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
            raise _bad(
                f"cannot read {part.strip()!r}", "expected key=value pairs: code, example, delay"
            )
        key, value = match.group(1).lower(), match.group(2).strip()
        if key not in ("code", "example", "delay", "dynamic"):
            raise _bad(f"unknown preference {key!r}", "available: code, example, delay")
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
    return Scenario(code, example, delay)


def forced_problem(code: int, example: Mapping[str, Any] | None) -> ApiProblem:
    example = example or {}
    return ApiProblem(
        code,
        "Forced by the Prefer header.",
        title=example.get("title"),
        errors=example.get("errors"),
    )


class ScenarioMiddleware:
    """Applies a Prefer header after routing (it needs the operation), before auth and validation.

    A forced problem status renders through the problem catalogue; a forced success returns the
    named (or first) documented example. An example named like a documented response header
    (`noCustomerDetails`) also sets that header, so a forced example stays consistent.
    """

    def __init__(
        self, app: ASGIApp, *, operations: Mapping[str, Operation], catalogue: ProblemCatalogue
    ) -> None:
        self.app = app
        self.operations = operations
        self.catalogue = catalogue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        operation = self.operations.get(routing.get("operation_id"))
        prefer = header(scope, "Prefer") if scope["type"] == "http" else None
        if operation is None or not prefer:
            await self.app(scope, receive, send)
            return
        try:
            scenario = parse_prefer(prefer, operation)
        except ApiProblem as error:
            await send_problem(send, self.catalogue, error, scope)
            return
        if scenario.delay_ms:
            await asyncio.sleep(scenario.delay_ms / 1000)
        if not scenario.overrides_response or (scenario.code == 200 and scenario.example is None):
            await self.app(scope, receive, send)
            return
        code = scenario.code or 200
        examples = operation.response_examples(code)
        name = scenario.example or next(iter(examples), None)
        if code >= 400:
            error = forced_problem(code, examples.get(name) if scenario.example else None)
            await send_problem(send, self.catalogue, error, scope)
            return
        headers = {"Content-Type": "application/json"}
        documented = (operation.response(code) or {}).get("headers") or {}
        for header_name, definition in documented.items():
            if name and header_name.lower() == name.lower():
                headers[header_name] = str(definition.get("example", "true"))
        body = json.dumps(examples.get(name)).encode() if name else b""
        await send_response(send, code, body, headers)
