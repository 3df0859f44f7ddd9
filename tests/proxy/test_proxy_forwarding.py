"""Requests reach the upstream unchanged and answers come back unchanged, through real HTTP;
the proxy's own answers (unreachable, too slow, headers too large) are problems."""

from __future__ import annotations

import socket

import httpx
import pytest
from support import AMELIA, bearer

from proxy.proxies import start_proxy

pytestmark = pytest.mark.live  # starts servers or processes on loopback

PROFILE = f"/customers/{AMELIA.customer_id}"


def test_a_profile_comes_back_byte_for_byte(upstream_mock):
    proxy = start_proxy(upstream_mock.url, "--quiet")
    try:
        direct = httpx.get(upstream_mock.url + PROFILE, headers={"Api-Version": "1"})
        through = httpx.get(proxy.url + PROFILE, headers={"Api-Version": "1"})
        assert through.status_code == direct.status_code == 200
        assert through.content == direct.content
        assert dict(through.headers) == dict(direct.headers)  # no Vary, no header added
    finally:
        proxy.stop()


def test_method_path_query_headers_and_body_pass_unchanged(echo):
    app, upstream = echo
    proxy = start_proxy(upstream.url + "/base", "--quiet")
    try:
        response = httpx.post(
            proxy.url + "/customers/search%2Fx?api-version=1&a=%20b",
            content=b'{"filter": {"familyName": "Hartley"}}',
            headers={
                "Content-Type": "application/json",
                "Client-Session-Id": "s-1",
                "Connection": "keep-alive",
            },
        )
        assert response.status_code == 200
        seen = app.seen[-1]
        assert seen["method"] == "POST"
        assert seen["raw_path"] == "/base/customers/search%2Fx"
        assert seen["query"] == "api-version=1&a=%20b"
        assert seen["body"] == '{"filter": {"familyName": "Hartley"}}'
        assert seen["headers"]["client-session-id"] == "s-1"
        assert seen["headers"]["host"] == upstream.url.removeprefix("http://")
        assert response.headers["x-upstream"] == "echo"  # the upstream's own headers come back
    finally:
        proxy.stop()


def test_an_unreachable_upstream_is_a_502_problem():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    proxy = start_proxy(f"http://127.0.0.1:{port}", "--quiet")
    try:
        response = httpx.get(proxy.url + PROFILE)
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "newday:proxy:error:upstream-unreachable"
        snap = proxy.wait_exchanges(1)
        assert snap["outages"] == {"GET /customers/{customerId}": 1}
    finally:
        proxy.stop()


def test_a_slow_upstream_is_a_504_problem_after_the_deadline(echo):
    _, upstream = echo
    proxy = start_proxy(upstream.url, "--quiet", "--upstream-timeout", "0.3")
    try:
        response = httpx.get(proxy.url + "/slow", timeout=10)
        assert response.status_code == 504
        assert response.json()["type"] == "newday:proxy:error:upstream-timeout"
    finally:
        proxy.stop()


def test_headers_past_the_cap_are_a_431_problem(echo):
    _, upstream = echo
    proxy = start_proxy(upstream.url, "--quiet", "--max-header-bytes", "4096")
    try:
        response = httpx.get(proxy.url + "/x", headers={"X-Big": "a" * 5000})
        assert response.status_code == 431
        assert response.headers["content-type"] == "application/problem+json"
        assert httpx.get(proxy.url + "/x", headers={"X-Small": "a"}).status_code == 200
    finally:
        proxy.stop()


def test_a_response_past_the_judging_cap_streams_whole_and_is_counted(upstream_mock):
    proxy = start_proxy(upstream_mock.url, "--quiet", "--max-judged-bytes", "1024")
    try:
        search = {"filter": {"postcode": "N1C 4DA"}}
        direct = httpx.post(upstream_mock.url + "/customers/search", json=search)
        through = httpx.post(proxy.url + "/customers/search", json=search)
        assert len(direct.content) > 1024
        assert through.content == direct.content
        snap = proxy.wait_exchanges(1)
        assert snap["verdicts"] == {"too large": 1}
        assert any("too large to judge" in note for note in snap["notes"])
    finally:
        proxy.stop()


def test_cors_preflight_is_answered_and_browser_responses_expose_the_api_headers(upstream_mock):
    proxy = start_proxy(upstream_mock.url, "--quiet", "--cors-origin", "http://localhost:3000")
    try:
        preflight = httpx.options(
            proxy.url + PROFILE,
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization,api-version",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
        simple = httpx.get(proxy.url + PROFILE, headers={"Origin": "http://localhost:3000"})
        assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert "Api-Version" in simple.headers["access-control-expose-headers"]
        refused = httpx.options(
            proxy.url + PROFILE,
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert refused.status_code == 400
    finally:
        proxy.stop()


def test_the_access_log_has_one_line_per_exchange_with_its_verdict(upstream_mock, tmp_path):
    log = tmp_path / "access.log"
    proxy = start_proxy(upstream_mock.url, "--access-log", str(log))
    try:
        httpx.get(proxy.url + PROFILE)
        httpx.get(proxy.url + "/customers/123")
        httpx.get(proxy.url + "/not-an-operation")
        proxy.wait_exchanges(3)
    finally:
        proxy.stop()
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("GET /customers/{customerId} 200 " + lines[0].split()[4] + " pass")
    assert " 400 " in lines[1] and AMELIA.customer_id not in "".join(lines)
    assert "(not in the contract) 404" in lines[2]


def test_the_callers_own_authorization_passes_untouched(echo):
    app, upstream = echo
    proxy = start_proxy(upstream.url, "--quiet")
    try:
        httpx.get(proxy.url + "/customers", headers=bearer("callers-own-token"))
        assert app.seen[-1]["headers"]["authorization"] == "Bearer callers-own-token"
        httpx.get(proxy.url + "/customers")
        assert "authorization" not in app.seen[-1]["headers"]
    finally:
        proxy.stop()
