"""The admin API on a shared machine: no CORS, no cross-origin changes, token, off switch,
validation exactly as responses are validated, delete and template routes."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest
from live import start_mock, stop
from ndt_contract.hosts import is_loopback
from support import AMELIA, OLIVER, assert_problem

from mock_server.admin import host_of

pytestmark = pytest.mark.live  # starts servers or processes on loopback

VALIDATION = "newday:generic:error:validation"
FORBIDDEN = "newday:generic:error:forbidden"
UNSUPPORTED = "newday:generic:error:unsupported-media-type"
FULL = "newday:generic:error:insufficient-storage"
JSON_BODY = {"Content-Type": "application/json"}


def test_admin_has_no_cors_even_for_an_allowed_origin(api):
    origin = {"Origin": "http://localhost:5173"}
    response = api.get("/__admin/personas", headers=origin)
    assert response.status_code == 200
    assert not any(name.startswith("access-control-") for name in response.headers)
    preflight = api.options(
        "/__admin/reset", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    # The API itself keeps CORS.
    assert api.get("/heartbeat", headers=origin).headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/__admin/reset"),
        ("PUT", f"/__admin/customers/{AMELIA.customer_id}"),
        ("DELETE", f"/__admin/customers/{AMELIA.customer_id}"),
    ],
)
def test_admin_changes_from_another_origin_are_refused(api, method, path):
    body = json.dumps(AMELIA.profile) if method == "PUT" else None
    for origin in ("http://evil.example", "http://localhost:5173", "null"):
        response = api.request(
            method,
            path,
            content=body,
            headers={"Origin": origin, "Content-Type": "application/json"},
        )
        assert_problem(response, 403, FORBIDDEN)
    assert api.get(f"/customers/{AMELIA.customer_id}").status_code == 200  # nothing changed


def test_admin_change_from_its_own_origin_is_allowed(api, mock):
    response = api.post("/__admin/reset", headers={"Origin": mock.url})
    assert response.status_code == 200


def test_admin_refuses_a_host_that_is_not_this_machine(api):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name, which the Host header shows."""
    response = api.get("/__admin/personas", headers={"Host": "rebind.evil.example"})
    assert_problem(response, 403, FORBIDDEN)
    assert api.get("/__admin/personas", headers={"Host": "localhost"}).status_code == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_host_of_drops_the_port():
    assert host_of("127.0.0.1:8080") == "127.0.0.1"
    assert host_of("[::1]:80") == "::1"
    assert host_of("Example.COM") == "example.com"


BAD_PROFILES = {
    "trailing newline in a pattern field": dict(AMELIA.profile, customerRef="4vMgYYLnQJ\n"),
    "trailing newline in the id": dict(AMELIA.profile, id=AMELIA.customer_id + "\n"),
    "wrong type": dict(AMELIA.profile, accounts="none"),
}
BAD_RAW = {
    "NaN": json.dumps(AMELIA.profile).replace('"Hartley"', "NaN"),
    "Infinity": json.dumps(AMELIA.profile).replace('"Hartley"', "Infinity"),
    "huge integer": json.dumps(AMELIA.profile).replace('"Hartley"', "9" * 5000),
    "lone surrogate": json.dumps(AMELIA.profile).replace('"Hartley"', '"\\ud800"'),
    "deep nesting": json.dumps(AMELIA.profile).replace('"Hartley"', "[" * 300 + "]" * 300),
    "empty": "",
}


@pytest.mark.parametrize("label", BAD_PROFILES)
def test_admin_put_validates_exactly_as_responses_are(api, label):
    response = api.put(f"/__admin/customers/{AMELIA.customer_id}", json=BAD_PROFILES[label])
    assert_problem(response, 400, VALIDATION)
    assert api.get(f"/customers/{AMELIA.customer_id}").json() == AMELIA.profile


@pytest.mark.parametrize("label", BAD_RAW)
def test_admin_put_refuses_what_is_not_safe_json(api, label):
    response = api.put(
        f"/__admin/customers/{AMELIA.customer_id}",
        content=BAD_RAW[label].encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 400, VALIDATION)


