"""`ndt-customer mock --reload` on copies of the spec and the dataset: an edit is served within
a bounded time, a broken edit is reported (log and a 503 problem) and the next good one serves."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from live import LiveServer, start_mock, stop
from ndt_contract import ContractError, spec_root
from ndt_fixtures import default_dataset_dir
from support import AMELIA

from mock_server.reload import cannot_start, guarded_build, watched_folders
from mock_server.settings import Settings

RELOAD_SECONDS = 30  # bound on one restart on a busy 2-core machine


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("reload")
    spec = root / "spec"
    spec.mkdir()
    source = spec_root()
    shutil.copy(source / "openapi.yaml", spec)
    shutil.copy(source / "behaviours.yaml", spec)
    shutil.copytree(source / "paths", spec / "paths")
    shutil.copytree(source / "components", spec / "components")
    dataset = root / "data"
    shutil.copytree(default_dataset_dir(), dataset)
    return spec / "openapi.yaml", dataset


@pytest.fixture(scope="module")
def server(copies) -> Iterator[LiveServer]:
    spec, dataset = copies
    live = start_mock("--reload", "--spec", str(spec), "--dataset", str(dataset))
    yield live
    stop(live)


def eventually(check: Callable[[], bool], what: str) -> float:
    """Seconds until `check()` holds; fails after RELOAD_SECONDS."""
    started = time.monotonic()
    while time.monotonic() - started < RELOAD_SECONDS:
        try:
            if check():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass  # between two children
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {RELOAD_SECONDS} s")


def description(server: LiveServer) -> str:
    """The served contract's description ("" while the mock cannot start)."""
    response = httpx.get(server.url + "/openapi.json", timeout=2)
    return response.json()["info"]["description"] if response.status_code == 200 else ""


def test_the_banner_names_the_watched_folders(server, copies):
    spec, dataset = copies
    banner = "".join(server.output)
    assert f"reload: watching {spec.parent.resolve()}, {dataset.resolve()}" in banner


def test_edits_are_served_and_a_broken_edit_is_reported_until_fixed(server, copies):
    spec, dataset = copies
    good = spec.read_text(encoding="utf-8")
    assert "RELOADED-ONE" not in description(server)
    spec.write_text(good.replace("A unified interface", "RELOADED-ONE interface"), "utf-8")
    eventually(lambda: "RELOADED-ONE" in description(server), "the edited spec")

    spec.write_text(good + "\nopenapi: [\n", "utf-8")
    eventually(
        lambda: any("the mock cannot start" in line for line in server.output), "the log line"
    )
    eventually(lambda: httpx.get(server.url + "/heartbeat", timeout=2).status_code == 503, "503")
    problem = httpx.get(server.url + "/customers", timeout=2).json()
    assert "openapi.yaml" in problem["detail"] and problem["status"] == 503

    # The fix, and a dataset edit with it (one restart, not two: restarts are the slow part).
    customers = dataset / "customers.jsonl"
    text = customers.read_text(encoding="utf-8")
    assert '"familyName":"Hartley"' in text
    customers.write_text(text.replace('"familyName":"Hartley"', '"familyName":"Hartlee"', 1))
    spec.write_text(good.replace("A unified interface", "RELOADED-TWO interface"), "utf-8")
    eventually(lambda: "RELOADED-TWO" in description(server), "the fixed spec")
    serving = [line for line in server.output if "reload: serving from the current files" in line]
    assert len(serving) >= 3  # the first start, and each good edit since
    url = f"{server.url}/customers/{AMELIA.customer_id}"
    eventually(lambda: httpx.get(url, timeout=2).json().get("familyName") == "Hartlee", "data")


@pytest.mark.live
def test_reload_with_workers_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", "--reload", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--reload runs one process" in result.stderr


def test_watched_folders():
    spec = spec_root().resolve()
    assert watched_folders(Settings()) == [spec, default_dataset_dir().resolve()]
    assert watched_folders(Settings(seed=7)) == [spec]  # a generated dataset has no folder
    inside = Settings(dataset=spec / "data")  # already watched with the spec's folder
    assert watched_folders(inside) == [spec]


def test_a_good_build_says_it_serves_and_a_broken_one_does_not(capsys):
    app = cannot_start("x")
    assert guarded_build(lambda: app) is app
    assert capsys.readouterr().out == "reload: serving from the current files\n"

    def broken():
        raise ContractError("spec/openapi.yaml: bad")

    guarded_build(broken)
    assert "serving" not in capsys.readouterr().out


def test_guarded_build_keeps_other_errors_loud():
    def broken():
        raise RuntimeError("a bug, not an edit")

    with pytest.raises(RuntimeError):
        guarded_build(broken)


def test_cannot_start_answers_a_503_problem_and_completes_its_lifespan():
    asyncio.run(_cannot_start_scenario())


async def _cannot_start_scenario() -> None:
    app = cannot_start("spec.yaml: bad")
    sent: list[dict] = []
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive():
        return inbox.pop(0)

    async def send(message):
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    sent.clear()
    await app({"type": "http", "method": "GET", "path": "/"}, receive, send)
    assert sent[0]["status"] == 503 and b"spec.yaml: bad" in sent[1]["body"]
    assert (b"api-version", b"1.0") in sent[0]["headers"]


def test_the_cannot_start_problem_is_readable_by_a_browser():
    """CORS for the configured origins and the session echoed, like every other answer."""
    asyncio.run(_readable_scenario())


async def _readable_scenario() -> None:
    app = cannot_start("spec.yaml: bad", ("http://localhost:5173",))
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/customers",
        "query_string": b"",
        "headers": [(b"origin", b"http://localhost:5173"), (b"client-session-id", b"s-1")],
    }
    await app(scope, receive, send)
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 503
    assert headers[b"access-control-allow-origin"] == b"http://localhost:5173"
    assert headers[b"client-session-id"] == b"s-1"
    sent.clear()
    preflight = dict(scope, method="OPTIONS")
    preflight["headers"] = [
        (b"origin", b"http://localhost:5173"),
        (b"access-control-request-method", b"GET"),
    ]
    await app(preflight, receive, send)
    assert sent[0]["status"] == 200
