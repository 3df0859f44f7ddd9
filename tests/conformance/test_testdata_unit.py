"""Direct tests of conformance.testdata (test data files, mock discovery, examples put into the
spec) and conformance.report.baseline (accepted findings)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from report_samples import DRIFT, FAILURE, result

from conformance import testdata
from conformance.checks import Identity
from conformance.options import UsageError
from conformance.report.baseline import FORMAT, apply_baseline, read_fingerprints, write_baseline
from conformance.testdata import (
    MOCK_TOKEN_PERSONA,
    apply_to_spec,
    discover_mock,
    load_testdata,
)

Data = testdata.TestData  # not named Test*: pytest would try to collect it
URL = "https://staging.example/customer-service"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "testdata.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_flat_file(tmp_path):
    path = write(tmp_path, "customerIds: ['1', '2']\nsearchFilters:\n  - {familyName: Smith}\n")
    assert load_testdata(path, URL) == Data(("1", "2"), ({"familyName": "Smith"},), None, str(path))


def test_an_empty_file_is_no_data(tmp_path):
    assert load_testdata(write(tmp_path, ""), URL) == Data(source=str(tmp_path / "testdata.yaml"))


def test_the_environment_whose_base_url_is_the_target_is_chosen(tmp_path):
    path = write(
        tmp_path,
        "environments:\n"
        "  dev: {baseUrl: 'https://dev.example', customerIds: ['d']}\n"
        f"  stg: {{baseUrl: '{URL.upper()}/', customerIds: ['s']}}\n",
    )
    data = load_testdata(path, URL)
    assert data.customer_ids == ("s",) and data.source == f"{path} [stg]"


def test_no_matching_environment_lists_the_known_ones(tmp_path):
    path = write(tmp_path, "environments:\n  dev: {baseUrl: 'https://dev.example'}\n  bad: 3\n")
    with pytest.raises(UsageError) as caught:
        load_testdata(path, URL)
    assert (
        str(caught.value)
        == f"{path}: no environment has baseUrl {URL}; known: dev (https://dev.example)"
    )


def test_no_environments_at_all_says_none(tmp_path):
    path = write(tmp_path, "environments:\n")
    with pytest.raises(UsageError, match=r"known: none$"):
        load_testdata(path, URL)


@pytest.mark.parametrize(
    "text,message",
    [
        ("- a\n- b\n", "expected a mapping with customerIds and searchFilters"),
        ("customerIds: [1]\n", "customerIds must be strings and searchFilters mappings"),
        ("searchFilters: [Smith]\n", "customerIds must be strings and searchFilters mappings"),
        ("tokens: {a: b}\n", "tokens must be a list of {tokenEnv, customerId, noAccount}"),
        (
            "tokens: [{customerId: '1'}]\n",
            "every tokens entry needs tokenEnv and a customerId string",
        ),
        (
            "tokens: [{tokenEnv: T, customerId: 1}]\n",
            "every tokens entry needs tokenEnv and a customerId string",
        ),
    ],
)
def test_malformed_files_are_usage_errors(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_testdata(path, URL)
    assert str(caught.value) == f"{path}: {message}"


def test_unreadable_yaml_is_a_usage_error(tmp_path):
    path = write(tmp_path, "customerIds: [\n")
    with pytest.raises(UsageError, match="cannot read test data"):
        load_testdata(path, URL)
    with pytest.raises(UsageError, match="cannot read test data"):
        load_testdata(tmp_path / "missing.yaml", URL)


def test_tokens_come_from_the_environment_with_whose_they_are(tmp_path, monkeypatch):
    monkeypatch.setenv("T_MAIN", "main-token")
    monkeypatch.setenv("T_OTHER", "other-token")
    path = write(
        tmp_path,
        "tokenEnv: T_MAIN\ncustomerId: '7'\nnoAccount: true\n"
        "tokens:\n  - {tokenEnv: T_OTHER, customerId: '8'}\n  - {tokenEnv: T_MAIN, customerId: '9'}\n",
    )
    data = load_testdata(path, URL)
    assert (data.token, data.token_env) == ("main-token", "T_MAIN")
    # the tokens list wins over the flat customerId for the same token
    assert data.identities == {
        "other-token": Identity("8", False),
        "main-token": Identity("9", False),
    }
    assert "main-token" not in repr(data)


def test_the_flat_token_names_its_customer_when_the_list_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("T_MAIN", "main-token")
    data = load_testdata(write(tmp_path, "tokenEnv: T_MAIN\ncustomerId: 7\nnoAccount: 1\n"), URL)
    assert data.identities == {"main-token": Identity("7", True)}


def test_an_unset_token_variable_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("T_UNSET", raising=False)
    with pytest.raises(UsageError, match="T_UNSET"):
        load_testdata(write(tmp_path, "tokenEnv: T_UNSET\n"), URL)


PERSONAS = [
    {
        "key": "multi-account",
        "id": "1",
        "token": "t1" * 10,
        "noAccount": False,
        "searches": [{"givenName": "A", "familyName": "B"}],
    },
    {"key": MOCK_TOKEN_PERSONA, "id": "2", "token": "t2" * 10, "noAccount": True, "searches": []},
    {"key": "no-email", "id": "3", "token": None, "searches": ["not a mapping"]},
]


CONTROLS = {"info": {"title": "Customer mock: controls"}, "paths": {"/__admin/personas": {}}}
LOOPBACK = "http://127.0.0.1:8080"


def client(handler, controls=CONTROLS) -> httpx.Client:
    """A target answering the controls document as our mock does, and `handler` otherwise."""

    def route(request):
        if request.url.path == "/__mock/controls.json":
            return httpx.Response(200, json=controls)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(route))


def test_discover_mock_reads_the_personas():
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, json={"personas": PERSONAS})

    data = discover_mock("http://127.0.0.1:8080/", client(handler))
    assert seen == ["http://127.0.0.1:8080/__admin/personas"]
    assert data == Data(
        ("1", "2", "3"),
        ({"givenName": "A", "familyName": "B"},),
        "t2" * 10,
        "mock personas",
        identities={"t1" * 10: Identity("1", False), "t2" * 10: Identity("2", True)},
    )


def test_only_a_loopback_target_is_asked():
    seen = []
    answer = client(lambda r: seen.append(r) or httpx.Response(200, json={"personas": PERSONAS}))
    assert discover_mock("http://mock.example.test", answer) is None and seen == []


@pytest.mark.parametrize(
    "controls",
    [
        {"info": {"title": "Other"}, "paths": {"/__admin/personas": {}}},
        {"info": {"title": "Customer mock: controls"}, "paths": {}},
        ["not a document"],
    ],
)
def test_a_target_that_does_not_describe_our_mock_is_not_asked(controls):
    answer = client(lambda r: httpx.Response(200, json={"personas": PERSONAS}), controls)
    assert discover_mock(LOOPBACK, answer) is None


def test_too_many_personas_are_not_our_mock():
    many = [{"key": f"p{n}", "id": str(n), "token": "t" * 20} for n in range(101)]
    answer = client(lambda r: httpx.Response(200, json={"personas": many}))
    assert discover_mock(LOOPBACK, answer) is None


def test_short_tokens_are_never_used():
    short = [{"key": MOCK_TOKEN_PERSONA, "id": "1", "token": "e"}]
    data = discover_mock(LOOPBACK, client(lambda r: httpx.Response(200, json={"personas": short})))
    assert data is not None and data.token is None and data.identities == {}


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, json={"personas": PERSONAS}),
        httpx.Response(200, content=b"<html>"),
        httpx.Response(200, json={"other": []}),
        httpx.Response(200, json={"personas": []}),
        httpx.Response(200, json=["personas"]),
    ],
)
def test_anything_but_the_mock_is_none(answer):
    assert discover_mock(LOOPBACK, client(lambda request: answer)) is None


def test_an_unreachable_target_is_none():
    def refuse(request):
        raise httpx.ConnectError("refused")

    assert discover_mock(LOOPBACK, client(refuse)) is None


def test_the_mock_without_the_token_persona_has_no_token():
    data = discover_mock(
        LOOPBACK, client(lambda r: httpx.Response(200, json={"personas": PERSONAS[:1]}))
    )
    assert data.token is None and data.customer_ids == ("1",)


SPEC = {
    "paths": {
        "/customers/{customerId}": {
            "parameters": [{"in": "path", "name": "customerId", "example": "old"}],
            "get": {
                "parameters": [
                    {"in": "path", "name": "customerId", "example": "old"},
                    {"in": "query", "name": "customerId"},
                ]
            },
        },
        "/customers/search": {
            "post": {
                "operationId": "SearchCustomers",
                "requestBody": {"content": {"application/json": {"example": {"filter": {}}}}},
            }
        },
    }
}


def test_apply_to_spec_puts_known_ids_and_filters_in_the_examples_of_a_copy():
    data = Data(("1", "2"), ({"familyName": "Smith"},))
    applied = apply_to_spec(SPEC, data)
    by_id = applied["paths"]["/customers/{customerId}"]
    expected = {"known0": {"value": "1"}, "known1": {"value": "2"}}
    assert by_id["parameters"][0] == {"in": "path", "name": "customerId", "examples": expected}
    assert by_id["get"]["parameters"][0]["examples"] == expected
    assert by_id["get"]["parameters"][1] == {"in": "query", "name": "customerId"}
    media = applied["paths"]["/customers/search"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    assert media == {"examples": {"known0": {"value": {"filter": {"familyName": "Smith"}}}}}
    assert (
        SPEC["paths"]["/customers/{customerId}"]["parameters"][0]["example"] == "old"
    )  # untouched


def test_apply_to_spec_without_data_changes_nothing():
    assert apply_to_spec(SPEC, Data()) == SPEC


def test_a_baseline_round_trip_accepts_exactly_its_findings(tmp_path):
    path = tmp_path / "deep" / "baseline.json"
    write_baseline(result(findings=[FAILURE, DRIFT]), path)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT
    assert [e["fingerprint"] for e in data["findings"]] == sorted(
        [FAILURE.fingerprint, DRIFT.fingerprint]
    )
    entry = next(e for e in data["findings"] if e["fingerprint"] == FAILURE.fingerprint)
    assert entry == {
        "fingerprint": FAILURE.fingerprint,
        "keys": sorted(FAILURE.keys),  # one per (rule, operation)
        "title": "Response violates schema",
        "check": "response_schema_conformance",
        "rules": ["components/schemas.yaml#/AccountNumber type"],
        "evidence": "known",
        "operations": ["GET /customers/{customerId}"],
    }
    assert read_fingerprints(path) == FAILURE.keys | DRIFT.keys
    run = result(findings=[FAILURE])
    write_baseline(result(findings=[DRIFT]), path)
    apply_baseline(run, path)
    assert run.findings[0].baselined is False
    accepted = result(findings=[replace(DRIFT, operations=list(DRIFT.operations))])
    apply_baseline(accepted, path)
    assert accepted.findings[0].baselined is True


@pytest.mark.parametrize(
    "content,message",
    [
        ("{", "cannot read baseline"),
        ('{"format": "other"}', "not a baseline written by --write-baseline"),
        ("[]", "not a baseline written by --write-baseline"),
        (
            json.dumps({"format": FORMAT, "findings": {}}),
            "baseline findings must each have a fingerprint",
        ),
        (
            json.dumps({"format": FORMAT, "findings": [{"fingerprint": 1}]}),
            "baseline findings must each have a fingerprint",
        ),
    ],
)
def test_a_bad_baseline_is_a_usage_error(tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message):
        read_fingerprints(path)


def test_a_missing_baseline_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="cannot read baseline"):
        read_fingerprints(tmp_path / "none.json")
