"""`ndt-customer mock --reload`: what to watch, and the app each restart builds.

The mock serves what it read at start (the spec, the dataset), so those folders are watched:
the spec's own folder (`--spec`'s, or the bundled spec's) and the dataset's (`--dataset`, or
the committed default; a generated dataset has no folder). uvicorn's reloader (watchfiles)
starts a new child process on a change. A child that cannot build the mock from the edited
files (a broken edit) logs one line saying why and answers every request with a 503 problem
carrying that line (with `Api-Version` and the `Client-Session-Id` echo), instead of dying
with a traceback and leaving clients hanging on a socket nobody accepts from; the reloader
keeps watching, and the next good edit serves again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from ndt_contract import ContractError, spec_root
from ndt_fixtures import DatasetError, default_dataset_dir
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.asgi import header, send_response
from mock_server.boot import app_from_env, settings_from_env
from mock_server.conventions import API_VERSION
from mock_server.offcontract import ControlsError
from mock_server.problems import ApiProblem, ProblemCatalogue, new_trace_id, render_problem
from mock_server.settings import Settings

WATCHED_FILES = ["*.yaml", "*.yml", "*.json", "*.jsonl"]
FACTORY = "mock_server.reload:app_for_reload"
BUILD_ERRORS = (ContractError, DatasetError, ControlsError)
log = logging.getLogger("uvicorn.error")  # uvicorn's own log: what a --reload user reads


def watched_folders(settings: Settings) -> list[Path]:
    spec = settings.spec if settings.spec is not None else spec_root() / "openapi.yaml"
    folders = [spec.resolve().parent]
    if settings.dataset is not None:
        folders.append(settings.dataset.resolve())
    elif settings.uses_default_dataset:
        folders.append(default_dataset_dir().resolve())
    # A dataset inside the spec's folder is already watched.
    return [f for i, f in enumerate(folders) if not any(f.is_relative_to(o) for o in folders[:i])]


def reload_config(settings: Settings, options: dict[str, Any]) -> tuple[uvicorn.Config, list[Path]]:
    """uvicorn's Config for a reloading mock (the child builds it through `FACTORY`)."""
    folders = watched_folders(settings)
    config = uvicorn.Config(
        FACTORY,
        factory=True,
        reload=True,
        reload_dirs=[str(f) for f in folders],
        reload_includes=WATCHED_FILES,
        **options,
    )
    return config, folders


def cannot_start(reason: str, cors_origins: tuple[str, ...] = ()) -> ASGIApp:
    """What a child serves while the watched files are broken: a 503 problem saying why,
    with the mock's conventions a browser needs to read it (CORS for the configured origins,
    Client-Session-Id echoed), so a frontend shows the reason, not a network error."""
    detail = f"The mock cannot start from the edited files: {reason}. Fix them and save."

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()  # startup
            await send({"type": "lifespan.startup.complete"})
            await receive()  # shutdown
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        status, body, headers = render_problem(
            ProblemCatalogue(), ApiProblem(503, detail), new_trace_id()
        )
        headers["Api-Version"] = API_VERSION
        session = header(scope, "client-session-id")
        if session is not None:
            headers["Client-Session-Id"] = session
        await send_response(send, status, body, headers)

    if not cors_origins:
        return app
    from mock_server.cors import CORS, cors_options

    return CORS(app, **cors_options(cors_origins))


def guarded_build(build: Callable[[], ASGIApp], cors_origins: tuple[str, ...] = ()) -> ASGIApp:
    try:
        app = build()
    except BUILD_ERRORS as exc:
        reason = " ".join(str(exc).split())  # one line, YAML error excerpts included
        log.error("--reload: the mock cannot start: %s (still watching; fix and save)", reason)
        return cannot_start(reason, cors_origins)
    # The line a user waits for after a save (uvicorn's own startup lines are below the
    # mock's log level).
    print("reload: serving from the current files", flush=True)
    return app


def app_for_reload() -> ASGIApp:
    """uvicorn's factory in the reloading child: the mock, or the problem that stops it."""
    return guarded_build(app_from_env, settings_from_env().cors_origins)
