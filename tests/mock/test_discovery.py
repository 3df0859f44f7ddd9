"""A mock people can discover, on a live server: `GET /`, Swagger UI's two documents, and every
route the controls document lists, called over HTTP and checked against what it says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from live import LiveServer, start_mock, stop
from ndt_contract import load_contract
from openapi_schema_validator import OAS30Validator
from support import AMELIA, bearer

from mock_server.admin import TEMPLATE_ID
from mock_server.offcontract import ADMIN_TAG, CONTROLS_PATH, MOCK_TAG

CONTRACT = load_contract()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = start_mock("--validate-responses")
    yield live
    stop(live)


@pytest.fixture(scope="module")
def http(server) -> Iterator[httpx.Client]:
    """One client for the module: building one is not free (its TLS context)."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def raw_controls(http) -> dict[str, Any]:
    response = http.get(CONTROLS_PATH)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    return response.json()


@pytest.fixture(scope="module")
def controls(raw_controls) -> dict[str, Any]:
    """The controls document with every `$ref` resolved."""
    return resolved(raw_controls, raw_controls)


def resolved(document: dict, node: Any, depth: int = 0) -> Any:
    """`node` with every local `$ref` of `document` replaced by its target."""
    assert depth < 64, "a $ref cycle"
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            return resolved(document, target, depth + 1)
        return {k: resolved(document, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolved(document, v, depth + 1) for v in node]
    return node


def media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0]


def operations(document: dict, tag: str | None = None) -> dict[tuple[str, str], dict]:
    found = {}
    for path, item in document["paths"].items():
        for method, definition in item.items():
            if (
                isinstance(definition, dict)
                and "responses" in definition
                and (tag is None or tag in definition.get("tags", []))
            ):
                found[(method.upper(), path)] = definition
    return found


_VALIDATORS: dict[int, OAS30Validator] = {}


def assert_as_documented(definition: dict, response: httpx.Response) -> None:
    """The status is one the route documents (`definition`, resolved), and a JSON body
    matches its schema."""
    documented = definition["responses"]
    assert str(response.status_code) in documented, (response.status_code, response.text)
    content = documented[str(response.status_code)].get("content", {})
    if content:
        assert media(response) in content, (media(response), list(content))
        schema = content[media(response)]["schema"]
        validator = _VALIDATORS.setdefault(id(schema), OAS30Validator(schema))
        errors = [e.message for e in validator.iter_errors(response.json())]
        assert errors == [], errors


def test_get_root_redirects_a_browser_to_swagger_ui_with_a_path_only_location(http):
    response = http.get("/", headers={"Accept": "text/html,*/*;q=0.8", "Host": "attacker.example"})
    assert response.status_code == 302 and response.headers["location"] == "/ui/"
    ui = http.get("/", headers={"Accept": "text/html"}, follow_redirects=True)
    assert ui.status_code == 200 and "swagger-ui" in ui.text


def test_get_root_lists_the_useful_links_for_other_clients(http, controls):
    response = http.get("/")
    body = response.json()
    assert response.status_code == 200 and body["admin"] == "on"
    for link in body["links"].values():
        assert http.get(link).status_code == 200, link
    assert http.post("/").status_code == 405


def test_swagger_ui_lists_the_contract_then_the_controls_beside_it(http):
    page = http.get("/ui/").text
    assert page.index('"url": "/openapi.json"') < page.index(f'"url": "{CONTROLS_PATH}"')


def test_the_contract_stays_the_contract(http, raw_controls):
    contract = http.get("/openapi.json").json()
    assert not [p for p in contract["paths"] if not p.startswith("/customers")]
    assert "Prefer" not in json.dumps(contract["paths"])
    assert contract["components"] == json.loads(json.dumps(dict(CONTRACT.bundle)))["components"]
    assert "Prefer" in json.dumps(raw_controls["paths"])


def _request_for(document: dict, path: str, definition: dict) -> dict[str, Any]:
    """A valid request: the first example of each path parameter and of the body; a persona's
    token where the operation takes one (`document` resolved)."""
    item = document["paths"][path]
    for parameter in [*item.get("parameters", []), *definition["parameters"]]:
        if parameter["in"] == "path":
            value = next(iter(parameter["examples"].values()))["value"]
            path = path.replace("{" + parameter["name"] + "}", value)
    request: dict[str, Any] = {"url": path, "headers": {}}
    if definition.get("security"):
        request["headers"].update(bearer(AMELIA.token))
    body = definition.get("requestBody")
    if body:
        request["json"] = next(iter(body["content"]["application/json"]["examples"].values()))[
            "value"
        ]
    return request


