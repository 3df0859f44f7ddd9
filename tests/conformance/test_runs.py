"""Runs that finish and mean something: workers, --operation, timeouts, check selection,
baselines, seeds, and nothing written into the caller's directory."""

import os
import re
import socket
import subprocess
import sys
import threading
from collections import Counter

import pytest
from broken.base import ThreadedServer, real_app, serve_variant

from conformance import ConformOptions, run_conformance
from conformance.options import UsageError


def conform(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", "conform", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def mock():
    with ThreadedServer(real_app()) as server:
        yield server


def test_two_workers_finish_without_runtime_errors(mock):
    result = run_conformance(ConformOptions(base_url=mock.url, workers=2, max_examples=5, seed=4))
    assert result.errors == [] and result.passed, result.errors
    assert result.cases > 100 and result.workers == 2


def test_examples_and_coverage_run_on_one_worker_the_rest_on_many():
    from conformance.engine import engine_passes

    phases = ("examples", "coverage", "fuzzing", "stateful")
    assert engine_passes(phases, 1) == [(phases, 1)]
    assert engine_passes(phases, 3) == [(("examples", "coverage"), 1), (("fuzzing", "stateful"), 3)]
    assert engine_passes(("fuzzing",), 2) == [(("fuzzing",), 2)]
    assert engine_passes(("coverage",), 2) == [(("coverage",), 1)]


def test_one_operation_skips_linked_calls_with_a_note_not_an_error(tmp_path, mock):
    result = conform(
        "--base-url", mock.url, "--operation", "GetCustomer", "--max-examples", "3", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "note: linked calls skipped: no link joins the selected operations" in result.stdout
    assert "phases: examples, coverage, fuzzing\n" in result.stdout
    assert list(tmp_path.iterdir()) == []  # no hypothesis database, no cache


def test_both_ends_of_a_link_keep_the_stateful_phase(mock):
    result = run_conformance(
        ConformOptions(
            base_url=mock.url,
            operations=("SearchCustomers", "GetCustomer"),
            phases=("stateful",),
            max_examples=3,
            seed=2,
        )
    )
    assert result.phases == ("stateful",) and result.notes == [] and result.cases > 0


def silent_server():
    """Accepts connections and never answers."""
    sock = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return sock


@pytest.mark.live
def test_request_timeout_applies_to_the_probe():
    sock = silent_server()
    try:
        port = sock.getsockname()[1]
        result = conform("--base-url", f"http://127.0.0.1:{port}", "--request-timeout", "0.5")
    finally:
        sock.close()
    assert result.returncode == 3, result.stdout + result.stderr
    assert re.search(
        r"INCONCLUSIVE: cannot test http://127.0.0.1:\d+: a response took longer than 0.5 s",
        result.stdout,
    )


def test_max_time_stops_the_run_and_says_so(mock):
    result = run_conformance(
        ConformOptions(base_url=mock.url, max_examples=1000, max_time=2, seed=1)
    )
    assert result.stopped_early == "--max-time 2 s reached"
    assert result.cases > 0


@pytest.mark.live
def test_include_and_exclude_checks_by_name():
    with serve_variant("missing_api_version") as server:
        only = run_conformance(
            ConformOptions(
                base_url=server.url,
                max_examples=3,
                seed=1,
                phases=("examples",),
                include_checks=("not_a_server_error", "response_headers_conformance"),
            )
        )
        without = run_conformance(
            ConformOptions(
                base_url=server.url,
                max_examples=3,
                seed=1,
                phases=("examples",),
                # the spec requires the header: schemathesis' own check judges it
                exclude_checks=("response_headers_conformance",),
            )
        )
    assert only.checks == ["not_a_server_error", "response_headers_conformance"]
    assert {c for f in only.failures for c in f.checks} == {"response_headers_conformance"}
    assert "response_headers_conformance" not in without.checks and without.passed


def test_unknown_check_names_are_usage_errors(mock):
    with pytest.raises(UsageError, match="unknown check no_such_check; known: "):
        run_conformance(ConformOptions(base_url=mock.url, include_checks=("no_such_check",)))


@pytest.mark.live
def test_baseline_lists_known_findings_and_fails_only_new_ones(tmp_path):
    baseline = tmp_path / "accepted.json"
    args = ["--max-examples", "4", "--seed", "9", "--phases", "examples,fuzzing"]
    # a known failure (an echo is only our reading now, so no longer fails a run)
    with serve_variant("no_details_missing") as server:
        first = conform("--base-url", server.url, *args, "--write-baseline", str(baseline))
        again = conform("--base-url", server.url, *args, "--baseline", str(baseline))
    with serve_variant("missing_api_version") as server:
        new = conform("--base-url", server.url, *args, "--baseline", str(baseline))
    assert first.returncode == 1 and baseline.is_file()
    assert again.returncode == 0, again.stdout[-3000:]
    assert "== Accepted by the baseline (not failing)" in again.stdout
    assert re.search(r"PASS: .*baselined", again.stdout)
    assert new.returncode == 1 and "no Api-Version header" in new.stdout


def test_the_seed_is_random_printed_and_replays_the_same_cases(mock):
    options = dict(base_url=mock.url, max_examples=4, phases=("examples", "coverage", "fuzzing"))
    first = run_conformance(ConformOptions(**options))
    second = run_conformance(ConformOptions(**options))
    replay = run_conformance(ConformOptions(**options, seed=first.seed))
    assert first.seed != second.seed
    assert Counter(replay.case_digests) == Counter(first.case_digests)
    assert Counter(second.case_digests) != Counter(first.case_digests)
    assert len(first.case_digests) > 50


def test_the_seed_is_printed_for_replay(mock, tmp_path):
    result = conform("--base-url", mock.url, "--max-examples", "2", "--phases", "examples")
    seed = re.search(r"seed (\d+) \(replay with --seed \1\)", result.stdout)
    assert result.returncode == 0 and seed


def test_hypothesis_database_only_where_asked(mock, tmp_path):
    here = tmp_path / "cwd"
    here.mkdir()
    store = tmp_path / "examples-db"
    result = conform(
        "--base-url",
        mock.url,
        "--max-examples",
        "2",
        "--phases",
        "fuzzing",
        "--hypothesis-database",
        str(store),
        cwd=here,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert list(here.iterdir()) == [] and store.is_dir() and any(store.rglob("*"))
    assert os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") is None
