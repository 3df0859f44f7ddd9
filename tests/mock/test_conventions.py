"""NewDay conventions, scenarios (Prefer), bad input, admin, CORS, docs."""

import httpx
import pytest
from ndt_fixtures import PERSONAS, persona
from support import AMELIA, assert_problem

VALIDATION = "newday:generic:error:validation"


@pytest.mark.parametrize("version", ["1", "1.0"])
def test_supported_versions_by_header_and_query(api, version):
    assert (
        api.get(f"/customers/{AMELIA.customer_id}", headers={"Api-Version": version}).status_code
        == 200
    )
    assert (
        api.get(f"/customers/{AMELIA.customer_id}", params={"api-version": version}).status_code
        == 200
    )


@pytest.mark.parametrize("where", ["header", "query"])
def test_unsupported_version_is_400(api, where):
    kwargs = (
        {"headers": {"Api-Version": "2"}} if where == "header" else {"params": {"api-version": "2"}}
    )
    body = assert_problem(api.get(f"/customers/{AMELIA.customer_id}", **kwargs), 400, VALIDATION)
    assert list(body["errors"]) == ["Api-Version" if where == "header" else "api-version"]


def test_client_session_id_is_echoed_on_success_and_problems(api):
    headers = {"Client-Session-Id": "session-42"}
    assert (
        api.get(f"/customers/{AMELIA.customer_id}", headers=headers).headers["client-session-id"]
        == "session-42"
    )
    assert (
        api.get("/customers/0000000000000000000", headers=headers).headers["client-session-id"]
        == "session-42"
    )


