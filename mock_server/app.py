"""The app factory: contract + dataset + settings -> ASGI app. No import-time state.

One stack, outermost first; every request takes it (there is no second path):
1. `Conventions`: traceId, `Api-Version`, `Client-Session-Id`, journal, access log, the
   last-resort catch-all; hands `/__admin` to the admin app here, before CORS.
2. CORS (starlette): browsers on other origins get CORS headers, errors and preflights included.
3. `Guards`: every exception from further in becomes a problem (inside CORS); health and the
   spec; body limit (413); faults (`--latency`, `--error-rate`).
   `/` and the controls document (discovery.py) are answered there too.
4. connexion's Swagger UI, for `/ui/` only: the contract and the controls document beside it.
5. `ContractPipeline`: route, validate, scenario (`Prefer`), operation, render, optional response
   check; see pipeline.py, where the steps read top to bottom.

connexion builds the app from the spec (and checks it) and serves Swagger UI; its stock routing,
security, validation and exception middlewares are not in the stack (`middlewares=[...]`
replaces them: libraries.md). Its routing cost two starlette routers per request and sent
`GET /customers/search` into `/customers/{customerId}`; the pipeline's own table routes literal
paths first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from connexion import AsyncApp
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from ndt_contract import Contract
from ndt_fixtures import PERSONAS, Dataset
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from mock_server.admin import PUBLIC_PATHS, AdminApp, AdminPolicy
from mock_server.controls import build_controls, persona_tokens
from mock_server.conventions import Conventions, Guards, access_line
from mock_server.discovery import DISCOVERY_PATHS, Discovery
from mock_server.faults import FaultInjector
from mock_server.offcontract import CONTROLS_PATH, AdminMode, index_links
from mock_server.pipeline import ContractPipeline, prepare
from mock_server.problems import ProblemCatalogue
from mock_server.settings import Settings
from mock_server.spec_check import checked_here
from mock_server.state import MockState

UI_PATH = "/ui"
EXPOSED_HEADERS = [
    "Api-Version",
    "Client-Session-Id",
    "NoCustomerDetails",
    "Preference-Applied",
    "Retry-After",
]


def cors_options(origins: tuple[str, ...]) -> dict[str, Any]:
    """The mock's CORS, one setting for the app and for reload's "cannot start" answer."""
    return {
        "allow_origins": list(origins),
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": EXPOSED_HEADERS,
        "max_age": 600,
    }


def api_prefixes(contract: Contract) -> tuple[str, ...]:
    return tuple(
        sorted({"/" + path.strip("/").split("/")[0] for path in contract.document["paths"]})
    )


def _no_slash_redirects(router: Router) -> None:
    """starlette redirects `/path/` to `/path` with a Location built from the Host header,
    which a client controls; without the redirect such a path is a plain 404 problem."""
    router.redirect_slashes = False
    for route in router.routes:
        inner = getattr(route, "app", None)
        if isinstance(inner, Router):
            _no_slash_redirects(inner)


class SwaggerUI(SwaggerUIMiddleware):
    """connexion's Swagger UI at `/ui/`, without Host-built trailing-slash redirects (its own
    `/ui` redirect is path-only); other paths go straight on, past its router."""

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        super().add_api(*args, **kwargs)
        _no_slash_redirects(self.router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and not (path == UI_PATH or path.startswith(UI_PATH + "/")):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _answered_by_the_pipeline(*_: Any, **__: Any) -> None:
    """What connexion's resolver is given for every operationId: the pipeline answers them all
    (customers.OPERATIONS), so connexion's handler layer is never reached."""
    raise RuntimeError("connexion's handler layer is not part of the mock's stack")


def _print_access(style: str) -> Callable[[dict[str, Any]], None]:
    def write(entry: dict[str, Any]) -> None:
        sys.stdout.write(access_line(entry, style) + "\n")
        sys.stdout.flush()

    return write


def create_app(contract: Contract, dataset: Dataset, settings: Settings) -> AsyncApp:
    state = MockState.build(contract, dataset, settings.journal_size)
    catalogue = ProblemCatalogue.from_contract(contract)
    admin = AdminApp(
        state,
        catalogue,
        AdminPolicy(
            enabled=settings.admin_enabled,
            token=settings.admin_token,
            extra_hosts=frozenset({settings.host.lower()}),
        ),
    )
    mode = AdminMode(settings.admin_enabled, settings.admin_token is not None)
    known = persona_tokens(PERSONAS, lambda token: state.store.by_token(token).known)
    discovery = Discovery(admin.public, build_controls(contract, known, mode), index_links(mode))
    middlewares = [
        partial(
            Conventions,
            catalogue=catalogue,
            journal=state.journal,
            admin_app=admin,
            access_log=_print_access(settings.access_log) if settings.access_log else None,
        ),
        partial(CORSMiddleware, **cors_options(settings.cors_origins)),
        partial(
            Guards,
            catalogue=catalogue,
            faults=FaultInjector(settings.latency, settings.error_rate, settings.seed),
            max_body_bytes=settings.max_body_bytes,
            api_prefixes=api_prefixes(contract),
            public_app=discovery,
            public_paths=PUBLIC_PATHS | DISCOVERY_PATHS,
        ),
        SwaggerUI,
        partial(
            ContractPipeline,
            operations=prepare(contract),
            state=state,
            validate_responses=settings.validate_responses,
        ),
        LifespanMiddleware,
    ]
    app = AsyncApp(__name__, middlewares=middlewares)
    app.state = state  # type: ignore[attr-defined]  # for tests and the banner; not the pipeline's
    spec = contract.to_dict()
    title = spec.get("info", {}).get("title", "API")
    spec["servers"] = [{"url": "/"}]  # serve at the root, whatever the published servers say
    with checked_here(contract):  # connexion would spend a second re-checking the spec
        app.add_api(
            spec,
            resolver=Resolver(function_resolver=lambda _operation_id: _answered_by_the_pipeline),
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui_path=UI_PATH,
                spec_path="/openapi.json",
                # Two documents in the UI's definition list: the contract first, the mock's
                # controls beside it (never inside it).
                swagger_ui_template_arguments={
                    "urls": [
                        {"url": "/openapi.json", "name": f"{title}: the contract"},
                        {"url": CONTROLS_PATH, "name": "Mock controls: Prefer, personas, admin"},
                    ]
                },
            ),
        )
    return app
