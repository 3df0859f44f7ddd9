"""The personas a mock offers are the ones its dataset holds: declared in manifest.json,
derived from the built-in ones it holds, or none. Unit tests per branch, then real mocks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import start_mock, stop
from ndt_fixtures import PERSONAS, DatasetError, generate, write_dataset
from ndt_fixtures.personas import PERSONA_IDS
from support import AMELIA, bearer

from mock_server.dataset_personas import (
    DatasetPersona,
    PersonaSet,
    dataset_personas,
    declared,
    derived,
    name_searches,
)
from mock_server.store import stored

pytestmark = pytest.mark.live  # starts servers or processes on loopback


class FakeCustomers:
    def __init__(self, profiles: list[dict], tokens: dict[str, str]) -> None:
        self.by_id = {p["id"]: stored(p) for p in profiles}
        self.tokens = tokens

    def get(self, customer_id: str):
        return self.by_id.get(customer_id)

    def token_owner(self, token: str):
        return self.tokens.get(token)


AMELIA_HELD = FakeCustomers([AMELIA.profile], {AMELIA.token: AMELIA.customer_id})


def test_name_searches_need_both_names():
    assert name_searches({"givenName": "A", "familyName": "B"}) == (
        {"givenName": "A", "familyName": "B"},
    )
    assert name_searches({"givenName": "A", "familyName": ""}) == ()


def test_derived_keeps_the_built_in_personas_the_dataset_holds():
    (found,) = derived(PERSONAS, AMELIA_HELD)
    assert found == DatasetPersona(
        AMELIA.key, AMELIA.story, AMELIA.customer_id, AMELIA.token, False, tuple(AMELIA.searches)
    )


def test_derived_drops_a_token_the_dataset_does_not_know():
    (found,) = derived(PERSONAS, FakeCustomers([AMELIA.profile], {}))
    assert found.token is None


def test_declared_personas_are_taken_as_written():
    entries = [
        {"key": "mine", "story": "my story", "id": AMELIA.customer_id, "token": AMELIA.token}
    ]
    (found,) = declared(entries, AMELIA_HELD)
    assert (found.key, found.story, found.token) == ("mine", "my story", AMELIA.token)
    assert found.as_json()["id"] == AMELIA.customer_id and found.as_json()["noAccount"] is False


def test_a_declared_persona_without_a_token_has_none():
    (found,) = declared([{"key": "k", "story": "s", "id": AMELIA.customer_id}], AMELIA_HELD)
    assert found.token is None


def test_a_declared_persona_the_dataset_lacks_is_an_error():
    with pytest.raises(DatasetError, match=r"personas\[0\]: no customer 1"):
        declared([{"key": "k", "story": "s", "id": "1"}], AMELIA_HELD)


def test_a_declared_token_of_another_customer_is_an_error():
    entries = [{"key": "k", "story": "s", "id": AMELIA.customer_id, "token": "t-other"}]
    with pytest.raises(DatasetError, match=r"personas\[0\]: token: not"):
        declared(entries, AMELIA_HELD)


def test_dataset_personas_says_where_they_came_from():
    assert (
        dataset_personas({}, AMELIA_HELD).summary()
        == "1 (the built-in personas this dataset holds)"
    )
    none = dataset_personas({}, FakeCustomers([], {}))
    assert none == PersonaSet((), "this dataset holds no built-in persona and declares none")
    assert none.summary().startswith("none (")
    empty = dataset_personas({"personas": []}, AMELIA_HELD)
    assert empty.personas == () and empty.source == "declared in manifest.json"


def _own_dataset(folder: Path, manifest: dict | None) -> list[dict]:
    """A dataset of one's own: a generated crowd without any built-in persona."""
    write_dataset(generate(3, 5), folder, seed=3, count=5)
    customers = [json.loads(line) for line in (folder / "customers.jsonl").read_text().splitlines()]
    tokens = [json.loads(line) for line in (folder / "tokens.jsonl").read_text().splitlines()]
    crowd = [c for c in customers if c["id"] not in PERSONA_IDS]
    rows = [t for t in tokens if t["customerId"] not in PERSONA_IDS]
    (folder / "customers.jsonl").write_text("".join(json.dumps(c) + "\n" for c in crowd))
    (folder / "tokens.jsonl").write_text("".join(json.dumps(t) + "\n" for t in rows))
    (folder / "manifest.json").unlink()
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return crowd


def _advertised(server) -> tuple[str, list[dict], str]:
    banner = "".join(server.output)
    with server.client() as client:
        personas = client.get("/__admin/personas").json()["personas"]
        controls = client.get("/__mock/controls.json").text
    return banner, personas, controls


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_dataset_of_ones_own_never_advertises_the_built_in_personas(tmp_path, workers):
    _own_dataset(tmp_path / "own", manifest=None)
    server = start_mock(
        "--dataset",
        str(tmp_path / "own"),
        "--workers",
        workers,
        env={"NDT_CACHE_DIR": str(tmp_path)},
    )
    try:
        banner, personas, controls = _advertised(server)
    finally:
        stop(server)
    assert personas == []
    assert "personas: none (this dataset holds no built-in persona and declares none)" in banner
    for persona in PERSONAS:
        assert persona.customer_id not in banner
        assert persona.token is None or persona.token not in controls
    assert "offers no persona with a token" in controls


def test_personas_declared_in_the_manifest_are_the_ones_offered(tmp_path):
    folder = tmp_path / "own"
    crowd = _own_dataset(folder, manifest=None)
    rows = [json.loads(line) for line in (folder / "tokens.jsonl").read_text().splitlines()]
    token = next(r["token"] for r in rows if r["customerId"] == crowd[0]["id"])
    declared_personas = [
        {"key": "first", "story": "the first of my crowd", "id": crowd[0]["id"], "token": token},
        {"key": "second", "story": "no token listed", "id": crowd[1]["id"]},
    ]
    (folder / "manifest.json").write_text(
        json.dumps({"format": 1, "customers": len(crowd), "personas": declared_personas})
    )
    server = start_mock("--dataset", str(folder))
    try:
        banner, personas, controls = _advertised(server)
        by_token = httpx.get(f"{server.url}/customers", headers=bearer(token))
        listed = httpx.get(f"{server.url}/customers/{crowd[1]['id']}")
    finally:
        stop(server)
    assert [(p["key"], p["id"], p["token"]) for p in personas] == [
        ("first", crowd[0]["id"], token),
        ("second", crowd[1]["id"], None),
    ]
    assert "personas: 2 (declared in manifest.json), all at /__admin/personas" in banner
    assert f"first                  GET {server.url}/customers/{crowd[0]['id']}" in banner
    assert token in controls and AMELIA.token not in controls
    assert by_token.json()["id"] == crowd[0]["id"] and listed.status_code == 200


def test_a_declared_persona_the_files_lack_is_exit_2_with_one_line(tmp_path):
    folder = tmp_path / "own"
    _own_dataset(folder, {"personas": [{"key": "k", "story": "s", "id": AMELIA.customer_id}]})
    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", "--port", "0", "--dataset", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"personas[0]: id: no customer {AMELIA.customer_id} in customers.jsonl" in line


def test_the_committed_dataset_offers_its_ten_personas(mock):
    assert "personas: 10 (the built-in personas this dataset holds)" in "".join(mock.output)
    personas = httpx.get(f"{mock.url}/__admin/personas").json()["personas"]
    assert [p["key"] for p in personas] == [p.key for p in PERSONAS]
    assert [p["token"] for p in personas] == [p.token for p in PERSONAS]
