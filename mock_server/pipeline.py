"""The one way a request to the API is answered, top to bottom in `__call__` and `answer`.

Every request, plain or with `Prefer`, with or without a token, takes the same steps:

1. route: method and path to the operation prepared from the contract (literal paths before
   templated ones, so `GET /customers/search` is a 405, not a customerId; unknown path 404,
   undocumented method 405 with `Allow`);
2. validate: parameters (converted by their schema type; `api-version` supersedes
   `Api-Version`), media type (415), JSON (400), body schema (400), every error at once;
3. scenario: `Prefer` (delay, forced status or example);
4. operation: the one table, `customers.OPERATIONS`;
5. render: the reply's bytes, or a problem (raised; the guards render it under the traceId);
6. check (with `--validate-responses`): the reply against the contract, a 500 if it strays.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract import Contract, Operation
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.asgi import read_body, send_response
from mock_server.customers import OPERATIONS, Call, Reply, bearer_token
from mock_server.customers import Operation as Run
from mock_server.problems import ApiProblem, validation_problem
from mock_server.scenarios import NO_SCENARIO, parse_prefer, scenario_reply
from mock_server.state import MockState
from mock_server.validation import (
    body_errors,
    document_errors,
    parameter_errors,
    parse_json,
    require_media_type,
    superseded_headers,
)

log = logging.getLogger("ndt.mock")
STAMPED_OUTSIDE = frozenset({"api-version", "client-session-id"})  # by the conventions


@dataclass(frozen=True)
class PreparedOperation:
    """What the pipeline needs of one operation, read off the contract once at start."""

    operation: Operation
    run: Run | None  # None: the contract has it, the mock does not implement it (501)
    parameters: dict[str, list[dict[str, Any]]]
    known_query: frozenset[str]
    superseded: dict[str, str]
    body_schema: Mapping[str, Any] | None
    body_required: bool
    media_types: frozenset[str]

    @classmethod
    def from_contract(
        cls, operation: Operation, path_level: list[dict[str, Any]] | None = None
    ) -> PreparedOperation:
        """`path_level`: the path item's parameters, which apply unless the operation has its
        own of the same name and location (OpenAPI 3.0)."""
        own = list(operation.definition.get("parameters", []))
        names = {(p["name"], p["in"]) for p in own}
        by_location: dict[str, list[dict[str, Any]]] = {}
        for param in own + [p for p in path_level or [] if (p["name"], p["in"]) not in names]:
            by_location.setdefault(param["in"], []).append(param)
        body = operation.definition.get("requestBody")
        content = (body or {}).get("content") or {}
        json_media: Mapping[str, Any] = content.get("application/json") or next(
            iter(content.values()), {}
        )
        return cls(
            operation,
            OPERATIONS.get(operation.operation_id),
            by_location,
            frozenset(p["name"] for p in by_location.get("query", [])),
            superseded_headers(by_location),
            json_media.get("schema") if body is not None else None,
            bool((body or {}).get("required")),
            frozenset(media.lower() for media in content),
        )


def prepare(contract: Contract) -> dict[str, PreparedOperation]:
    paths = contract.document.get("paths", {})
    return {
        op_id: PreparedOperation.from_contract(op, paths.get(op.path, {}).get("parameters"))
        for op_id, op in contract.operations.items()
    }


class Routes:
    """Method and path to a prepared operation, built from the contract's paths."""

    def __init__(self, operations: Mapping[str, PreparedOperation]) -> None:
        by_path: dict[str, dict[str, PreparedOperation]] = {}
        for prepared in operations.values():
            op = prepared.operation
            by_path.setdefault(op.path, {})[op.method.upper()] = prepared
        self.literal = {path: ops for path, ops in by_path.items() if "{" not in path}
        self.templated = [(*_template(path), ops) for path, ops in by_path.items() if "{" in path]

    def match(self, method: str, path: str) -> tuple[PreparedOperation, dict[str, str]]:
        methods = self.literal.get(path)
        params: dict[str, str] = {}
        if methods is None:
            for pattern, names, candidates in self.templated:
                found = pattern.fullmatch(path)
                if found:
                    methods, params = candidates, dict(zip(names, found.groups(), strict=True))
                    break
        if methods is None:
            raise ApiProblem(404, "No such route in the Customer API.", title="Not Found")
        prepared = methods.get(method)
        if prepared is None:
            raise ApiProblem(
                405,
                "This method is not allowed on this path.",
                headers={"Allow": ", ".join(sorted(methods))},
            )
        return prepared, params


