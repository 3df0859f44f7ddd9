"""The mock's CORS: starlette's, with a refused preflight answered as the contract's 400
problem (starlette's own is text/plain)."""

from __future__ import annotations

import httpx
import pytest
from ndt_contract import load_contract
from ndt_fixtures import default_dataset_dir, read_dataset
from starlette.datastructures import MutableHeaders
from support import asgi_request

from mock_server.app import create_app
from mock_server.cors import CORS, EXPOSED_HEADERS, cors_options, with_vary_origin
from mock_server.problems import ProblemCatalogue
from mock_server.settings import Settings

GOOD = "http://good.example"


def request(app, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    return asgi_request(app, method, path, headers=headers)


async def below(scope, receive, send):
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def preflight(origin: str, **extra: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "POST", **extra}


@pytest.fixture(scope="module")
def restricted():
    settings = Settings(cors_origins=(GOOD,))
    return create_app(load_contract(), read_dataset(default_dataset_dir()), settings)


def test_a_preflight_from_another_origin_is_a_400_problem_with_a_trace_id(restricted):
    response = request(restricted, "OPTIONS", "/customers/search", preflight("http://evil.example"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == (
        "CORS preflight refused: origin not allowed (see the mock's --cors-origin)."
    )
    assert body["errors"] == {"Origin": ["Disallowed CORS origin"]}
    assert body["traceId"].startswith("00-")
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["api-version"] == "1.0"  # the conventions stamp it like any answer


def test_an_allowed_preflight_is_starlettes_200(restricted):
    response = request(restricted, "OPTIONS", "/customers/search", preflight(GOOD))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == GOOD


def test_every_reason_is_named():
    app = CORS(
        below,
        catalogue=ProblemCatalogue(),
        **cors_options((GOOD,)) | {"allow_methods": ["GET"], "allow_headers": ["x-a"]},
    )
    headers = preflight("http://evil.example", **{"Access-Control-Request-Headers": "x-b"})
    response = request(app, "OPTIONS", "/x", headers)
    assert response.status_code == 400
    assert response.json()["errors"] == {"Origin": ["Disallowed CORS origin, method, headers"]}
    assert response.headers["access-control-allow-methods"] == "GET"  # starlette's kept


def test_without_a_catalogue_the_generic_400_shape_is_used():
    response = request(CORS(below, **cors_options((GOOD,))), "OPTIONS", "/x", preflight("http://x"))
    assert response.status_code == 400 and response.json()["status"] == 400


def test_simple_requests_go_through_with_the_exposed_headers():
    response = request(CORS(below, **cors_options(("*",))), "GET", "/x", {"Origin": "http://x"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == ", ".join(EXPOSED_HEADERS)


def test_outside_the_conventions_a_refusal_still_has_a_trace_id_and_api_version():
    """reload's "cannot start" app wraps CORS with no conventions layer in front of it."""
    response = request(CORS(below, **cors_options((GOOD,))), "OPTIONS", "/x", preflight("http://x"))
    assert response.json()["traceId"].startswith("00-")
    assert response.headers["api-version"] == "1.0"


def test_a_private_network_refusal_does_not_point_at_cors_origin():
    app = CORS(below, **cors_options(("*",)))
    headers = preflight("http://x", **{"Access-Control-Request-Private-Network": "true"})
    body = request(app, "OPTIONS", "/x", headers).json()
    assert body["detail"] == "CORS preflight refused: private-network not allowed."


def _starlettes_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """What starlette's CORS writes for a request without an Origin (its own code path)."""
    message = {"headers": list(headers)}
    mutable = MutableHeaders(scope=message)
    mutable["Vary"] = ", ".join([*mutable.getlist("Vary"), "Origin"])
    return message["headers"]


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"content-type", b"application/json")],
        [(b"vary", b"Accept"), (b"content-length", b"2")],
        [(b"vary", b"Accept"), (b"x-a", b"1"), (b"vary", b"Cookie"), (b"x-b", b"2")],
    ],
    ids=["none", "no vary", "one vary", "two vary"],
)
def test_the_no_origin_fast_path_writes_vary_as_starlette_does(headers):
    assert with_vary_origin(headers) == _starlettes_vary(headers)


async def _with_vary_accept(scope, receive, send):
    headers = [(b"vary", b"Accept"), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def test_a_request_without_origin_gets_vary_origin_and_no_cors_headers():
    app = CORS(_with_vary_accept, **cors_options(("*",)))
    response = request(app, "GET", "/x", {})
    assert response.headers.get_list("vary") == ["Accept, Origin"]
    assert "access-control-allow-origin" not in response.headers
    with_origin = request(app, "GET", "/x", {"Origin": "http://x"})
    assert with_origin.headers["access-control-allow-origin"] == "*"