def test_every_prefer_value_offered_forces_what_it_says(http, controls):
    contract_ops = {
        key: d for key, d in operations(controls).items() if key[1] in CONTRACT.document["paths"]
    }
    assert len(contract_ops) == len(CONTRACT.operations)
    calls = []
    for (method, path), definition in contract_ops.items():
        prefer = definition["parameters"][0]
        assert prefer["name"] == "Prefer"
        request = _request_for(controls, path, definition)
        for example in prefer["examples"].values():
            calls.append((method, request, definition, example["value"]))

    def call(job):
        method, request, _definition, value = job
        headers = {**request["headers"], "Prefer": value}
        response = http.request(method, request["url"], headers=headers, json=request.get("json"))
        return job, response

    with ThreadPoolExecutor(max_workers=16) as pool:  # delays overlap, not add up
        results = list(pool.map(call, calls))
    assert len(results) > 40
    for (method, request, definition, value), response in results:
        assert_as_documented(definition, response)
        wanted = dict(p.strip().split("=") for p in value.split(","))
        if "code" in wanted:
            assert response.status_code == int(wanted["code"]), (method, request["url"], value)
        if "example" in wanted:
            status = next(
                s
                for s, r in definition["responses"].items()
                if wanted["example"]
                in r.get("content", {}).get(media(response), {}).get("examples", {})
            )
            assert response.status_code == int(status), value
        applied = response.headers.get("preference-applied", "")
        if value not in ("code=200", "delay=0"):
            assert set(applied.split(", ")) == {p.strip() for p in value.split(",")}, value


def test_the_mock_routes_answer_as_documented(http, controls):
    mock_ops = operations(controls, MOCK_TAG)
    assert {path for _, path in mock_ops} == {"/", "/heartbeat", "/healthcheck", "/openapi.json"}
    for (method, path), definition in mock_ops.items():
        for accept in ("application/json", "text/html"):
            response = http.request(method, path, headers={"Accept": accept})
            assert_as_documented(definition, response)


def test_every_admin_route_answers_as_documented(http, controls):
    admin_ops = operations(controls, ADMIN_TAG)
    called: set[tuple[str, str]] = set()
    customer = "/__admin/customers/{customerId}"

    def check(method: str, route: str, status: int, url: str | None = None, **kwargs) -> Any:
        response = http.request(method, url or route, **kwargs)
        assert response.status_code == status, (method, url or route, response.text)
        assert_as_documented(admin_ops[(method, route)], response)
        called.add((method, route))
        return response

    check("POST", "/__admin/reset", 200)
    check("GET", "/__admin/journal", 200)
    check("GET", "/__admin/journal", 400, "/__admin/journal?limit=0")
    personas = check("GET", "/__admin/personas", 200).json()["personas"]
    assert {p["key"] for p in personas if p["token"]} <= set(
        json.dumps(controls["components"]["securitySchemes"]).split("`")
    )
    template = check("GET", "/__admin/customers/template", 200).json()
    at = f"/__admin/customers/{TEMPLATE_ID}"
    check("PUT", customer, 201, at + "?token=discover-token", json=template)
    check("PUT", customer, 200, at, json=template)
    check("PUT", customer, 400, at, json={**template, "id": "1"})
    assert check("GET", customer, 200, at).json() == template
    check("DELETE", customer, 200, at)
    check("GET", customer, 404, at)
    check("DELETE", customer, 404, at)
    check("POST", "/__admin/reset", 403, headers={"Origin": "http://elsewhere.example"})
    assert called == set(admin_ops)


@pytest.mark.live
def test_token_protected_and_disabled_admin_are_described_as_they_answer():
    with ThreadPoolExecutor(2) as pool:  # two starts at once: a busy machine pays one
        guarded, off = pool.map(
            lambda args: start_mock(*args), [("--admin-token", "s3cret"), ("--no-admin",)]
        )
    try:
        client = httpx.Client(timeout=10)
        raw = client.get(guarded.url + CONTROLS_PATH).json()
        document = resolved(raw, raw)
        personas = operations(document, ADMIN_TAG)[("GET", "/__admin/personas")]
        assert personas["security"] == [{"adminToken": []}]
        refused = client.get(guarded.url + "/__admin/personas")
        assert refused.status_code == 401
        assert_as_documented(personas, refused)
        allowed = client.get(guarded.url + "/__admin/personas", headers=bearer("s3cret"))
        assert_as_documented(personas, allowed)
        assert allowed.status_code == 200 and AMELIA.token not in json.dumps(document)

        document = client.get(off.url + CONTROLS_PATH).json()
        assert not operations(document, ADMIN_TAG)
        assert "--no-admin" in document["info"]["description"]
        assert client.get(off.url + "/").json()["admin"] == "off"
        assert client.get(off.url + "/__admin/personas").status_code == 404
    finally:
        client.close()
        stop(guarded)
        stop(off)