def _template(path: str) -> tuple[re.Pattern[str], list[str]]:
    """A path template as a pattern (one segment per parameter) and its parameter names."""
    names = re.findall(r"\{([^}]+)\}", path)
    pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(path))
    return re.compile(pattern), names


class ContractPipeline:
    """The innermost step of the mock's stack: every API request ends here."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: Mapping[str, PreparedOperation],
        state: MockState,
        validate_responses: bool,
    ) -> None:
        self.app = app  # below the pipeline: never an HTTP request (app.py)
        self.routes = Routes(operations)
        self.state = state
        self.validate_responses = validate_responses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        prepared, path = self.routes.match(scope["method"], scope["path"])  # 1. route
        reply = await self.answer(prepared, path, scope, receive)
        if self.validate_responses:
            check_reply(prepared.operation, reply)  # 6. check
        headers = {"Content-Type": "application/json", **reply.headers}
        await send_response(send, reply.status, reply.body, headers)  # 5. render

    async def answer(
        self, prepared: PreparedOperation, path: dict[str, str], scope: Scope, receive: Receive
    ) -> Reply:
        # Plain dicts (lower-case header names, the first of repeated ones): cheaper than
        # starlette's Headers on every lookup below.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in reversed(scope["headers"])}
        query = QueryParams(scope["query_string"]) if scope["query_string"] else {}

        # 2. validate
        errors = parameter_errors(
            prepared.parameters,
            {"path": path, "header": headers, "query": query},
            known_query=prepared.known_query,
        )
        for header_name, query_name in prepared.superseded.items():
            if query_name in query and query_name not in errors:
                errors.pop(header_name, None)
        body = None
        if prepared.body_schema is not None or prepared.media_types:
            raw = await read_body(receive)  # the size limit is the guards' receive wrapper
            require_media_type(headers.get("content-type"), prepared.media_types, bool(raw))
            body = parse_json(raw)
            if body is not None or prepared.body_required:
                errors.update(body_errors(prepared.body_schema or {}, body))
        if errors:
            raise validation_problem(errors)

        # 3. scenario
        prefer = headers.get("prefer")
        scenario = parse_prefer(prefer, prepared.operation) if prefer else NO_SCENARIO
        applied = scenario.applied()
        try:
            if scenario.delay_ms:
                await asyncio.sleep(scenario.delay_ms / 1000)
            if scenario.overrides_response:
                reply = scenario_reply(prepared.operation, scenario)
            elif prepared.run is None:
                raise ApiProblem(
                    501, f"The mock does not implement {prepared.operation.operation_id}."
                )
            else:
                # 4. operation
                token = bearer_token(headers.get("authorization"))
                reply = prepared.run(self.state.store, Call(path, token, body))
        except ApiProblem as problem:
            if applied:
                problem.headers["Preference-Applied"] = applied
            raise
        if applied:
            reply.headers["Preference-Applied"] = applied
        return reply


def reply_errors(operation: Operation, reply: Reply) -> list[str]:
    """How a reply strays from the contract: status, media type, required headers, body."""
    response = operation.response(reply.status) or operation.definition.get("responses", {}).get(
        "default"
    )
    if response is None:
        return [f"status {reply.status} is not documented for {operation.operation_id}"]
    found = []
    sent = {name.lower() for name in reply.headers}
    for name, definition in (response.get("headers") or {}).items():
        lowered = name.lower()
        if definition.get("required") and lowered not in sent | STAMPED_OUTSIDE:
            found.append(f"required header {name} is missing")
    content = response.get("content") or {}
    if not content:
        return found
    media = content.get("application/json")
    if media is None:
        return [*found, f"application/json is not documented for status {reply.status}"]
    if not reply.body:
        return [*found, "the body is empty"]
    for key, messages in document_errors(media.get("schema") or {}, json.loads(reply.body)).items():
        found.extend(f"{key}: {message}" for message in messages)
    return found


def check_reply(operation: Operation, reply: Reply) -> None:
    errors = reply_errors(operation, reply)
    if errors:
        log.error("response of %s strays from the contract: %s", operation.operation_id, errors)
        raise ApiProblem(
            500,
            "The mock's response does not match the contract (--validate-responses).",
            errors={"response": errors},
        )
