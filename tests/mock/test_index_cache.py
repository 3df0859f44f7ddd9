"""A dataset's index file: built once, checked as it is built, reused while fresh, rebuilt when
anything it was built from changes; and the mock serving from it, workers included."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from live import LiveServer, stop
from ndt_contract import load_contract
from ndt_fixtures import (
    DatasetError,
    Record,
    default_dataset_dir,
    generate,
    generate_dataset,
    write_dataset,
)
from support import AMELIA

from mock_server import dataset_index, index_cache
from mock_server.dataset_check import checked_folder, profile_schema
from mock_server.index_cache import (
    IndexedDataset,
    cache_dir,
    cache_file,
    cache_from,
    folder_source,
    generated_source,
    indexed,
    is_fresh,
    wanted_meta,
)
from mock_server.settings import Settings
from mock_server.state import check_dataset, load_dataset
from mock_server.store import BaseCustomers


@pytest.fixture(scope="module")
def contract():
    return load_contract()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    write_dataset(generate(5, 40), out, seed=5, count=40)
    return out


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"NDT_CACHE_DIR": "/x/ndt"}, Path("/x/ndt")),
        ({"XDG_CACHE_HOME": "/x/cache"}, Path("/x/cache/ndt-customer")),
        ({"XDG_CACHE_HOME": "relative"}, Path.home() / ".cache" / "ndt-customer"),
        ({}, Path.home() / ".cache" / "ndt-customer"),
    ],
)
def test_cache_dir_follows_the_environment(environ, expected):
    assert cache_dir(environ) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, index_cache.CACHE_FROM), ({"NDT_CACHE_FROM": "0"}, 0), ({"NDT_CACHE_FROM": "x"}, 20_000)],
)
def test_cache_threshold(environ, expected):
    assert cache_from(environ) == expected


def test_one_cache_file_per_dataset(tmp_path, folder):
    generated = generated_source(1, 100_000)
    assert cache_file(generated, tmp_path).name == "generated-seed1-100000.sqlite"
    named = cache_file(folder_source(folder), tmp_path).name
    assert named.startswith("folder-") and named == cache_file(folder_source(folder), tmp_path).name


def test_a_folder_source_changes_with_its_files(folder):
    before = folder_source(folder)
    (folder / "tokens.jsonl").write_text(
        (folder / "tokens.jsonl").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert folder_source(folder) != before


def test_freshness_needs_every_wanted_value():
    wanted = {"format": "1", "schema": "abc"}
    assert is_fresh({"format": "1", "schema": "abc", "customers": "9"}, wanted)
    assert not is_fresh({"format": "1", "schema": "abd"}, wanted)
    assert not is_fresh(None, wanted)


def test_the_generator_digest_is_in_a_generated_source():
    assert generated_source(1, 5) == generated_source(1, 5)
    assert generated_source(1, 5)["generator"] == index_cache.generator_digest()


def test_the_generator_digest_covers_every_module_generation_imports():
    """A module the generator comes to import must join GENERATOR_MODULES, or a change to
    it would not rebuild cached datasets."""
    import ast

    here = Path(index_cache.ndt_fixtures.__file__).parent
    for name in index_cache.GENERATOR_MODULES:
        tree = ast.parse((here / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ndt_fixtures"):
                imported = node.module.split(".")[1] if "." in node.module else None
                assert imported is None or imported in index_cache.GENERATOR_MODULES, (
                    name,
                    imported,
                )


def _indexed(folder, contract, tmp_path, schema=None, quiet=True):
    return indexed(
        checked_folder(folder, contract),
        folder_source(folder),
        schema or profile_schema(contract),
        label="test",
        total=50,
        directory=tmp_path / "cache",
        quiet=quiet,
    )


def test_built_once_then_reused(folder, contract, tmp_path, monkeypatch):
    first = _indexed(folder, contract, tmp_path)
    assert isinstance(first, IndexedDataset) and first.index.is_file()
    built = first.index.stat().st_mtime_ns

    def no_rebuild(*_args, **_kwargs):
        raise AssertionError("a fresh index was rebuilt")

    monkeypatch.setattr(index_cache, "build_file", no_rebuild)
    again = _indexed(folder, contract, tmp_path)
    assert again.index == first.index and again.index.stat().st_mtime_ns == built
    assert [r.profile["id"] for r in again.records()] == [
        r.profile["id"] for r in checked_folder(folder, contract).records()
    ]


def test_a_changed_schema_or_dataset_rebuilds(folder, contract, tmp_path):
    first = _indexed(folder, contract, tmp_path)
    meta = dataset_index.read_meta(first.index)
    other_schema = {**profile_schema(contract), "description": "changed"}
    _indexed(folder, contract, tmp_path, schema=other_schema)
    assert dataset_index.read_meta(first.index)["schema"] != meta["schema"]
    _indexed(folder, contract, tmp_path)  # and back
    assert dataset_index.read_meta(first.index) == meta


@pytest.mark.parametrize(
    ("threshold", "workers", "indexed_file"), [("0", 1, True), ("0", 2, True), ("100000", 2, False)]
)
def test_an_unwritable_cache_stops_only_a_start_that_needs_the_file(
    folder, contract, tmp_path, monkeypatch, threshold, workers, indexed_file
):
    """At or over the threshold the file is needed: exit 2. Below it, under --workers, it is
    only a saving: the start goes on with the dataset checked in memory."""
    (tmp_path / "blocked").write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("NDT_CACHE_DIR", str(tmp_path / "blocked"))
    monkeypatch.setenv("NDT_CACHE_FROM", threshold)
    settings = Settings(dataset=folder, workers=workers)
    if indexed_file:
        with pytest.raises(DatasetError, match="cannot write the dataset's index there"):
            load_dataset(settings, contract)
    else:
        dataset = load_dataset(settings, contract)
        assert not isinstance(dataset, IndexedDataset)
        assert check_dataset(dataset) == 50


def test_a_bad_dataset_raises_and_leaves_no_index(folder, contract, tmp_path):
    lines = (folder / "customers.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "customers.jsonl").write_text("".join([*lines, lines[2]]), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"customers\.jsonl:51: id: .* again"):
        _indexed(folder, contract, tmp_path)
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_unwritable_cache_is_a_dataset_error(folder, contract, tmp_path):
    (tmp_path / "cache").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(
        DatasetError, match=r"cannot write the dataset's index there .*NDT_CACHE_DIR"
    ):
        _indexed(folder, contract, tmp_path)


@pytest.mark.parametrize("error", ["unable to open database file", "database or disk is full"])
def test_sqlite_failing_to_write_is_a_dataset_error_too(
    folder, contract, tmp_path, monkeypatch, error
):
    """A folder that exists but refuses writes, or a disk that fills mid-build: SQLite raises
    its own errors there, not OSError."""

    def failing(*_args, **_kwargs):
        raise sqlite3.OperationalError(error)

    monkeypatch.setattr(index_cache, "build_file", failing)
    with pytest.raises(DatasetError, match=rf"cannot write the dataset's index there \({error}\)"):
        _indexed(folder, contract, tmp_path)


def test_building_shows_progress(folder, contract, tmp_path, capsys):
    _indexed(folder, contract, tmp_path, quiet=False)
    err = capsys.readouterr().err
    assert "test: checking and indexing 50 customers into" in err
    assert "test: 100% 50/50" in err and "building the search indexes" in err
    assert "test: index ready in" in err


def test_a_build_removes_partial_files_of_dead_builds(tmp_path):
    abandoned = tmp_path / ".i.sqlite.999999999.partial"
    abandoned.write_bytes(b"half an index")
    dataset_index.build_file(tmp_path / "i.sqlite", list(generate(1, 1)), {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["i.sqlite"]


def test_full_name_keys_never_collide_and_need_both_names():
    key = dataset_index.full_name_key
    assert key("a\x1fb", "c") != key("a", "b\x1fc") and key("a,", "b") != key("a", ",b")
    assert key("james", None) is None and key(None, "smith") is None


def test_meta_of_a_file_that_is_not_an_index(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    assert dataset_index.read_meta(junk) is None
    assert dataset_index.read_meta(tmp_path / "missing.sqlite") is None
    plain = tmp_path / "plain.sqlite"
    sqlite3.connect(plain).execute("CREATE TABLE other(x)").connection.commit()
    assert dataset_index.read_meta(plain) is None


def test_a_repeated_token_is_caught_by_the_last_guard(tmp_path):
    profiles = [r.profile for r in generate(1, 2)][:2]
    records = [Record(profiles[0], "same"), Record(profiles[1], "same")]
    with pytest.raises(DatasetError, match="repeats a customer id or a token"):
        dataset_index.build_file(tmp_path / "i.sqlite", records, {})
    assert list(tmp_path.iterdir()) == []


def test_load_dataset_indexes_in_memory_below_the_threshold(contract, tmp_path, monkeypatch):
    monkeypatch.setenv("NDT_CACHE_DIR", str(tmp_path))
    small = load_dataset(Settings(customers=20), contract)
    assert not isinstance(small, IndexedDataset) and check_dataset(small) == 30
    monkeypatch.setenv("NDT_CACHE_FROM", "30")
    cached = load_dataset(Settings(customers=20), contract, quiet=True)
    assert isinstance(cached, IndexedDataset)
    assert cached.index == tmp_path / "generated-seed1-20.sqlite"
    assert check_dataset(cached) == 30
    base = BaseCustomers(dataset_index.open_read_only(cached.index))
    expected = [r.profile["id"] for r in generate_dataset(1, 20).records()]
    assert [base.rows([n])[n].id for n in range(base.count)] == expected


def test_the_wanted_meta_names_format_source_schema_and_matching(contract):
    meta = wanted_meta({"kind": "generated"}, profile_schema(contract))
    assert set(meta) == {"format", "source", "schema", "matching"}
    assert json.loads(meta["source"]) == {"kind": "generated"}


@pytest.fixture(scope="module")
def served_from_a_file(tmp_path_factory):
    """Two workers over a folder whose index the parent built into the cache (with the
    threshold at 0, so that its progress lines show)."""
    root = tmp_path_factory.mktemp("served")
    folder = root / "data"
    write_dataset(generate(5, 40), folder, seed=5, count=40)
    env = {"NDT_CACHE_DIR": str(root / "cache"), "NDT_CACHE_FROM": "0"}
    server = start_workers(["--dataset", str(folder)], env)
    yield server, root / "cache"
    stop(server)


MOCK = [sys.executable, "-m", "ndt_cli", "mock"]


def start_workers(args: list[str], env: dict[str, str], ready_within: float = 120) -> LiveServer:
    """Like conftest.start_mock, with time for two workers to import and open the index on a
    busy machine (start_mock allows 15 s; the workers need more when CI shares its cores)."""
    process = subprocess.Popen(
        [*MOCK, "--port", "0", "--workers", "2", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        if match:
            server = LiveServer(match.group(1), process, lines)
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
            deadline = time.monotonic() + ready_within
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{server.url}/heartbeat", timeout=1).status_code == 200:
                        return server
                except httpx.HTTPError:
                    time.sleep(0.1)
            break
    process.kill()
    raise RuntimeError("the workers did not start:\n" + "".join(lines))


def test_workers_serve_from_the_index_file(served_from_a_file):
    server, cache = served_from_a_file
    assert [p.name[:7] for p in cache.iterdir()] == ["folder-"]
    output = "".join(server.output)
    assert "checking and indexing 50 customers" in output
    assert "admin changes: shared by the 2 workers" in output
    for _ in range(4):  # the requests spread over both workers
        assert httpx.get(f"{server.url}/customers/{AMELIA.customer_id}").status_code == 200
        found = httpx.post(
            f"{server.url}/customers/search", json={"filter": {"postcode": "n1c4da"}}
        )
        assert AMELIA.customer_id in [c["id"] for c in found.json()["values"]]
    assert httpx.get(f"{server.url}/healthcheck").json()["customers"] == 50


def test_each_worker_serves_swagger_ui_and_prints_no_warning(served_from_a_file):
    """Each worker builds its own Swagger UI (connexion imported in that process), quietly."""
    server, _ = served_from_a_file
    for _ in range(6):  # new connections: both workers
        page = httpx.get(f"{server.url}/ui/", timeout=30)
        assert page.status_code == 200 and "swagger-ui" in page.text
    output = "".join(server.output)
    assert "Warning" not in output and "Traceback" not in output, output


@pytest.mark.live
def test_workers_on_the_committed_dataset_share_one_index_file_kept_for_the_next_start(
    tmp_path,
):
    """Under --workers the threshold does not apply: the parent indexes even 1,010 customers
    into a file (quietly: it takes well under a second) and both workers open it."""
    env = {"NDT_CACHE_DIR": str(tmp_path)}
    written = []
    for _start in ("first", "second"):
        server = start_workers([], env)
        try:
            assert "checking and indexing" not in "".join(server.output)
            for _ in range(4):  # new connections: both workers
                url = f"{server.url}/customers/{AMELIA.customer_id}"
                assert httpx.get(url).status_code == 200
        finally:
            stop(server)
        (index,) = tmp_path.iterdir()
        assert index.name.startswith("folder-")
        written.append(index.stat().st_mtime_ns)
    assert written[0] == written[1]  # the second start opened the first one's file


@pytest.mark.live
def test_workers_on_a_small_dataset_start_when_the_cache_refuses_the_file(tmp_path):
    """Below the threshold the file is a saving, not a need: each worker indexes in memory."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    server = start_workers([], {"NDT_CACHE_DIR": str(blocker / "cache")})
    try:
        for _ in range(4):
            url = f"{server.url}/customers/{AMELIA.customer_id}"
            assert httpx.get(url).status_code == 200
        assert "cannot write" not in "".join(server.output)
    finally:
        stop(server)


