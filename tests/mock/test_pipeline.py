"""One pipeline answers every request, and hostile input always gets a problem with a traceId.

Each class of a catalogue of hostile requests is here.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json

import httpx
import pytest
from ndt_contract import load_contract
from ndt_fixtures import default_dataset_dir, read_dataset
from support import AMELIA, OLIVER, PROBLEM, assert_problem, bearer

from mock_server.app import create_app
from mock_server.pipeline import ContractPipeline
from mock_server.settings import Settings

VALIDATION = "newday:generic:error:validation"
SEARCH = "/customers/search"
BIG_INT = "1" * 5000  # over Python's 4,300-digit int-string limit

# The request shapes that once took different lanes: plain, Prefer, a token, both.
SHAPES = {
    "plain": {},
    "prefer": {"Prefer": "return=minimal, delay=0"},
    "token": bearer(AMELIA.token),
    "prefer and token": {"Prefer": "respond-async", **bearer(AMELIA.token)},
}
# Inputs the two lanes answered differently: status and the error keys.
DIVERGED = {
    "merge-patch+json": (
        b'{"filter": {"givenName": "Amelia"}}',
        "application/merge-patch+json",
        415,
        None,
    ),
    "5000-digit integer": (
        b'{"filter": {"givenName": ' + BIG_INT.encode() + b"}}",
        "application/json",
        400,
        ["body"],
    ),
    "empty body": (b"", "application/json", 400, ["body"]),
}


def _comparable(response: httpx.Response) -> tuple:
    body = response.json()
    body.pop("traceId")
    return response.status_code, response.headers["content-type"], json.dumps(body, sort_keys=True)


@pytest.mark.parametrize("label", DIVERGED)
def test_one_pipeline_answers_every_request_shape_alike(api, label):
    raw, content_type, status, error_keys = DIVERGED[label]
    answers = {
        shape: api.post(SEARCH, content=raw, headers={"Content-Type": content_type, **extra})
        for shape, extra in SHAPES.items()
    }
    for response in answers.values():
        assert response.status_code == status and response.headers["content-type"] == PROBLEM
        assert response.json()["traceId"].startswith("00-")
        if error_keys is not None:
            assert list(response.json()["errors"]) == error_keys
    assert len({_comparable(r) for r in answers.values()}) == 1, answers


def test_the_stack_is_one_list_without_connexion_validation_or_a_second_lane():
    """No switch and no second path: the only layers are ours and connexion's Swagger UI;
    connexion's routing, security, validation and handler layers are not there."""
    contract = load_contract()
    app = create_app(contract, read_dataset(default_dataset_dir()), Settings())
    names = [getattr(m, "func", m).__name__ for m in app.layers]
    assert names == ["Conventions", "CORS", "Guards", "SwaggerUI", "ContractPipeline"]
    for gone in ("mock_server.fastlane", "mock_server.handlers"):
        assert importlib.util.find_spec(gone) is None
    assert not any("lane" in name for name in vars(Settings()))
    assert "answer" in vars(ContractPipeline)


def test_a_crash_anywhere_is_a_500_problem_whose_trace_id_is_logged(caplog):
    contract = load_contract()
    app = create_app(contract, read_dataset(default_dataset_dir()), Settings())

    class Exploding:
        def get(self, _id):
            raise RuntimeError("boom")

        def by_token(self, _token):
            raise RuntimeError("boom")

    app.state.store = Exploding()

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(
                f"/customers/{AMELIA.customer_id}", headers={"Client-Session-Id": "crash"}
            )

    response = asyncio.run(call())
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM
    trace_id = response.json()["traceId"]
    assert response.headers["client-session-id"] == "crash"
    assert any(trace_id in record.getMessage() for record in caplog.records)
    assert any(record.exc_info for record in caplog.records)


def _nested(depth: int) -> bytes:
    return b'{"filter": {"givenName": ' + b"[" * depth + b"]" * depth + b"}}"


HOSTILE_BODIES = {
    "nested 256 deep in a field": (_nested(256), 400),
    "nested 990 deep in a field": (_nested(990), 400),
    "nested 20000 deep": (b"[" * 20000 + b"]" * 20000, 400),
    "4301-digit integer": (b'{"filter": {"givenName": ' + b"9" * 4301 + b"}}", 400),
    "NaN": (b'{"filter": {"givenName": NaN}}', 400),
    "Infinity": (b'{"filter": {"givenName": -Infinity}}', 400),
    "lone surrogate value": (b'{"filter": {"givenName": "\\ud800"}}', 400),
    "lone surrogate key": (b'{"filter": {"\\udfff": "x"}}', 400),
    "not UTF-8": (b'{"filter": {"givenName": "\xc3\x28"}}', 400),
    "BOM and garbage": (b"\xef\xbb\xbf{", 400),
}


@pytest.mark.parametrize("label", HOSTILE_BODIES)
def test_hostile_bodies_are_400_problems(api, label):
    raw, status = HOSTILE_BODIES[label]
    response = api.post(SEARCH, content=raw, headers={"Content-Type": "application/json"})
    body = assert_problem(response, status, VALIDATION)
    assert body["errors"]
    assert api.get(f"/customers/{AMELIA.customer_id}").status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/customers/supported-formats/email-address", "emailAddress"),
        ("/customers/supported-formats/phone-number", "phoneNumber"),
    ],
)
def test_lone_surrogates_in_the_verify_endpoints_are_400(api, path, field):
    for value in ('"\\ud800@example.com"', '"0770\\udc00 100123"'):
        raw = f'{{"{field}": {value}}}'.encode()
        response = api.post(path, content=raw, headers={"Content-Type": "application/json"})
        assert_problem(response, 400, VALIDATION)