def test_admin_put_accepts_a_chunked_body(api):
    raw = json.dumps(dict(AMELIA.profile, givenName="Chunky")).encode()
    chunks = (raw[i : i + 100] for i in range(0, len(raw), 100))
    response = api.put(
        f"/__admin/customers/{AMELIA.customer_id}", content=chunks, headers=JSON_BODY
    )
    assert response.status_code == 200
    assert api.get(f"/customers/{AMELIA.customer_id}").json()["givenName"] == "Chunky"


def test_admin_delete_then_the_customer_is_gone_everywhere(api):
    path = f"/__admin/customers/{OLIVER.customer_id}"
    assert api.delete(path).json() == {"id": OLIVER.customer_id, "deleted": True}
    assert api.get(f"/customers/{OLIVER.customer_id}").status_code == 404
    found = api.post(
        "/customers/search", json={"filter": {"customerRef": OLIVER.profile["customerRef"]}}
    )
    assert found.json()["values"] == []
    assert_problem(api.delete(path), 404, "newday:generic:error:missing")
    api.post("/__admin/reset")
    assert api.get(f"/customers/{OLIVER.customer_id}").status_code == 200


def test_admin_template_is_a_valid_customer_to_put(api):
    template = api.get("/__admin/customers/template").json()
    assert template["id"] and "givenName" in template
    response = api.put(f"/__admin/customers/{template['id']}", json=template)
    assert response.status_code == 201, response.text
    assert api.get(f"/customers/{template['id']}").json() == template


