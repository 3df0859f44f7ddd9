"""The Swagger UI is connexion's, built off the event loop: the API never waits for it."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import subprocess
import sys
import threading
import time
from types import MappingProxyType

import httpx
import pytest
from ndt_contract import load_contract
from ndt_fixtures import default_dataset_dir, read_dataset
from support import AMELIA, asgi_request

import mock_server.swagger_ui as swagger_ui
from mock_server.app import MockApp, create_app
from mock_server.problems import ApiProblem
from mock_server.settings import Settings
from mock_server.swagger_ui import SwaggerUI, build_swagger_ui, is_ui_path


class Recorder:
    """The app below the UI layer: records the paths it was given."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        self.paths.append(scope.get("path", scope["type"]))
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})


def call(app, path: str) -> httpx.Response:
    return asgi_request(app, "GET", path)


@pytest.mark.parametrize(
    ("path", "ui"),
    [("/ui", True), ("/ui/", True), ("/ui/index.html", True), ("/uix", False), ("/", False)],
)
def test_ui_paths(path, ui):
    assert is_ui_path(path) is ui


def test_other_paths_go_on_without_building_the_ui(monkeypatch):
    monkeypatch.setattr(swagger_ui, "build_swagger_ui", lambda *_: pytest.fail("built"))
    below = Recorder()
    layer = SwaggerUI(below, contract=load_contract())
    assert call(layer, "/customers/1").status_code == 204
    assert below.paths == ["/customers/1"] and not layer.ready


def test_the_first_ui_request_builds_it_once_and_it_is_kept(monkeypatch):
    built = []

    def build(contract, app):
        built.append(threading.current_thread().name)
        return Recorder()

    monkeypatch.setattr(swagger_ui, "build_swagger_ui", build)
    layer = SwaggerUI(Recorder(), contract=load_contract())
    for _ in range(3):
        assert call(layer, "/ui/").status_code == 204
    assert len(built) == 1 and layer.ready
    assert built[0] != threading.main_thread().name  # built off the event loop's thread


def test_a_ui_request_during_the_warm_up_waits_for_that_one_build(monkeypatch):
    release = threading.Event()
    built = []

    def slow_build(contract, app):
        built.append(1)
        release.wait(5)
        return Recorder()

    monkeypatch.setattr(swagger_ui, "build_swagger_ui", slow_build)
    layer = SwaggerUI(Recorder(), contract=load_contract())
    warm = layer.warm_up()
    threading.Timer(0.2, release.set).start()
    assert call(layer, "/ui/").status_code == 204
    warm.join(5)
    assert built == [1]


def test_a_failed_build_is_logged_once_and_remembered(monkeypatch, caplog):
    attempts = []

    def broken(contract, app):
        attempts.append(1)
        raise ValueError("invalid literal for int() with base 10: '3-rc1'")

    monkeypatch.setattr(swagger_ui, "build_swagger_ui", broken)
    layer = SwaggerUI(Recorder(), contract=load_contract())
    with caplog.at_level(logging.ERROR, logger="ndt.mock"):
        layer.warm_up().join(5)
        for _ in range(3):
            with pytest.raises(ApiProblem) as caught:
                call(layer, "/ui/")
            assert caught.value.status == 500
            assert "ValueError: invalid literal for int()" in caught.value.detail
    assert len(attempts) == 1 and not layer.ready
    assert caplog.text.count("Swagger UI cannot load the contract") == 1


def test_a_contract_connexion_cannot_load_leaves_the_api_answering():
    """`openapi: 3.0.3-rc1` passes the OpenAPI 3.0 schema; connexion cannot parse the version."""
    contract = load_contract()
    document = copy.deepcopy(dict(contract.document))
    document["openapi"] = "3.0.3-rc1"
    odd = dataclasses.replace(contract, document=MappingProxyType(document))
    app = create_app(odd, read_dataset(default_dataset_dir()), Settings())
    for _ in range(2):
        ui = call(app, "/ui/")
        assert ui.status_code == 500 and ui.headers["content-type"] == "application/problem+json"
        assert "Swagger UI cannot load this contract" in ui.json()["detail"]
    assert call(app, f"/customers/{AMELIA.customer_id}").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/ui", "/ui/", "/ui/index.html"])
def test_other_methods_on_ui_paths_are_a_405_problem(method, path):
    app = create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())
    response = asgi_request(app, method, path)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["traceId"].startswith("00-")


def test_a_range_header_is_dropped_and_the_file_served_whole():
    app = create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())
    whole = call(app, "/ui/swagger-ui.css")
    for value in ("bytes=5-1", "bytes=0-9", "items=0-1", "bytes=abc"):
        response = asgi_request(app, "GET", "/ui/swagger-ui.css", headers={"Range": value})
        assert response.status_code == 200 and response.content == whole.content, value


def test_the_built_ui_serves_the_page_and_its_redirect_is_path_only():
    ui = build_swagger_ui(load_contract(), Recorder())
    page = call(ui, "/ui/")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert '"url": "/__mock/controls.json"' in page.text
    redirect = call(ui, "/ui")
    assert redirect.status_code == 307 and redirect.headers["location"] == "/ui/"  # path-only


def test_the_ui_loads_the_contract_without_connexions_slow_check(monkeypatch):
    from connexion.spec import Specification

    def refuse(cls, spec):
        raise AssertionError("connexion re-checked the contract")

    monkeypatch.setattr(Specification, "_validate_spec", classmethod(refuse))
    build_swagger_ui(load_contract(), Recorder())


@pytest.mark.live
def test_the_api_answers_before_connexion_is_imported_and_the_ui_after():
    """In a fresh process: a GetCustomer through the whole stack imports no connexion; the
    first /ui request builds the UI (connexion imported then)."""
    code = f"""
import asyncio, sys, httpx
from ndt_contract import load_contract
from ndt_fixtures import default_dataset_dir, read_dataset
from mock_server.app import create_app
from mock_server.settings import Settings

app = create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())

async def get(path):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return (await client.get(path)).status_code

print(asyncio.run(get("/customers/{AMELIA.customer_id}")), "connexion" in sys.modules)
print(asyncio.run(get("/ui/")), "connexion" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split("\n")[:2] == ["200 False", "200 True"], result.stderr


def lifespan(app: MockApp, *messages: str) -> list[str]:
    inbox = [{"type": f"lifespan.{m}"} for m in messages]
    sent: list[str] = []

    async def receive():
        return inbox.pop(0)

    async def send(message):
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan"}, receive, send))
    return sent


def test_through_the_stack_an_unknown_ui_path_is_a_404_problem():
    app = create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())
    for path in ("/ui/nothing-here", "/ui/openapi.json"):
        response = call(app, path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["traceId"].startswith("00-")


def test_startup_starts_the_warm_up_and_shutdown_completes():
    app = create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())
    assert app.swagger_ui is not None and not app.swagger_ui.ready
    sent = lifespan(app, "startup", "shutdown")
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    deadline = time.monotonic() + 30
    while not app.swagger_ui.ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.swagger_ui.ready


def test_an_app_without_a_ui_layer_still_speaks_lifespan():
    below = Recorder()
    app = MockApp([lambda inner: below], state=None)  # type: ignore[arg-type]
    assert app.swagger_ui is None
    assert lifespan(app, "startup", "shutdown") == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert below.paths == []


def test_a_websocket_below_the_pipeline_is_closed():
    app = create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())
    sent = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app({"type": "websocket", "path": "/ws", "headers": []}, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1000}]
