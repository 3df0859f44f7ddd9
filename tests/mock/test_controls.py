"""The controls document builder and the `GET /` helpers, without a server: one test per branch.
test_discovery.py calls every route the document lists on a live mock."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from ndt_contract import load_contract
from ndt_fixtures import PERSONAS
from openapi_spec_validator import validate
from support import AMELIA

from mock_server.controls import PersonaToken, build_controls, prefer_parameter, shown_tokens
from mock_server.dataset_personas import DatasetPersona
from mock_server.discovery import wants_html
from mock_server.offcontract import (
    ADMIN_TAG,
    AdminMode,
    ControlsError,
    follow,
    index_links,
)
from mock_server.scenarios import examples_by_status, parse_prefer

CONTRACT = load_contract()
TOKENS = [PersonaToken(p.key, p.story, p.customer_id, p.token) for p in PERSONAS if p.token]
OPEN, GUARDED, OFF = AdminMode(), AdminMode(True, True), AdminMode(False)
MODES = {"open": OPEN, "token": GUARDED, "off": OFF}


def operations(document):
    for path, item in document["paths"].items():
        for method, definition in item.items():
            if isinstance(definition, dict) and "responses" in definition:
                yield path, method, definition


@pytest.mark.parametrize("mode", MODES)
def test_the_controls_document_is_valid_openapi(mode):
    validate(build_controls(CONTRACT, TOKENS, MODES[mode]))


def test_building_leaves_the_contract_untouched():
    before = json.dumps(dict(CONTRACT.bundle), sort_keys=True)
    build_controls(CONTRACT, TOKENS, OPEN)
    assert json.dumps(dict(CONTRACT.bundle), sort_keys=True) == before


def test_every_contract_operation_offers_every_status_and_example_the_mock_accepts():
    document = build_controls(CONTRACT, TOKENS, OPEN)
    for operation in CONTRACT.operations.values():
        definition = document["paths"][operation.path][operation.method]
        prefer = definition["parameters"][0]
        assert prefer["name"] == "Prefer" and prefer["in"] == "header"
        offered = [example["value"] for example in prefer["examples"].values()]
        for status, names in examples_by_status(operation).items():
            assert f"code={status}" in offered
            assert {f"example={name}" for name in names} <= set(offered)
        for value in offered:  # each one is a value the mock's own parser accepts
            parse_prefer(value, operation)
        # the contract's own parameters stay, by reference
        assert definition["parameters"][1:] == list(
            CONTRACT.bundle["paths"][operation.path][operation.method].get("parameters", [])
        )


def test_prefer_parameter_without_documented_statuses_still_offers_a_delay():
    operation = dataclasses.replace(
        CONTRACT.operation("GetCustomer"), definition={"responses": {"default": {}}}
    )
    values = [e["value"] for e in prefer_parameter(operation)["examples"].values()]
    assert values == ["delay=800", "code=500, delay=800"]


def test_open_admin_lists_persona_tokens_where_a_token_is_taken():
    document = build_controls(CONTRACT, TOKENS, OPEN)
    scheme = document["components"]["securitySchemes"]["customerAccessToken"]
    assert AMELIA.token in scheme["description"]
    by_token = document["paths"]["/customers"]["get"]["description"]
    assert AMELIA.token in by_token and "multi-account" in by_token
    search = document["paths"]["/customers/search"]["post"].get("description", "")
    assert AMELIA.token not in search  # takes no token
    assert "adminToken" not in document["components"]["securitySchemes"]
    admin_ops = [d for p, _, d in operations(document) if p.startswith("/__admin")]
    assert len(admin_ops) == 7 and all(d["security"] == [] for d in admin_ops)
    assert all("401" not in d["responses"] for d in admin_ops)


def test_token_admin_needs_the_admin_scheme_and_hides_persona_tokens():
    document = build_controls(CONTRACT, TOKENS, GUARDED)
    assert AMELIA.token not in json.dumps(document)
    assert document["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"
    admin_ops = [d for p, _, d in operations(document) if p.startswith("/__admin")]
    assert admin_ops and all(d["security"] == [{"adminToken": []}] for d in admin_ops)
    assert all("401" in d["responses"] for d in admin_ops)
    assert "--admin-token" in document["info"]["description"]
    assert (
        "`GET /__admin/personas`, with the admin token"
        in document["paths"]["/customers"]["get"]["description"]
    )


def test_admin_off_omits_the_admin_routes_and_says_so():
    document = build_controls(CONTRACT, TOKENS, OFF)
    assert not [p for p in document["paths"] if p.startswith("/__admin")]
    assert "--no-admin" in document["info"]["description"]
    assert ADMIN_TAG not in [t["name"] for t in document["tags"]]
    assert AMELIA.token not in json.dumps(document)
    assert "the README" in document["paths"]["/customers"]["get"]["description"]
    assert "/heartbeat" in document["paths"] and "/" in document["paths"]


def test_admin_bodies_are_the_contracts_profile_schema_by_reference():
    document = build_controls(CONTRACT, TOKENS, OPEN)
    put = document["paths"]["/__admin/customers/{customerId}"]["put"]
    schema = put["requestBody"]["content"]["application/json"]["schema"]
    get_customer = CONTRACT.bundle["paths"]["/customers/{customerId}"]["get"]
    contract_schema = follow(CONTRACT.bundle, get_customer["responses"]["200"])["content"][
        "application/json"
    ]["schema"]
    assert schema == contract_schema and set(schema) == {"$ref"}
    name = schema["$ref"].rsplit("/", 1)[1]
    assert document["components"]["schemas"][name] == CONTRACT.bundle["components"]["schemas"][name]
    assert put["responses"]["400"] == get_customer["responses"]["400"]


def test_open_admin_with_a_dataset_holding_no_persona_token_says_so():
    document = build_controls(CONTRACT, [], OPEN)
    note = document["paths"]["/customers"]["get"]["description"]
    assert "offers no persona with a token" in note and AMELIA.token not in note


def test_a_contract_that_already_names_a_mock_schema_is_refused():
    bundle = copy.deepcopy(dict(CONTRACT.bundle))
    bundle["components"]["schemas"]["MockIndex"] = {"type": "object"}
    with pytest.raises(ControlsError, match="MockIndex"):
        build_controls(dataclasses.replace(CONTRACT, bundle=bundle), TOKENS, OPEN)


def test_follow_refuses_a_reference_outside_the_document():
    with pytest.raises(ControlsError, match=r"other\.yaml"):
        follow({}, {"$ref": "other.yaml#/Thing"})


def test_shown_tokens_keep_the_dataset_personas_that_have_a_token():
    with_token = DatasetPersona(AMELIA.key, AMELIA.story, AMELIA.customer_id, AMELIA.token, False)
    without = DatasetPersona("no-token", "s", "0003911000000000007", None, True)
    assert shown_tokens([with_token, without]) == [
        PersonaToken(AMELIA.key, AMELIA.story, AMELIA.customer_id, AMELIA.token)
    ]


@pytest.mark.parametrize(
    ("mode", "admin", "link"),
    [(OPEN, "on", True), (GUARDED, "token", True), (OFF, "off", False)],
)
def test_index_links_are_paths_and_name_the_admin_mode(mode, admin, link):
    index = index_links(mode)
    assert index["admin"] == admin and ("admin" in index["links"]) is link
    assert all(url.startswith("/") for url in index["links"].values())


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,*/*;q=0.8", True),
        ("application/xhtml+xml", True),
        ("text/html;q=0", False),
        ("text/html;q=high", True),
        ("application/json", False),
        ("*/*", False),
        (None, False),
    ],
)
def test_wants_html(accept, html):
    assert wants_html(accept) is html
