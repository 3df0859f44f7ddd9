"""The fast lane: plain requests to contract operations, answered without connexion's stack.

Profiling showed connexion's per-request stack (routing, security, validation and context
middlewares, parameter and response decorators) costing most of each request. The fast lane
routes by the same spec, validates with the same functions (validation.py), calls the same
pure operations (customers.py) and renders problems through the same catalogue. It steps aside
for everything else: `Prefer` scenarios, unknown routes and methods, the docs, and every request
when responses are validated (`--validate-responses`, the test suite), so connexion stays the
reference path and both are tested.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract.loader import HTTP_METHODS
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import customers
from mock_server.asgi import read_body, send_problem, send_response
from mock_server.customers import Reply
from mock_server.problems import (
    ApiProblem,
    ProblemCatalogue,
    validation_problem,
)
from mock_server.state import MockState
from mock_server.validation import (
    body_errors,
    parameter_errors,
    parse_json_body,
    require_json_content_type,
)

Operation = Callable[[MockState, Mapping[str, str], Headers, Any], Reply]

OPERATIONS: dict[str, Operation] = {
    "GetCustomer": lambda state, path, headers, body: customers.get_customer(
        state.store, path["customerId"], headers.get("authorization")
    ),
    "GetCustomerByAccessToken": lambda state, path, headers, body: (
        customers.get_customer_by_access_token(state.store, headers.get("authorization"))
    ),
    "SearchCustomers": lambda state, path, headers, body: customers.search_customers(
        state.store, body
    ),
    "VerifyEmail": lambda state, path, headers, body: customers.verify_email_address(body),
    "VerifyPhoneNumber": lambda state, path, headers, body: customers.verify_phone_number(body),
}


@dataclass(frozen=True)
class Route:
    operation_id: str
    pattern: re.Pattern[str] | None  # None: a literal path
    parameters: dict[str, list[dict]]
    known_query: frozenset[str]
    body_schema: dict | None
    run: Operation


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")


def build_routes(
    spec: Mapping[str, Any],
) -> tuple[dict[tuple[str, str], Route], list[tuple[str, Route]]]:
    """(literal routes by (METHOD, path), templated routes in document order), from the spec."""
    literal: dict[tuple[str, str], Route] = {}
    templated: list[tuple[str, Route]] = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or operation.get("operationId") not in OPERATIONS:
                continue
            by_location: dict[str, list[dict]] = {}
            for param in operation.get("parameters", []):
                by_location.setdefault(param["in"], []).append(param)
            body = operation.get("requestBody") or {}
            media = (body.get("content") or {}).get("application/json") or {}
            route = Route(
                operation["operationId"],
                None if "{" not in path else _template(path),
                by_location,
                frozenset(p["name"] for p in by_location.get("query", [])),
                media.get("schema"),
                OPERATIONS[operation["operationId"]],
            )
            if route.pattern is None:
                literal[(method.upper(), path)] = route
            else:
                templated.append((method.upper(), route))
    return literal, templated


class FastLane:
    def __init__(
        self,
        app: ASGIApp,
        *,
        spec: Mapping[str, Any],
        state: MockState,
        catalogue: ProblemCatalogue,
        enabled: bool,
    ) -> None:
        self.app = app
        self.state = state
        self.catalogue = catalogue
        self.enabled = enabled
        self.literal, self.templated = build_routes(spec)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        route = self.literal.get((method, path))
        if route is not None:
            return route, {}
        for route_method, route in self.templated:
            if route_method == method:
                found = route.pattern.match(path)  # type: ignore[union-attr]
                if found:
                    return route, found.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        matched = self.match(scope["method"], scope["path"])
        headers = Headers(scope=scope)
        if matched is None or "prefer" in headers:
            await self.app(scope, receive, send)
            return
        route, path_params = matched
        try:
            reply = await self._answer(route, path_params, headers, scope, receive)
        except ApiProblem as problem:
            await send_problem(send, self.catalogue, problem, scope)
            return
        await send_response(
            send, reply.status, reply.body, {"Content-Type": "application/json", **reply.headers}
        )

    async def _answer(
        self,
        route: Route,
        path_params: dict[str, str],
        headers: Headers,
        scope: Scope,
        receive: Receive,
    ) -> Reply:
        sources = {
            "path": path_params,
            "header": headers,
            "query": QueryParams(scope["query_string"]),
        }
        errors = parameter_errors(route.parameters, sources, known_query=route.known_query)
        if errors:
            raise validation_problem(errors)
        body = None
        if route.body_schema is not None:
            raw = await read_body(receive)  # the size limit is the conventions' receive wrapper
            require_json_content_type(headers.get("content-type"), bool(raw))
            body = parse_json_body(raw)  # None when empty: body_errors reports it as required
            errors = body_errors(route.body_schema, body)
            if errors:
                raise validation_problem(errors)
        return route.run(self.state, path_params, headers, body)