@pytest.mark.live
def test_workers_over_an_index_damaged_inside_stop_with_one_line(tmp_path):
    """The parent's check reads the index's meta; the workers read further and fail: they hand
    the reason to the parent, which exits 2 with one line, instead of holding the port open."""
    folder = tmp_path / "data"
    shutil.copytree(default_dataset_dir(), folder)
    cache = tmp_path / "cache"
    env = {**os.environ, "NDT_CACHE_DIR": str(cache)}
    server = start_workers(["--dataset", str(folder)], {"NDT_CACHE_DIR": str(cache)})
    stop(server)
    (index,) = cache.iterdir()
    damaged = bytearray(index.read_bytes())
    for offset in range(900_000, min(1_700_000, len(damaged)), 4096):
        damaged[offset : offset + 200] = b"\xff" * 200
    index.write_bytes(bytes(damaged))
    result = subprocess.run(
        [*MOCK, "--port", "0", "--workers", "2", "--dataset", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == (
        "ndt-customer mock: the dataset's cached index is damaged (database disk image is "
        f"malformed): delete the index files in {cache} and start again"
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_admin_changes_and_reset_over_an_index_file(served_from_a_file):
    server, _ = served_from_a_file
    url = f"{server.url}/__admin/customers/{AMELIA.customer_id}"
    with httpx.Client() as client:  # one connection: one worker
        assert client.delete(url).status_code == 200
        assert client.get(f"{server.url}/customers/{AMELIA.customer_id}").status_code == 404
        assert client.post(f"{server.url}/__admin/reset").json() == {"customers": 50}
        assert client.get(f"{server.url}/customers/{AMELIA.customer_id}").status_code == 200


@pytest.mark.live
def test_a_bad_large_dataset_is_exit_2_with_one_line_and_no_index(folder, tmp_path):
    (folder / "customers.jsonl").write_text(
        (folder / "customers.jsonl").read_text(encoding="utf-8") + "{not json\n", encoding="utf-8"
    )
    env = {"NDT_CACHE_DIR": str(tmp_path / "cache"), "NDT_CACHE_FROM": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", "--dataset", str(folder), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"ndt-customer mock: {folder / 'customers.jsonl'}:51: not JSON")
    )
    assert list((tmp_path / "cache").glob("*")) == []


def test_a_damaged_cached_index_is_one_line_naming_the_cache(tmp_path, monkeypatch, capsys):
    """Garbage inside a cached file whose meta still reads as fresh: SQLite notices on the
    first query, while the app is built; the mock says what to delete, not a traceback."""
    import argparse

    from mock_server import cli

    def damaged(_settings):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setenv("NDT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cli, "build_app", damaged)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args(["--port", "0"])) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ndt-customer mock: the dataset's cached index is damaged (database disk image is "
        f"malformed): delete the index files in {tmp_path / 'cache'} and start again"
    ]