@pytest.mark.live
def test_admin_token_is_required_when_set():
    server = start_mock("--admin-token", "s3cret")
    try:
        url = f"{server.url}/__admin/personas"
        assert_problem(httpx.get(url), 401, "newday:generic:error:unauthorised")
        wrong = {"Authorization": "Bearer nope"}
        assert_problem(httpx.get(url, headers=wrong), 401, "newday:generic:error:unauthorised")
        assert httpx.get(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert "admin API: on, token required" in "".join(server.output)
    finally:
        stop(server)


@pytest.mark.live
def test_no_admin_turns_the_admin_api_off_but_not_health():
    server = start_mock("--no-admin")
    try:
        assert_problem(
            httpx.get(f"{server.url}/__admin/personas"), 404, "newday:generic:error:missing"
        )
        assert httpx.get(f"{server.url}/healthcheck").status_code == 200
        assert httpx.get(f"{server.url}/openapi.json").status_code == 200
        assert "admin API: off (--no-admin)" in "".join(server.output)
    finally:
        stop(server)


@pytest.mark.live
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_binding_beyond_loopback_needs_an_admin_token_or_no_admin(host):
    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", "--host", host, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "--admin-token" in result.stderr and "--no-admin" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_admin_put_refuses_a_customer_ref_another_customer_holds(api):
    clash = dict(OLIVER.profile, id="0003919999999999998")
    response = api.put(f"/__admin/customers/{clash['id']}", json=clash)
    body = assert_problem(response, 400, "newday:generic:error:validation")
    assert body["errors"] == {
        "customerRef": [f"already held by customer {OLIVER.customer_id}: choose another"]
    }
    assert api.get(f"/customers/{clash['id']}").status_code == 404
    # The holder itself may be replaced with its own reference.
    assert (
        api.put(f"/__admin/customers/{OLIVER.customer_id}", json=OLIVER.profile).status_code == 200
    )


def test_admin_template_holds_a_customer_ref_nobody_else_holds(api):
    template = api.get("/__admin/customers/template").json()
    found = api.post("/customers/search", json={"filter": {"customerRef": template["customerRef"]}})
    assert found.json()["values"] == []


NOT_JSON = {
    "no Content-Type": {},
    "text/plain": {"Content-Type": "text/plain"},
    "form data": {"Content-Type": "application/x-www-form-urlencoded"},
    "multipart": {"Content-Type": "multipart/form-data; boundary=x"},
    "another +json": {"Content-Type": "application/merge-patch+json"},
    "latin-1 JSON": {"Content-Type": "application/json; charset=latin-1"},
}


@pytest.mark.parametrize("label", NOT_JSON)
def test_admin_put_needs_an_application_json_body(api, label):
    raw = json.dumps(dict(AMELIA.profile, givenName="Sneaky")).encode()
    response = api.put(
        f"/__admin/customers/{AMELIA.customer_id}", content=raw, headers=NOT_JSON[label]
    )
    assert_problem(response, 415, UNSUPPORTED)
    assert api.get(f"/customers/{AMELIA.customer_id}").json()["givenName"] == "Amelia"


def test_admin_put_with_no_body_and_no_content_type_is_415(api):
    response = api.put(f"/__admin/customers/{AMELIA.customer_id}")
    assert_problem(response, 415, UNSUPPORTED)


def test_admin_post_takes_no_body_or_a_json_one(api):
    assert api.post("/__admin/reset").status_code == 200
    assert api.post("/__admin/reset", content=b"{}", headers=JSON_BODY).status_code == 200
    for label in ("no Content-Type", "text/plain", "form data"):
        response = api.post("/__admin/reset", content=b"a=1", headers=NOT_JSON[label])
        assert_problem(response, 415, UNSUPPORTED)


@pytest.fixture(scope="module")
def capped():
    """A mock whose overlay holds 2 customers and 4 KiB (the smallest cap the flag takes is
    1K; a persona's profile is about 1.5 KB)."""
    server = start_mock("--overlay-max-customers", "2", "--overlay-max-bytes", "4K")
    yield server
    stop(server)


def test_a_full_overlay_is_507_and_one_customer_too_big_is_413(capped):
    with capped.client() as api:
        api.post("/__admin/reset")
        assert "at most 2 customers, 4 KiB" in "".join(capped.output)
        assert (
            api.put(f"/__admin/customers/{AMELIA.customer_id}", json=AMELIA.profile).status_code
            == 200
        )
        assert (
            api.put(f"/__admin/customers/{OLIVER.customer_id}", json=OLIVER.profile).status_code
            == 200
        )
        third = dict(OLIVER.profile, id="0003919999999999990", customerRef="ThirdOne00")
        body = assert_problem(api.put(f"/__admin/customers/{third['id']}", json=third), 507, FULL)
        assert "--overlay-max-customers" in body["detail"]
        assert api.get(f"/customers/{third['id']}").status_code == 404
        # A replacement still fits; one customer bigger than the whole overlay is a 413.
        assert (
            api.put(f"/__admin/customers/{AMELIA.customer_id}", json=AMELIA.profile).status_code
            == 200
        )
        big = dict(AMELIA.profile, scaExemptions=["scaExempt"] * 500)
        body = assert_problem(
            api.put(f"/__admin/customers/{AMELIA.customer_id}", json=big),
            413,
            "newday:generic:error:payload-too-large",
        )
        assert "--overlay-max-bytes" in body["detail"]
        assert api.post("/__admin/reset").status_code == 200
        assert api.put(f"/__admin/customers/{third['id']}", json=third).status_code == 201


def test_the_byte_cap_is_507_before_the_customer_cap(capped):
    with capped.client() as api:
        api.post("/__admin/reset")
        roomy = dict(AMELIA.profile, scaExemptions=["scaExempt"] * 200)
        assert api.put(f"/__admin/customers/{AMELIA.customer_id}", json=roomy).status_code == 200
        body = assert_problem(
            api.put(
                f"/__admin/customers/{OLIVER.customer_id}",
                json=dict(OLIVER.profile, scaExemptions=["scaExempt"] * 100),
            ),
            507,
            FULL,
        )
        assert "--overlay-max-bytes" in body["detail"]
        api.post("/__admin/reset")


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--overlay-max-customers", "0"),
        ("--overlay-max-bytes", "12"),
        ("--overlay-max-bytes", "lots"),
        ("--overlay-max-bytes", "65G"),
    ],
)
def test_overlay_caps_out_of_range_are_usage_errors(flag, value):
    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", flag, value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and flag in result.stderr
