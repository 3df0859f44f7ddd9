"""connexion's Swagger UI at `/ui/`, the one part of the stack that connexion serves.

connexion is slow to import (it brings in starlette's test client, httpx and requests) and
slower still to load a spec: most of a start (the README has the figures), for a page only
people open. So the API answers without it: the UI is built off the event loop, in a
background thread the app starts when it starts (`warm_up`), or by the first `/ui` request if
that comes sooner (it waits for the one build). Other paths go straight on, never waiting.

Before connexion sees a request, this layer answers what connexion's static files would answer
in text/plain: a method other than GET or HEAD is a 405 problem, and a `Range` header is
dropped (the UI's files are served whole). A contract connexion cannot load (one our OpenAPI
check accepts, such as `openapi: 3.0.3-rc1`) is logged once; the API goes on, and `/ui`
answers a 500 problem saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import warnings

from ndt_contract import Contract
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.offcontract import CONTROLS_PATH
from mock_server.problems import ApiProblem
from mock_server.spec_check import connexion_skips_its_check

UI_PATH = "/ui"
UI_METHODS = ("GET", "HEAD")
log = logging.getLogger("ndt.mock")


def is_ui_path(path: str) -> bool:
    return path == UI_PATH or path.startswith(UI_PATH + "/")


def _no_slash_redirects(router: Router) -> None:
    """starlette redirects `/path/` to `/path` with a Location built from the Host header,
    which a client controls; without the redirect such a path is a plain 404 problem."""
    router.redirect_slashes = False
    for route in router.routes:
        inner = getattr(route, "app", None)
        if isinstance(inner, Router):
            _no_slash_redirects(inner)


def build_swagger_ui(contract: Contract, app: ASGIApp) -> ASGIApp:
    """connexion's Swagger UI middleware over `app`, with the contract and the mock's controls
    document in its definition list (the controls beside the contract, never inside it)."""
    # connexion imports starlette's TestClient, which warns about httpx: a line in every
    # process's log (workers, reload children) about a client the mock never uses.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
    from connexion.spec import Specification

    spec = contract.to_dict()
    title = spec.get("info", {}).get("title", "API")
    spec["servers"] = [{"url": "/"}]  # at the root, whatever the published servers say
    with connexion_skips_its_check():  # the app checked the contract when it was built
        specification = Specification.load(spec)  # type: ignore[no-untyped-call]
    ui = SwaggerUIMiddleware(app)
    ui.add_api(
        specification,
        swagger_ui_options=SwaggerUIOptions(
            swagger_ui_path=UI_PATH,
            spec_path="/openapi.json",  # the guards serve it first: this copy is never reached
            swagger_ui_template_arguments={
                "urls": [
                    {"url": "/openapi.json", "name": f"{title}: the contract"},
                    {"url": CONTROLS_PATH, "name": "Mock controls: Prefer, personas, admin"},
                ]
            },
        ),
    )
    _no_slash_redirects(ui.router)  # its own `/ui` -> `/ui/` redirect is path-only
    return ui


class SwaggerUI:
    """`/ui` and below go to connexion's Swagger UI, built once; everything else goes on."""

    def __init__(self, app: ASGIApp, *, contract: Contract) -> None:
        self.app = app
        self.contract = contract
        self._ui: ASGIApp | None = None
        self._failure: str | None = None  # why connexion could not build it, once known
        self._lock = threading.Lock()

    def ui(self) -> ASGIApp:
        """The Swagger UI app, built by the first caller (any thread); others wait for it.
        A failed build is remembered: a problem, not another second-long attempt per request."""
        with self._lock:
            if self._ui is None and self._failure is None:
                try:
                    self._ui = build_swagger_ui(self.contract, self.app)
                except Exception as exc:
                    self._failure = f"{type(exc).__name__}: {exc}"[:300]
                    log.exception("Swagger UI cannot load the contract; the API is unaffected")
            if self._ui is None:
                raise ApiProblem(
                    500, f"Swagger UI cannot load this contract ({self._failure}); the API answers."
                )
            return self._ui

    def warm_up(self) -> threading.Thread:
        """Build the UI in a background thread, so it is ready when someone opens it."""

        def build() -> None:
            with contextlib.suppress(ApiProblem):  # logged once in `ui`; /ui answers it
                self.ui()

        thread = threading.Thread(target=build, name="swagger-ui", daemon=True)
        thread.start()
        return thread

    @property
    def ready(self) -> bool:
        return self._ui is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_ui_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in UI_METHODS:
            raise ApiProblem(
                405,
                f"{scope['method']} is not allowed on {scope['path']}.",
                headers={"Allow": ", ".join(UI_METHODS)},
            )
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        ui = self._ui if self._ui is not None else await asyncio.to_thread(self.ui)
        await ui(scope, receive, send)