@pytest.mark.parametrize(
    "media", ["application/merge-patch+json", "application/vnd.api+json", "text/json"]
)
def test_undocumented_json_media_types_are_415(api, media):
    response = api.post(
        SEARCH, content=b'{"filter": {"givenName": "x"}}', headers={"Content-Type": media}
    )
    assert_problem(response, 415, "newday:generic:error:unsupported-media-type")


def test_documented_media_type_with_utf8_charset_is_accepted(api):
    response = api.post(
        SEARCH,
        content=b'{"filter": {"givenName": "Amelia"}}',
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert response.status_code == 200
    response = api.post(
        SEARCH,
        content=b'{"filter": {"givenName": "Amelia"}}',
        headers={"Content-Type": "application/json; charset=latin-1"},
    )
    assert response.status_code == 415


def _chunks(raw: bytes):
    for start in range(0, len(raw), 7):
        yield raw[start : start + 7]


@pytest.mark.parametrize(
    ("path", "raw", "status"),
    [
        (SEARCH, b'{"filter": {"givenName": "Amelia", "familyName": "Hartley"}}', 200),
        ("/customers/supported-formats/email-address", b'{"emailAddress": "a@example.com"}', 200),
        ("/customers/supported-formats/phone-number", b'{"phoneNumber": "07700 100123"}', 200),
        (SEARCH, b'{"filter": ', 400),
    ],
)
def test_chunked_bodies_are_read_on_every_path(api, path, raw, status):
    response = api.post(path, content=_chunks(raw), headers={"Content-Type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == status, response.text


def test_chunked_body_over_the_limit_is_413(api):
    raw = b'{"filter": {"givenName": "' + b"x" * 70_000 + b'"}}'
    response = api.post(
        SEARCH, content=_chunks_big(raw), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413, "newday:generic:error:payload-too-large")


def _chunks_big(raw: bytes):
    for start in range(0, len(raw), 8192):
        yield raw[start : start + 8192]


def test_hostile_parameters_are_400(api):
    for params in ({"api-version": BIG_INT}, {"api-version": "²"}, {"api-version": "1\n"}):
        assert_problem(api.get(f"/customers/{AMELIA.customer_id}", params=params), 400, VALIDATION)
    assert_problem(api.get("/customers/%ED%A0%80"), 400, VALIDATION)
    assert_problem(api.get("/customers/" + "9" * 5000), 400, VALIDATION)


def test_no_location_is_built_from_the_host_header(api):
    for method, path in (("GET", f"/customers/{AMELIA.customer_id}/"), ("POST", SEARCH + "/")):
        response = api.request(method, path, headers={"Host": "evil.example"})
        assert "location" not in response.headers
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
        assert "evil" not in response.text


@pytest.mark.parametrize(
    "session_id",
    ["7d1f7c3e-3c52", "with spaces and / slashes", "x" * 300, "", "caf\xe9"],
    ids=["uuid", "spaces", "long", "empty", "latin-1"],
)
def test_any_client_session_id_is_echoed_on_every_response(api, session_id):
    headers = {"Client-Session-Id": session_id.encode("latin-1")}
    responses = [
        api.get(f"/customers/{AMELIA.customer_id}", headers=headers),
        api.get("/customers/123", headers=headers),
        api.get("/customers/0000000000000000000", headers=headers),
        api.get("/customers", headers=headers),
    ] + [
        api.get(f"/customers/{AMELIA.customer_id}", headers={**headers, "Prefer": f"code={c}"})
        for c in (429, 500, 503)
    ]
    assert [r.status_code for r in responses] == [200, 400, 404, 401, 429, 500, 503]
    for response in responses:
        assert response.headers.raw[-1] == (b"client-session-id", session_id.encode("latin-1"))


def test_api_version_query_supersedes_a_bad_header(api):
    url = f"/customers/{AMELIA.customer_id}"
    good_query = api.get(url, params={"api-version": "1"}, headers={"Api-Version": "9"})
    assert good_query.status_code == 200
    body = assert_problem(
        api.get(url, params={"api-version": "9"}, headers={"Api-Version": "1"}), 400, VALIDATION
    )
    assert list(body["errors"]) == ["api-version"]


def test_a_token_whose_customer_was_deleted_is_401(api):
    assert api.delete(f"/__admin/customers/{OLIVER.customer_id}").status_code == 200
    assert_problem(
        api.get("/customers", headers=bearer(OLIVER.token)),
        401,
        "newday:generic:error:unauthorised",
    )


def test_response_check_turns_a_straying_reply_into_a_500_problem():
    from mock_server.customers import Reply
    from mock_server.pipeline import reply_errors

    operation = load_contract().operation("GetCustomer")
    assert reply_errors(operation, Reply(json.dumps(AMELIA.profile).encode())) == []
    assert reply_errors(operation, Reply(b'{"id": 5}'))
    assert reply_errors(operation, Reply(b"{}", status=418)) == [
        "status 418 is not documented for GetCustomer"
    ]
    assert reply_errors(operation, Reply(b"")) == ["the body is empty"]
