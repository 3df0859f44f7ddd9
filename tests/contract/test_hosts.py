"""The one loopback rule, spelling by spelling, and both of its callers agreeing with it."""

import pytest
from ndt_contract.hosts import is_loopback

from conformance.options import is_loopback as url_is_loopback

SPELLINGS = [
    ("localhost", True),
    ("LOCALHOST", True),
    ("LocalHost", True),
    ("localhost.localdomain", True),
    ("ip6-localhost", True),
    ("127.0.0.1", True),
    ("127.8.9.10", True),  # all of 127/8
    ("::1", True),
    ("[::1]", True),
    ("[0:0:0:0:0:0:0:1]", True),
    ("::ffff:127.0.0.1", True),  # IPv4-mapped
    ("[::ffff:7f00:1]", True),
    ("", False),
    ("0.0.0.0", False),
    ("::", False),
    ("[::]", False),
    ("10.0.0.1", False),
    ("192.168.1.10", False),
    ("128.0.0.1", False),
    ("::ffff:10.0.0.1", False),
    ("example.com", False),
    ("localhost.example.com", False),  # DNS names someone else controls
    ("127.0.0.1.nip.io", False),
    ("evil-localhost", False),
    ("localhost:8080", False),  # a host, not an authority
]


@pytest.mark.parametrize(("host", "loopback"), SPELLINGS)
def test_the_rule(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(("host", "loopback"), [s for s in SPELLINGS if s[0] and ":" not in s[0]])
def test_a_conformance_target_url_follows_the_same_rule(host, loopback):
    assert url_is_loopback(f"http://{host}:8080/x") is loopback


@pytest.mark.parametrize(("host", "loopback"), [s for s in SPELLINGS if s[0].startswith("[")])
def test_a_bracketed_ipv6_url_follows_the_same_rule(host, loopback):
    assert url_is_loopback(f"http://{host}:8080") is loopback
