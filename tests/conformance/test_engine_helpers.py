"""Direct tests of conformance.engine's pure helpers: phases, passes, checks, links, storage."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import schemathesis.specs.openapi.checks  # noqa: F401  (registers schemathesis' own checks)
from ndt_contract import Operation
from schemathesis.checks import CHECKS

from conformance import engine
from conformance.checks import REGISTRY
from conformance.engine import (
    PHASE_TITLES,
    SINGLE_WORKER_PHASES,
    _linked_operations,
    active_checks,
    cache_directory,
    engine_passes,
    hypothesis_storage,
    plan_phases,
)
from conformance.options import ALL_PHASES, ConformOptions, UsageError


def op(operation_id: str, *links_to: str, status: str = "200") -> Operation:
    links = {f"to{target}": {"operationId": target} for target in links_to}
    responses = {status: {"description": "x", **({"links": links} if links else {})}}
    return Operation(operation_id, "get", f"/{operation_id}", {"responses": responses})


CONTRACT = SimpleNamespace(
    operations={
        "Search": op("Search", "Get", "Audit"),
        "Get": op("Get"),
        "Audit": op("Audit", "Get", status="404"),
        "Alone": op("Alone"),
    }
)


def test_links_are_read_from_every_response_of_every_operation():
    assert _linked_operations(CONTRACT) == {"Search": {"Get", "Audit"}, "Audit": {"Get"}}


def test_links_without_a_target_or_with_empty_parts_are_ignored():
    odd = Operation(
        "Odd",
        "get",
        "/odd",
        {
            "responses": {
                "200": {"links": {"a": {"operationRef": "#/paths/x"}, "b": None}},
                "404": None,
                "500": {"links": None},
            }
        },
    )
    assert _linked_operations(SimpleNamespace(operations={"Odd": odd})) == {}


def test_the_real_contract_links_search_to_get_customer():
    from checks.fake import VIEWS

    assert _linked_operations(VIEWS.contract) == {"SearchCustomers": {"GetCustomer"}}


def options(**kw) -> ConformOptions:
    return ConformOptions(base_url="http://127.0.0.1:1", **kw)


def test_all_operations_keep_every_phase_without_notes():
    assert plan_phases(options(), CONTRACT) == (ALL_PHASES, [])


def test_both_ends_of_a_link_keep_the_stateful_phase():
    assert plan_phases(options(operations=("Search", "Get")), CONTRACT) == (ALL_PHASES, [])
    assert plan_phases(options(operations=("Audit", "Get")), CONTRACT)[0] == ALL_PHASES


@pytest.mark.parametrize(
    "chosen",
    [("Search",), ("Get",), ("Get", "Alone"), ("Alone",)],
)
def test_without_a_link_between_the_chosen_operations_stateful_is_dropped_with_a_note(chosen):
    phases, notes = plan_phases(options(operations=chosen), CONTRACT)
    assert phases == ("examples", "coverage", "fuzzing")
    assert notes == [
        "linked calls skipped: no link joins the selected operations "
        f"({', '.join(sorted(chosen))}); select both ends of a link to test it"
    ]


def test_without_the_stateful_phase_there_is_nothing_to_plan():
    assert plan_phases(options(operations=("Alone",), phases=("examples",)), CONTRACT) == (
        ("examples",),
        [],
    )


@pytest.mark.parametrize("workers", [0, 1])
def test_one_worker_is_one_pass(workers):
    assert engine_passes(ALL_PHASES, workers) == [(ALL_PHASES, 1)]


def test_several_workers_run_the_single_worker_phases_first_on_one():
    assert SINGLE_WORKER_PHASES == ("examples", "coverage")
    assert engine_passes(ALL_PHASES, 4) == [
        (("examples", "coverage"), 1),
        (("fuzzing", "stateful"), 4),
    ]


def test_an_empty_group_is_not_a_pass():
    assert engine_passes(("fuzzing",), 2) == [(("fuzzing",), 2)]
    assert engine_passes(("coverage",), 2) == [(("coverage",), 1)]
    assert engine_passes((), 2) == []


def test_every_phase_has_a_title():
    assert set(ALL_PHASES) <= set(PHASE_TITLES)


SCHEMATHESIS = set(CHECKS.get_all_names())
OURS = set(REGISTRY)


def test_by_default_every_check_ours_and_schemathesis_runs():
    assert active_checks(options()) == sorted(SCHEMATHESIS | OURS)
    assert {"response_schema_conformance", "token_identity"} <= set(active_checks(options()))


def test_include_checks_narrows_the_run():
    chosen = ("token_identity", "not_a_server_error")
    assert active_checks(options(include_checks=chosen)) == sorted(chosen)


def test_include_all_is_every_check():
    assert active_checks(options(include_checks=("all",))) == sorted(SCHEMATHESIS | OURS)


def test_exclude_checks_removes_from_whatever_is_included():
    assert "token_identity" not in active_checks(options(exclude_checks=("token_identity",)))
    chosen = options(
        include_checks=("token_identity", "problem_details"), exclude_checks=("problem_details",)
    )
    assert active_checks(chosen) == ["token_identity"]


def test_max_response_time_adds_its_check_unless_excluded():
    assert "max_response_time" not in active_checks(options())
    only = active_checks(options(include_checks=("token_identity",), max_response_time=1.0))
    assert only == ["max_response_time", "token_identity"]
    excluded = active_checks(options(max_response_time=1.0, exclude_checks=("max_response_time",)))
    assert "max_response_time" not in excluded


@pytest.mark.parametrize(
    "field,names", [("include_checks", ("nope", "zzz")), ("exclude_checks", ("nope",))]
)
def test_an_unknown_check_name_is_a_usage_error_listing_the_known_ones(field, names):
    with pytest.raises(UsageError) as caught:
        active_checks(options(**{field: names}))
    message = str(caught.value)
    assert message.startswith(f"unknown check {', '.join(sorted(names))}; known: ")
    assert "response_schema_conformance" in message and "token_identity" in message


def test_schemathesis_checks_are_known_before_anything_imported_them(monkeypatch):
    saved = dict(CHECKS._items)
    # A fresh process: only the checks schemathesis registers on import of its core.
    CHECKS._items = {"not_a_server_error": saved["not_a_server_error"]}
    monkeypatch.delitem(sys.modules, "schemathesis.specs.openapi.checks")
    try:
        assert active_checks(options(include_checks=("response_schema_conformance",))) == [
            "response_schema_conformance"
        ]
    finally:
        CHECKS._items = saved


def test_the_cache_directory_follows_xdg_and_falls_back_to_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_directory() == tmp_path / "ndt-customer" / "hypothesis"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_directory() == tmp_path / "home" / ".cache" / "ndt-customer" / "hypothesis"


@pytest.fixture
def no_warming(monkeypatch):
    warmed = []
    monkeypatch.setattr(engine, "_warm_hypothesis", lambda: warmed.append(True))
    return warmed


def test_storage_points_hypothesis_at_the_asked_directory_and_restores_the_old_value(
    monkeypatch, tmp_path, no_warming
):
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", "/previous")
    target = tmp_path / "db" / "deep"
    with hypothesis_storage(options(hypothesis_database=target)):
        assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == str(target)
        assert target.is_dir()
    assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == "/previous"
    assert no_warming == [True]


def test_storage_unset_before_is_unset_after_even_on_error(monkeypatch, tmp_path, no_warming):
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(RuntimeError), hypothesis_storage(options()):
        assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == str(cache_directory())
        raise RuntimeError
    assert "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ


def test_storage_falls_back_to_a_temporary_directory_when_the_target_cannot_be_made(
    monkeypatch, tmp_path, no_warming
):
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with hypothesis_storage(options(hypothesis_database=blocker / "db")):
        used = Path(os.environ["HYPOTHESIS_STORAGE_DIRECTORY"])
        assert used.is_dir() and used.name.startswith("ndt-conform-")
    used.rmdir()
