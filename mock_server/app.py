"""The app factory: contract + dataset + settings -> ASGI app. No import-time state.

Middleware order, outermost first (each with its reason):
1. CORS: browsers on other origins must get CORS headers even on errors and preflights.
2. Conventions: traceId, Api-Version, Client-Session-Id, body limit, faults, journal, and the
   admin and health routes, which stay outside the contract.
3. Fast lane: plain requests to contract operations, answered by the same validators and
   operations without connexion's per-request stack (off when responses are validated).
4. connexion's ExceptionMiddleware: every error, its own included, is rendered by `problem_handler`.
5. connexion's Swagger UI and routing.
6. Scenarios (Prefer): needs the routed operation; runs before auth and validation so that any
   documented status can be forced.
7. connexion's security and request validation (our collecting validators), then the handlers.
"""

from __future__ import annotations

import logging
from typing import Any

from connexion import AsyncApp
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.validators import VALIDATOR_MAP
from ndt_contract import Contract
from ndt_contract.loader import HTTP_METHODS
from ndt_fixtures import Dataset
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from mock_server.admin import AdminApp, is_admin_path
from mock_server.conventions import ConventionsMiddleware
from mock_server.fastlane import FastLane
from mock_server.faults import FaultInjector
from mock_server.handlers import build_handlers
from mock_server.problems import TRACE_ID_SCOPE_KEY, ApiProblem, ProblemCatalogue, render_problem
from mock_server.scenarios import ScenarioMiddleware
from mock_server.settings import Settings
from mock_server.state import MockState
from mock_server.validation import CollectingJSONBodyValidator, CollectingParameterValidator

log = logging.getLogger("ndt.mock")
EXPOSED_HEADERS = ["Api-Version", "Client-Session-Id", "NoCustomerDetails", "Retry-After"]


def _as_api_problem(exc: Exception) -> ApiProblem:
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, ProblemException):
        detail = exc.detail or exc.title or ""
        errors = {"request": [detail]} if exc.status == 400 else None
        return ApiProblem(exc.status, detail, errors=errors)
    if isinstance(exc, HTTPException):
        if exc.status_code == 404:
            return ApiProblem(404, "No such route in the Customer API.", title="Not Found")
        if exc.status_code == 405:
            return ApiProblem(
                405, "This method is not allowed on this path.", headers=dict(exc.headers or {})
            )
        return ApiProblem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
    log.exception("unhandled error", exc_info=exc)
    return ApiProblem(500, "The mock failed unexpectedly; the traceId is in its log.")


def problem_handler(catalogue: ProblemCatalogue):
    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        problem = _as_api_problem(exc)
        status, body, headers = render_problem(
            catalogue, problem, request.scope.get(TRACE_ID_SCOPE_KEY, "")
        )
        return ConnexionResponse(
            status_code=status, body=body, headers=headers, mimetype="application/problem+json"
        )

    return handle


def hoist_path_parameters(spec: dict[str, Any]) -> dict[str, Any]:
    """Move path-level parameters into each operation (the same meaning in OpenAPI).

    connexion 3 appends path-level parameters to the operation's own list in place, once per
    middleware that builds the operation, so every error would be reported six times.
    """
    for item in spec.get("paths", {}).values():
        shared = item.pop("parameters", None)
        if not shared:
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS:
                own = operation.setdefault("parameters", [])
                names = {(p["name"], p["in"]) for p in own}
                own.extend(p for p in shared if (p["name"], p["in"]) not in names)
    return spec


def hand_bearer_tokens_to_handlers(spec: dict[str, Any]) -> dict[str, Any]:
    """Let connexion check that a bearer token is present; the handlers judge it.

    Without an `x-bearerInfoFunc`, connexion 3 rejects every token. The function is injected
    into the copy connexion serves, never into spec/, which must stay the provider's shape.
    """
    schemes = spec.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values():
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer":
            scheme["x-bearerInfoFunc"] = "mock_server.handlers.accept_bearer_token"
    return spec


def api_prefixes(contract: Contract) -> tuple[str, ...]:
    return tuple(
        sorted({"/" + path.strip("/").split("/")[0] for path in contract.document["paths"]})
    )


def literal_paths(contract: Contract) -> dict[str, frozenset[str]]:
    """Paths without templates, with their documented methods."""
    found: dict[str, set[str]] = {}
    for op in contract.operations.values():
        if "{" not in op.path:
            found.setdefault(op.path, set()).add(op.method.upper())
    return {path: frozenset(methods) for path, methods in found.items()}


def create_app(contract: Contract, dataset: Dataset, settings: Settings) -> AsyncApp:
    state = MockState.build(contract, dataset, settings.journal_size)
    catalogue = ProblemCatalogue.from_contract(contract)
    handlers = build_handlers(state)
    app = AsyncApp(__name__)
    app.state = state  # for tests and the CLI banner, not for handlers

    app.add_middleware(
        CORSMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        allow_origins=list(settings.cors_origins),
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    app.add_middleware(
        ConventionsMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        catalogue=catalogue,
        journal=state.journal,
        faults=FaultInjector(settings.latency, settings.error_rate, settings.seed),
        max_body_bytes=settings.max_body_bytes,
        api_prefixes=api_prefixes(contract),
        admin_app=AdminApp(state, catalogue),
        admin_paths=is_admin_path,
        literal_paths=literal_paths(contract),
    )
    spec = hand_bearer_tokens_to_handlers(hoist_path_parameters(contract.to_dict()))
    app.add_middleware(
        FastLane,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        spec=spec,
        state=state,
        catalogue=catalogue,
        enabled=not settings.validate_responses,
    )
    app.add_middleware(
        ScenarioMiddleware,
        position=MiddlewarePosition.BEFORE_SECURITY,
        operations=contract.operations,
        catalogue=catalogue,
    )

    validator_map: dict[str, Any] = {
        "parameter": CollectingParameterValidator,
        "body": MediaTypeDict({"*/*json": CollectingJSONBodyValidator}),
        "response": VALIDATOR_MAP["response"],
    }
    spec["servers"] = [{"url": "/"}]  # serve at the root, whatever the published servers say
    app.add_api(
        spec,
        resolver=Resolver(function_resolver=handlers.__getitem__),
        strict_validation=True,
        validate_responses=settings.validate_responses,
        validator_map=validator_map,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    handle = problem_handler(catalogue)
    for error in (ProblemException, HTTPException, Exception):
        app.add_error_handler(error, handle)
    return app
