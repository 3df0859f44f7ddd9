"""Direct tests of the admin API's pure guards: which hosts count as this machine."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ndt_contract.hosts import is_loopback

from mock_server.admin import AdminApp, AdminPolicy, host_of
from mock_server.problems import ApiProblem


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST",
        "localhost.localdomain",
        "ip6-localhost",
        "127.0.0.1",
        "127.8.9.10",  # all of 127/8 is loopback
        "::1",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
    ],
)
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "0.0.0.0",
        "10.0.0.1",
        "192.168.1.10",
        "::",
        "example.com",
        "localhost.example.com",  # DNS rebinding names
        "127.0.0.1.nip.io",
        "evil-localhost",
        "128.0.0.1",
    ],
)
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


@pytest.mark.parametrize(
    "authority,host",
    [
        ("127.0.0.1:8080", "127.0.0.1"),
        ("LocalHost:80", "localhost"),
        ("[::1]:9000", "::1"),
        ("[::1]", "::1"),
        ("example.com", "example.com"),
        ("user@example.com:1", "example.com"),
        ("", ""),
    ],
)
def test_host_of_drops_the_port_and_lowercases(authority, host):
    assert host_of(authority) == host


def test_the_default_policy_is_on_without_a_token_or_extra_hosts():
    assert AdminPolicy() == AdminPolicy(enabled=True, token=None, extra_hosts=frozenset())


# The admission rules, applied to a bare ASGI scope (no server, no state needed).
def admit(policy: AdminPolicy, method: str = "GET", scheme: str = "http", **headers: str):
    scope = {
        "method": method,
        "scheme": scheme,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    AdminApp._admit(SimpleNamespace(policy=policy), scope)  # type: ignore[arg-type]


def refused(policy: AdminPolicy, method: str = "GET", **headers: str) -> ApiProblem:
    with pytest.raises(ApiProblem) as caught:
        admit(policy, method, **headers)
    return caught.value


def test_admin_off_is_a_404_whatever_the_request():
    found = refused(AdminPolicy(enabled=False), host="127.0.0.1:8000")
    assert (found.status, found.detail) == (404, "The admin API is off (--no-admin).")


def test_a_loopback_host_is_admitted_without_a_token():
    admit(AdminPolicy(), host="127.0.0.1:8000")
    admit(AdminPolicy(), host="localhost")
    admit(AdminPolicy(), host="[::1]:8000")


@pytest.mark.parametrize("host", ["evil.example:8000", "192.168.1.5:8000", ""])
def test_another_host_is_refused_without_a_token(host):
    found = refused(AdminPolicy(), host=host)
    assert found.status == 403
    assert found.detail == f"The admin API does not answer for host {host_of(host)!r}."


def test_no_host_header_at_all_is_refused():
    assert refused(AdminPolicy()).status == 403


def test_the_bound_interface_is_admitted_when_listed():
    admit(AdminPolicy(extra_hosts=frozenset({"192.168.1.5"})), host="192.168.1.5:8000")


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer wrong", "Basic s3cret", "Bearer", "s3cret"]
)
def test_with_a_token_set_anything_but_that_bearer_token_is_a_401(authorization):
    headers = {"host": "127.0.0.1"}
    if authorization is not None:
        headers["authorization"] = authorization
    found = refused(AdminPolicy(token="s3cret"), **headers)
    assert found.status == 401
    assert found.detail == "The admin API needs Authorization: Bearer <the --admin-token value>."


def test_with_the_token_any_host_is_admitted():
    admit(AdminPolicy(token="s3cret"), host="evil.example", authorization="bearer  s3cret ")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_change_from_another_origin_is_refused(method):
    found = refused(AdminPolicy(), method, host="127.0.0.1:8000", origin="http://evil.example")
    assert (found.status, found.detail) == (403, "Admin changes from another origin are refused.")


def test_a_change_from_the_same_origin_is_admitted_whatever_its_case():
    admit(AdminPolicy(), "POST", host="127.0.0.1:8000", origin="HTTP://127.0.0.1:8000")


def test_the_origin_must_match_scheme_and_port_too():
    assert refused(AdminPolicy(), "PUT", host="127.0.0.1:8000", origin="https://127.0.0.1:8000")
    assert refused(AdminPolicy(), "PUT", host="127.0.0.1:8000", origin="http://127.0.0.1:9000")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_from_another_origin_are_admitted(method):
    admit(AdminPolicy(), method, host="127.0.0.1:8000", origin="http://evil.example")


def test_a_change_without_an_origin_header_is_admitted():
    admit(AdminPolicy(), "DELETE", host="127.0.0.1:8000")
