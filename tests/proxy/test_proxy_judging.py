"""Each exchange is judged by the conformance suite's own code, through real HTTP to a broken
upstream (one rule each), and traffic is altered only when asked."""

from __future__ import annotations

import gzip

import httpx
import pytest
from broken.base import serve_variant
from ndt_contract import load_contract
from support import AMELIA

from proxy.proxies import start_proxy
from validation_proxy.forward import VIOLATIONS_HEADER, decoded, violations_header
from validation_proxy.judging import Judged, Router

pytestmark = pytest.mark.live  # starts servers or processes on loopback

PROFILE = f"/customers/{AMELIA.customer_id}"


def test_a_broken_rule_is_a_failure_and_the_answer_still_passes_unchanged():
    with serve_variant("wrong_type") as upstream:
        proxy = start_proxy(upstream.url, "--quiet")
        try:
            direct = httpx.get(upstream.url + PROFILE)
            through = httpx.get(proxy.url + PROFILE)
            assert through.status_code == 200 and through.content == direct.content
            assert VIOLATIONS_HEADER.lower() not in through.headers
            snap = proxy.wait_exchanges(1)
        finally:
            proxy.stop()
    assert snap["verdict"].startswith("FAIL")
    [failure] = snap["failures"]
    assert failure["check"] == "response_schema_conformance"
    assert failure["evidence"] in ("known", "standard")
    assert failure["operations"] == ["GET /customers/{customerId}"]
    assert "accounts/0/accountNumber" in failure["message"]


def test_errors_turns_a_broken_answer_into_a_502_naming_the_rule():
    with serve_variant("wrong_type") as upstream:
        proxy = start_proxy(upstream.url, "--quiet", "--errors")
        try:
            broken = httpx.get(proxy.url + PROFILE)
            fine = httpx.post(  # the variant breaks profiles only: a verify answer is fine
                proxy.url + "/customers/supported-formats/email-address",
                json={"emailAddress": "amelia.hartley@example.com"},
            )
        finally:
            proxy.stop()
    assert broken.status_code == 502
    assert broken.headers["content-type"] == "application/problem+json"
    problem = broken.json()
    assert problem["type"] == "newday:proxy:error:contract-violation"
    assert problem["upstreamStatus"] == 200
    assert "type" in problem["detail"] and problem["violations"][0]["rule"].endswith(" type")
    assert fine.status_code == 200 and fine.json() == {"verified": True}


def test_drift_never_alters_traffic_even_with_errors():
    with serve_variant("missing_field") as upstream:
        proxy = start_proxy(upstream.url, "--quiet", "--errors")
        try:
            through = httpx.get(proxy.url + PROFILE)
            snap = proxy.wait_exchanges(1)
        finally:
            proxy.stop()
    assert through.status_code == 200 and "customerRef" not in through.json()
    assert snap["failures"] == [] and snap["verdict"].startswith("PASS")
    assert snap["drift"][0]["rule"].endswith("required/customerRef")
    assert snap["drift"][0]["violations"][0]["proposal"]  # the change that would accept it


def test_the_violations_header_names_the_rules_broken():
    with serve_variant("wrong_type") as upstream:
        proxy = start_proxy(upstream.url, "--quiet", "--violations-header")
        try:
            through = httpx.get(proxy.url + PROFILE)
            fine = httpx.post(  # the variant breaks profiles only: a verify answer is fine
                proxy.url + "/customers/supported-formats/email-address",
                json={"emailAddress": "amelia.hartley@example.com"},
            )
        finally:
            proxy.stop()
    value = through.headers[VIOLATIONS_HEADER]
    assert value.startswith("[") and " type" in value and len(value) < 8192
    assert through.json()["accounts"][0]["accountNumber"] == int(
        AMELIA.profile["accounts"][0]["accountNumber"]
    )
    assert VIOLATIONS_HEADER.lower() not in fine.headers


