"""Settings -> app: the one way a mock is built, in this process or in a child.

The CLI builds the app here in its own process; a worker (`--workers`) and a reloading child
(`--reload`) receive the parent's settings through the environment and build it here too, from
the same settings, seed and data. The CLI and `reload` both import this module and neither
imports the other's factory, so there is no import circle between them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ndt_contract import ContractError
from ndt_fixtures import DatasetError

from mock_server.faults import LatencyRange
from mock_server.overlay import StateError
from mock_server.server import uvicorn_options
from mock_server.settings import Settings

if TYPE_CHECKING:  # the app's modules are imported when an app is built, not for --help
    from mock_server.app import MockApp
    from mock_server.dataset_personas import PersonaSet

SETTINGS_ENV = "NDT_MOCK_SETTINGS"  # how worker processes receive the parent's settings
FAILURE_ENV = "NDT_MOCK_FAILURE"  # where a worker that cannot start leaves its reason
WORKER_FACTORY = "mock_server.boot:worker_app"
START_ERRORS = (DatasetError, ContractError, sqlite3.DatabaseError, StateError)


def build_app(settings: Settings) -> MockApp:
    from ndt_contract import load_contract
    from ndt_contract.openapi_check import check_openapi

    from mock_server.app import create_app
    from mock_server.state import load_dataset

    contract = load_contract(settings.spec)
    check_openapi(contract)  # before the dataset is checked against its profile schema
    return create_app(contract, load_dataset(settings, contract), settings)


def check_dataset(settings: Settings) -> PersonaSet:
    """Read and check the whole dataset once (the parent, before forking workers); its
    personas, for the banner."""
    from ndt_contract import load_contract
    from ndt_contract.openapi_check import check_openapi

    from mock_server.dataset_personas import dataset_personas
    from mock_server.state import load_dataset, open_base

    contract = load_contract(settings.spec)
    check_openapi(contract)
    dataset = load_dataset(settings, contract)
    return dataset_personas(dataset.manifest, open_base(dataset))  # the base is the check


def app_personas(app: MockApp) -> PersonaSet:
    from mock_server.dataset_personas import dataset_personas

    return dataset_personas(app.state.dataset.manifest, app.state.store.base)


def check_state(settings: Settings) -> None:
    """Reach `--state` once in the parent: an unreachable Redis is one line, before workers."""
    if settings.state is not None:
        from mock_server.state_backend import open_state

        open_state(settings.state, "check").close()


def shared_by_workers(settings: Settings, scratch: str) -> Settings:
    """The workers' settings: without `--state`, one SQLite state file for this run, created
    empty in the run's private folder (gone when it ends; a restart starts from the dataset)."""
    if settings.state is not None:
        return settings
    from mock_server.overlay_sqlite import create

    return replace(settings, state=create(Path(scratch) / "state.sqlite"))


def settings_to_env(settings: Settings) -> str:
    """The settings as the JSON a child process reads back with `settings_from_env`."""
    data = asdict(settings)
    data["dataset"] = str(settings.dataset) if settings.dataset else None
    data["spec"] = str(settings.spec) if settings.spec else None
    data["latency"] = (
        [settings.latency.min_ms, settings.latency.max_ms] if settings.latency else None
    )
    data["cors_origins"] = list(settings.cors_origins)
    return json.dumps(data)


def settings_from_env() -> Settings:
    data = json.loads(os.environ[SETTINGS_ENV])
    data["dataset"] = Path(data["dataset"]) if data["dataset"] else None
    data["spec"] = Path(data["spec"]) if data["spec"] else None
    data["latency"] = LatencyRange(*data["latency"]) if data["latency"] else None
    data["cors_origins"] = tuple(data["cors_origins"])
    return Settings(**data)


def start_failure(exc: Exception) -> str:
    """The one line a start that cannot build the app ends with."""
    if isinstance(exc, sqlite3.DatabaseError):  # a cached index damaged inside, its meta intact
        from mock_server.index_cache import cache_dir

        return (
            f"the dataset's cached index is damaged ({exc}): delete the index files in "
            f"{cache_dir()} and start again"
        )
    return str(exc)


def app_from_env() -> MockApp:
    """The app from the parent's settings (a worker's, or a reload child's): same settings,
    same seed, same data."""
    settings = settings_from_env()
    uvicorn_options(settings.read_timeout, settings.max_header_bytes)  # this process's limits
    return build_app(settings)


def worker_app() -> MockApp:
    """uvicorn's factory in each worker process. A worker that cannot build the app (an index
    damaged past what the parent's check reads) hands its reason to the parent and stops it:
    uvicorn would otherwise keep the port open, serving nothing."""
    try:
        return app_from_env()
    except START_ERRORS as exc:
        Path(os.environ[FAILURE_ENV]).write_text(start_failure(exc), encoding="utf-8")
        os.kill(os.getppid(), signal.SIGTERM)
        raise SystemExit(2) from None