def test_trace_ids_are_unique(api):
    ids = {api.get("/customers/0000000000000000000").json()["traceId"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("code", [400, 401, 404, 429, 500, 503])
def test_prefer_code_forces_any_documented_status(api, code):
    response = api.get(f"/customers/{AMELIA.customer_id}", headers={"Prefer": f"code={code}"})
    assert response.status_code == code
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == code and body["traceId"]
    if code in (429, 500, 503):
        assert response.headers["retry-after"].isdigit()
    if code == 400:
        assert body["errors"]


def test_prefer_undocumented_code_lists_the_available_ones(api):
    response = api.post(
        "/customers/search", json={"filter": {"givenName": "x"}}, headers={"Prefer": "code=404"}
    )
    body = assert_problem(response, 400, VALIDATION)
    assert body["errors"]["Prefer"] == [
        "code=404 is not documented for SearchCustomers",
        "available codes: 200, 400, 415, 429, 500, 503",
    ]


def test_prefer_example(api):
    response = api.get(
        f"/customers/{AMELIA.customer_id}", headers={"Prefer": "example=noCustomerDetails"}
    )
    assert response.status_code == 200
    assert response.headers["nocustomerdetails"] == "true"
    assert response.json()["accounts"] == []
    response = api.post(
        "/customers/search",
        json={"filter": {"givenName": "x"}},
        headers={"Prefer": "example=byNameAndPostcode"},
    )
    assert response.json()["values"][0]["id"] == AMELIA.customer_id


def test_prefer_unknown_example_lists_examples(api):
    response = api.get(f"/customers/{AMELIA.customer_id}", headers={"Prefer": "example=nope"})
    body = assert_problem(response, 400, VALIDATION)
    assert "multiAccountCustomer" in body["errors"]["Prefer"][1]


@pytest.mark.parametrize("prefer", ["code=abc", "code=²".encode(), "delay=-5", "delay=999999"])
def test_prefer_bad_value_of_a_known_preference_is_400(api, prefer):
    assert_problem(
        api.get(f"/customers/{AMELIA.customer_id}", headers={"Prefer": prefer}), 400, VALIDATION
    )


@pytest.mark.parametrize(
    "prefer", ["colour=red", "garbage", "return=representation", "respond-async", "=", ";;"]
)
def test_prefer_unknown_preferences_are_ignored(api, prefer):
    """RFC 7240 section 2: a server ignores preferences it does not support."""
    response = api.get(f"/customers/{AMELIA.customer_id}", headers={"Prefer": prefer})
    assert response.status_code == 200 and response.json()["id"] == AMELIA.customer_id
    assert "preference-applied" not in response.headers


def test_preference_applied_names_what_was_honoured(api):
    response = api.get(
        f"/customers/{AMELIA.customer_id}",
        headers={"Prefer": "return=representation, code=404, delay=10"},
    )
    assert response.status_code == 404
    assert response.headers["preference-applied"] == "code=404, delay=10"
    response = api.get(
        f"/customers/{AMELIA.customer_id}", headers={"Prefer": "example=noCustomerDetails"}
    )
    assert response.headers["preference-applied"] == "example=noCustomerDetails"


def test_prefer_delay(api):
    response = api.get(f"/customers/{AMELIA.customer_id}", headers={"Prefer": "delay=300"})
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3


def test_prefer_code_200_runs_the_real_operation(api):
    response = api.get("/customers/0000000000000000000", headers={"Prefer": "code=200"})
    assert response.status_code == 404


BAD_BODIES = [
    ("malformed JSON", b'{"filter": ', {"Content-Type": "application/json"}, 400),
    (
        "not UTF-8",
        b'{"filter": {"givenName": "\xff\xfe"}}',
        {"Content-Type": "application/json"},
        400,
    ),
    ("deep nesting", b"[" * 20000 + b"]" * 20000, {"Content-Type": "application/json"}, 400),
    (
        "wrong content type",
        b"givenName=x",
        {"Content-Type": "application/x-www-form-urlencoded"},
        415,
    ),
    ("text content type", b'{"filter": {"givenName": "x"}}', {"Content-Type": "text/plain"}, 415),
    ("missing content type", b'{"filter": {"givenName": "x"}}', {}, 415),
    ("empty body", b"", {"Content-Type": "application/json"}, 400),
    ("JSON null", b"null", {"Content-Type": "application/json"}, 400),
    ("JSON array", b"[]", {"Content-Type": "application/json"}, 400),
    (
        "over the size limit",
        b'{"filter": {"givenName": "' + b"x" * 70_000 + b'"}}',
        {"Content-Type": "application/json"},
        413,
    ),
]


@pytest.mark.parametrize(
    ("label", "body", "headers", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_bad_bodies_are_4xx_problems_and_the_server_keeps_serving(
    api, label, body, headers, status
):
    response = api.post("/customers/search", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["traceId"]
    assert api.get(f"/customers/{AMELIA.customer_id}").status_code == 200


def test_unknown_route_and_wrong_method(api):
    assert_problem(api.get("/nowhere"), 404, "newday:generic:error:missing")
    response = api.delete(f"/customers/{AMELIA.customer_id}")
    assert (
        response.status_code == 405
        and response.headers["content-type"] == "application/problem+json"
    )


def test_unknown_query_parameter_is_400(api):
    body = assert_problem(
        api.get(f"/customers/{AMELIA.customer_id}", params={"debug": "1"}), 400, VALIDATION
    )
    assert "debug" in body["errors"]


def test_cors_preflight_for_json_post_with_custom_headers(api):
    response = api.options(
        "/customers/search",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,api-version,client-session-id,prefer,authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = response.headers["access-control-allow-headers"].lower()
    for name in ("content-type", "api-version", "client-session-id", "prefer", "authorization"):
        assert name in allowed


def test_cors_exposes_contract_headers_even_on_errors(api):
    response = api.get(
        "/customers/0000000000000000000", headers={"Origin": "http://localhost:5173"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "nocustomerdetails" in response.headers["access-control-expose-headers"].lower()


def test_docs_and_health(api):
    assert api.get("/openapi.json").json()["info"]["title"] == "Customer"
    assert "swagger" in api.get("/ui/").text.lower()
    assert api.get("/heartbeat").json() == {"status": "ok"}
    assert api.get("/healthcheck").json()["customers"] == 1010


def test_admin_personas_and_journal(api):
    personas = api.get("/__admin/personas").json()["personas"]
    assert [p["id"] for p in personas] == [p.customer_id for p in PERSONAS]
    api.get(f"/customers/{AMELIA.customer_id}", headers={"Client-Session-Id": "journal-test"})
    entries = api.get("/__admin/journal", params={"limit": 5}).json()["entries"]
    assert any(
        e["path"] == f"/customers/{AMELIA.customer_id}" and e["status"] == 200 for e in entries
    )
    assert "Amelia" not in str(entries)
    assert "journal-test" not in str(entries)  # no header values, not even Client-Session-Id
    for limit in ("lots", "²", "0", "501", "1" * 5000):
        assert_problem(api.get("/__admin/journal", params={"limit": limit}), 400, VALIDATION)


def test_admin_upsert_validates_and_reset_restores(api):
    changed = dict(AMELIA.profile, givenName="Amy")
    response = api.put(f"/__admin/customers/{AMELIA.customer_id}", json=changed)
    assert response.status_code == 200 and response.json()["replaced"] is True
    assert api.get(f"/customers/{AMELIA.customer_id}").json()["givenName"] == "Amy"
    assert AMELIA.customer_id in [
        c["id"]
        for c in api.post("/customers/search", json={"filter": {"givenName": "amy"}}).json()[
            "values"
        ]
    ]
    assert AMELIA.customer_id not in [
        c["id"]
        for c in api.post(
            "/customers/search", json={"filter": {"givenName": "Amelia", "familyName": "Hartley"}}
        ).json()["values"]
    ]

    bad = dict(AMELIA.profile, id="0003911999999999999", customerRef="bad ref!")
    body = assert_problem(
        api.put("/__admin/customers/0003911999999999999", json=bad), 400, VALIDATION
    )
    assert "customerRef" in body["errors"]

    new = dict(AMELIA.profile, id="0003911999999999999", customerRef="NewRef0001")
    assert (
        api.put(
            "/__admin/customers/0003911999999999999", json=new, params={"token": "new-token"}
        ).status_code
        == 201
    )
    assert (
        api.get("/customers", headers={"Authorization": "Bearer new-token"}).json()["id"]
        == "0003911999999999999"
    )

    api.post("/__admin/reset")
    assert api.get(f"/customers/{AMELIA.customer_id}").json()["givenName"] == "Amelia"
    assert api.get("/customers/0003911999999999999").status_code == 404


def test_admin_routes_are_not_in_the_public_spec(api):
    assert not any("__admin" in path for path in api.get("/openapi.json").json()["paths"])


def test_openapi_json_is_the_contract_with_the_mock_as_its_only_server(api):
    """Swagger UI's "Try it out" offers the document's servers: never the provider's hosts."""
    served = api.get("/openapi.json")
    assert served.status_code == 200 and "x-bearerInfoFunc" not in served.text
    assert served.json()["servers"] == [
        {"url": "/", "description": "This mock (ndt-customer mock)"}
    ]
    assert "newdaytechnology.net" not in served.text


def test_persona_ids_are_bookmarkable(mock):
    for p in PERSONAS:
        assert httpx.get(f"{mock.url}/customers/{p.customer_id}").json()["id"] == p.customer_id
    assert persona("no-email").token is None


def test_undeclared_method_on_a_literal_path_is_405_not_a_path_parameter(api):
    response = api.get("/customers/search")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.headers["content-type"] == "application/problem+json"
    assert api.put("/customers/supported-formats/phone-number").status_code == 405


def test_openapi_json_is_one_valid_document_with_named_schemas(api):
    """Served bundled, not dereferenced: a type generator finds CustomerProfile by name."""
    from openapi_spec_validator import validate

    served = api.get("/openapi.json").json()
    validate(served)
    schemas = served["components"]["schemas"]
    assert {"CustomerProfile", "SearchResponse", "BadRequestProblem", "Address"} <= set(schemas)
    search = served["paths"]["/customers/search"]["post"]["responses"]["200"]
    items = search["content"]["application/json"]["schema"]
    assert items == {"$ref": "#/components/schemas/SearchResponse"}
    assert all(ref.startswith("#/components/") for ref in _refs(served))


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