def test_behaviour_checks_that_need_no_second_request_run_on_live_traffic():
    with serve_variant("session_not_echoed") as upstream:
        proxy = start_proxy(upstream.url, "--quiet")
        try:
            httpx.get(proxy.url + PROFILE, headers={"Client-Session-Id": "abc-123"})
            snap = proxy.wait_exchanges(1)
        finally:
            proxy.stop()
    # Echoing Client-Session-Id is our reading (the standard: accept and pass it through).
    assert snap["failures"] == []
    assert [f["check"] for f in snap["drift"]] == ["client_session_id_echoed"]


def test_a_request_the_contract_rejects_is_drift_only_when_the_upstream_accepts_it(
    upstream_mock, echo
):
    _, accepting = echo
    bad = {"filter": {}}
    proxy = start_proxy(upstream_mock.url, "--quiet")
    try:
        assert httpx.post(proxy.url + "/customers/search", json=bad).status_code == 400
        snap = proxy.wait_exchanges(1)
    finally:
        proxy.stop()
    assert snap["drift"] == [] and any("the upstream refused too" in n for n in snap["notes"])
    proxy = start_proxy(accepting.url, "--quiet")
    try:
        assert httpx.post(proxy.url + "/customers/search", json=bad).status_code == 200
        snap = proxy.wait_exchanges(1)
    finally:
        proxy.stop()
    checks = {v["check"] for f in snap["drift"] for v in f["violations"]}
    assert "request_conformance" in checks


def test_the_live_page_and_drift_patch():
    with serve_variant("missing_field") as upstream:
        proxy = start_proxy(upstream.url, "--quiet")
        try:
            httpx.get(proxy.url + PROFILE)
            proxy.wait_exchanges(1)
            page = httpx.get(proxy.url + "/__proxy/")
            patch = httpx.get(proxy.url + "/__proxy/drift").json()
            missing = httpx.get(proxy.url + "/__proxy/nothing")
            posted = httpx.post(proxy.url + "/__proxy/findings")
        finally:
            proxy.stop()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "required/customerRef" in page.text and "<script" not in page.text
    assert patch["format"] == "ndt-customer/drift-patch/1" and patch["files"]
    assert missing.status_code == 404 and posted.status_code == 405


# -- pure parts ---------------------------------------------------------------------------


def test_router_prefers_literal_paths_and_checks_the_method():
    router = Router(load_contract())
    assert router.match("POST", "/customers/search").operation.operation_id == "SearchCustomers"
    found = router.match("GET", "/customers/0003911000001668971/")
    assert found.operation.operation_id == "GetCustomer"
    assert found.path_parameters == {"customerId": "0003911000001668971"}
    assert router.match("DELETE", "/customers/1") is None
    assert router.match("GET", "/elsewhere") is None


def test_violations_header_is_bounded_and_counts_what_it_left_out():
    rules = [f"[decision] components/schemas.yaml#/X{n} pattern" for n in range(1000)]
    value = violations_header(rules)
    assert len(value) + len(VIOLATIONS_HEADER) + 4 <= 8192
    kept = value.count("[decision]")
    assert value.endswith(f"(+{1000 - kept} more)")
    assert violations_header(rules[:2]) == "; ".join(rules[:2])
    assert "\n" not in violations_header(["a\nb é"])


@pytest.mark.parametrize(
    ("encoding", "body", "expected"),
    [
        ("", b"{}", b"{}"),
        ("gzip", gzip.compress(b'{"a":1}', mtime=0), b'{"a":1}'),
        ("gzip", gzip.compress(b"x" * 5000, mtime=0), None),  # past the cap once inflated
        ("br", b"\x00", None),
        ("gzip", b"not gzip", None),
    ],
)
def test_decoded_reads_what_the_judge_can_and_stays_under_the_cap(encoding, body, expected):
    assert decoded(body, encoding, 4096) == expected


def test_a_verdict_is_the_strongest_finding():
    assert Judged().verdict == "pass"
    assert Judged(outage=True).verdict == "outage"
