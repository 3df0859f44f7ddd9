"""The app factory: contract + dataset + settings -> ASGI app. No import-time state.

One stack, outermost first; every request takes it (there is no second path):
1. `Conventions`: traceId, `Api-Version`, `Client-Session-Id`, journal, access log, the
   last-resort catch-all; hands `/__admin` to the admin app here, before CORS.
2. `CORS` (starlette's): browsers on other origins get CORS headers, errors and preflights
   included; a refused preflight is a 400 problem.
3. `Guards`: every exception from further in becomes a problem (inside CORS); health and the
   spec; body limit (413); faults (`--latency`, `--error-rate`).
   `/` and the controls document (discovery.py) are answered there too.
4. `SwaggerUI`: connexion's Swagger UI, for `/ui/` only: the contract and the controls
   document beside it. Built in the background at start (swagger_ui.py), so the API answers
   before connexion has even been imported.
5. `ContractPipeline`: route, validate, scenario (`Prefer`), operation, render, optional response
   check; see pipeline.py, where the steps read top to bottom.

connexion serves the Swagger UI through its own middleware, and its OpenAPI 3.0 schema checks
the contract (ndt_contract.openapi_check). Its routing, security, validation and handler layers are not in the
stack: its routing cost two starlette routers per request and sent `GET /customers/search` into
`/customers/{customerId}`; the pipeline's own table routes literal paths first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ndt_contract import Contract
from ndt_contract.openapi_check import check_openapi
from ndt_fixtures import Dataset
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.admin import PUBLIC_PATHS, AdminApp, AdminPolicy
from mock_server.controls import build_controls, shown_tokens
from mock_server.conventions import Conventions, Guards, access_line
from mock_server.cors import CORS, cors_options
from mock_server.dataset_personas import dataset_personas
from mock_server.discovery import DISCOVERY_PATHS, Discovery
from mock_server.faults import FaultInjector
from mock_server.offcontract import AdminMode, index_links
from mock_server.pipeline import ContractPipeline, prepare
from mock_server.problems import ProblemCatalogue
from mock_server.settings import Settings
from mock_server.state import MockState
from mock_server.store import Caps
from mock_server.swagger_ui import SwaggerUI

Layer = Callable[[ASGIApp], ASGIApp]


def api_prefixes(contract: Contract) -> tuple[str, ...]:
    return tuple(
        sorted({"/" + path.strip("/").split("/")[0] for path in contract.document["paths"]})
    )


async def _no_other_scopes(scope: Scope, receive: Receive, send: Send) -> None:
    """Below the pipeline: only a websocket gets here (the mock has none), and is closed."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1000})


class MockApp:
    """The mock as one ASGI app: `layers` wrapped outermost first, and the lifespan protocol,
    whose startup starts building the Swagger UI in the background."""

    def __init__(self, layers: Sequence[Layer], state: MockState) -> None:
        self.layers = tuple(layers)
        self.state = state  # for tests and the banner; not the pipeline's
        self.swagger_ui: SwaggerUI | None = None
        app: ASGIApp = _no_other_scopes
        for layer in reversed(self.layers):
            app = layer(app)
            if isinstance(app, SwaggerUI):
                self.swagger_ui = app
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "lifespan.startup":
                if self.swagger_ui is not None:
                    self.swagger_ui.warm_up()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def _print_access(style: str) -> Callable[[dict[str, Any]], None]:
    def write(entry: dict[str, Any]) -> None:
        sys.stdout.write(access_line(entry, style) + "\n")
        sys.stdout.flush()

    return write


def create_app(contract: Contract, dataset: Dataset, settings: Settings) -> MockApp:
    check_openapi(contract)  # before anything reads it: a wrong shape is one line, not a crash
    state = MockState.build(
        contract,
        dataset,
        settings.journal_size,
        state=settings.state,
        caps=Caps(settings.overlay_max_customers, settings.overlay_max_bytes),
    )
    catalogue = ProblemCatalogue.from_contract(contract)
    personas = dataset_personas(dataset.manifest, state.store.base).personas
    admin = AdminApp(
        state,
        catalogue,
        AdminPolicy(
            enabled=settings.admin_enabled,
            token=settings.admin_token,
            extra_hosts=frozenset({settings.host.lower()}),
        ),
        personas=personas,
    )
    mode = AdminMode(settings.admin_enabled, settings.admin_token is not None)
    controls = build_controls(contract, shown_tokens(personas), mode)
    discovery = Discovery(admin.public, controls, index_links(mode))
    return MockApp(
        [
            partial(
                Conventions,
                catalogue=catalogue,
                journal=state.journal,
                admin_app=admin,
                access_log=_print_access(settings.access_log) if settings.access_log else None,
            ),
            partial(CORS, catalogue=catalogue, **cors_options(settings.cors_origins)),
            partial(
                Guards,
                catalogue=catalogue,
                faults=FaultInjector(settings.latency, settings.error_rate, settings.seed),
                max_body_bytes=settings.max_body_bytes,
                api_prefixes=api_prefixes(contract),
                public_app=discovery,
                public_paths=PUBLIC_PATHS | DISCOVERY_PATHS,
            ),
            partial(SwaggerUI, contract=contract),
            partial(
                ContractPipeline,
                operations=prepare(contract),
                state=state,
                validate_responses=settings.validate_responses,
            ),
        ],
        state,
    )
