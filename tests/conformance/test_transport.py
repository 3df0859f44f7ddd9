"""The guard where the bytes leave (conformance/transport.py): every spelling of a production
host, fed to each client of a run and to `conform` itself, and not one connection reaches the
loopback stand-in for production.

A resolver hook stands in for a wildcard DNS record: any name (and any address literal) resolves
to the production counter, except the allowed staging name, which resolves to a second counter.
So a spelling the guard let through would be counted, whichever client sent it.
"""

from __future__ import annotations

import contextlib
import socket
from types import SimpleNamespace

import httpx
import pytest
import requests
from hostile import ConnectionCounter, HostileServer, redirect_off_target
from spellings import PRODUCTION, STAGING, host_spellings, loopback_spellings, url_spellings

from conformance import ConformOptions, run_conformance
from conformance.options import UsageError
from conformance.transport import Gate, Target, TransportRefused, parse_target
from ndt_cli.main import main

pytestmark = pytest.mark.live  # starts servers or processes on loopback

# What httpx itself raises for a URL it cannot read (IDNA errors are UnicodeErrors): refused
# before a connection, as the counters check.
HTTPX_REFUSALS = (TransportRefused, httpx.HTTPError, httpx.InvalidURL, UnicodeError)
# Spellings whose host, read by every client alike, is the allowed target and not production.
NOT_PRODUCTION = {"question mark before at"}
ALLOWED = {Target("https", STAGING, 443), Target("http", STAGING, 80)}


@pytest.fixture(scope="module")
def counters():
    with ConnectionCounter() as production, ConnectionCounter() as staging:
        yield SimpleNamespace(production=production, staging=staging)


@pytest.fixture
def world(counters, monkeypatch):
    """Two counters (from zero) and a resolver that sends every name but STAGING, and every
    address literal, to the production one."""
    production, staging = counters.production, counters.staging
    for counter in (production, staging):
        counter.accepted = counter.received = 0
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name == "127.0.0.1" and port not in (production.port, staging.port):
            return real(host, port, *args, **kwargs)  # the hostile servers of a test
        target = staging.port if name.lower() == STAGING else production.port
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", target))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return counters


def test_the_stand_in_counts_what_reaches_it(world):
    """Without the gate, a lenient spelling does reach the stand-in: the test can fail."""
    with contextlib.suppress(requests.RequestException):
        requests.get(f"http://{PRODUCTION.upper()}./", timeout=2)
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(f"http://{PRODUCTION}./", timeout=2)
    assert world.production.settle().accepted == 2


def test_the_allowed_target_is_reached_through_the_gate(world):
    gate = Gate(ALLOWED)
    with contextlib.suppress(requests.RequestException):
        gate.requests_session().get(f"http://{STAGING}/x", timeout=2)
    with gate.httpx_client() as client, contextlib.suppress(httpx.HTTPError):
        client.get(f"http://{STAGING}/x")
    assert (world.staging.settle().accepted, world.production.settle().accepted) == (2, 0)


URLS = url_spellings()


@pytest.mark.parametrize("name", sorted(URLS))
def test_no_spelling_of_production_leaves_through_either_client(world, name):
    url = URLS[name]
    gate = Gate(ALLOWED)
    session = gate.requests_session()
    with pytest.raises((TransportRefused, requests.RequestException, ValueError)):
        session.get(url, timeout=2)
    with gate.httpx_client() as client, pytest.raises(HTTPX_REFUSALS):
        client.get(url)
    assert (world.production.settle().accepted, world.production.received) == (0, 0), url


def test_there_are_at_least_85_kinds():
    assert len(URLS) + len(loopback_spellings(1)) >= 85
    assert len(host_spellings()) >= 50


@pytest.mark.parametrize("name", sorted(loopback_spellings(1)))
def test_no_spelling_of_a_loopback_address_leaves(world, name):
    url = loopback_spellings(world.production.port)[name]
    gate = Gate({Target("http", "127.0.0.2", world.production.port)})
    with pytest.raises((TransportRefused, requests.RequestException, ValueError)):
        gate.requests_session().get(url, timeout=2)
    with gate.httpx_client() as client, pytest.raises(HTTPX_REFUSALS):
        client.get(url)
    assert world.production.settle().accepted == 0


CONTRACT = SimpleNamespace(
    production_urls=lambda: [f"https://{PRODUCTION}/customer-service"],
    operations={},
    evidence_sources={},
)


@pytest.mark.parametrize("name", sorted(URLS))
def test_conform_refuses_every_spelling_before_a_byte(world, name):
    if name in NOT_PRODUCTION:
        result = run_conformance(ConformOptions(base_url=URLS[name]), contract=CONTRACT)
        assert result.verdict().code == 3 and world.staging.settle().accepted == 1
    else:
        with pytest.raises(UsageError) as refused:
            run_conformance(ConformOptions(base_url=URLS[name]), contract=CONTRACT)
        assert "\n" not in str(refused.value)
    assert world.production.settle().accepted == 0


@pytest.mark.parametrize("name", sorted(loopback_spellings(1)))
def test_conform_refuses_loopback_spellings_of_an_injected_production(world, monkeypatch, name):
    monkeypatch.setattr("conformance.options.KNOWN_PRODUCTION_HOSTS", frozenset({"127.0.0.1"}))
    with pytest.raises(UsageError):
        run_conformance(
            ConformOptions(base_url=loopback_spellings(world.production.port)[name]),
            contract=CONTRACT,
        )
    assert world.production.settle().accepted == 0


@pytest.mark.parametrize(
    "url",
    [
        f"https://{PRODUCTION}:443:443/",
        f"https://[{PRODUCTION}]/",
        f"https://xn--dapi-.{PRODUCTION}/",
        "https://dapi\u2024newdaytechnology.net/",
        "https://dapi\ufe52newdaytechnology.net/",
        "https://dapi\u2e3cnewdaytechnology.net/",
        "https://%64api.newdaytechnology.net/",
        f"https://{PRODUCTION}\\@{STAGING}/",
    ],
)
def test_the_cli_says_one_line_and_exits_2(world, capsys, url):
    assert main(["conform", "--quiet", "--base-url", url]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert captured.err.startswith("ndt-customer conform: ")
    assert world.production.settle().accepted == 0


def test_redirects_are_never_followed_off_the_target(world):
    with HostileServer(redirect_off_target(f"http://{PRODUCTION}/")) as target:
        gate = Gate({parse_target(target.url)})
        response = gate.requests_session().get(f"{target.url}/x", timeout=5)
        assert response.status_code == 302  # the redirect is the response under test
        with gate.httpx_client() as client:
            assert client.get(f"{target.url}/x").status_code == 302
            with pytest.raises(TransportRefused):
                client.get(f"{target.url}/x", follow_redirects=True)
    assert world.production.settle().accepted == 0


def test_a_same_target_redirect_is_followed(world):
    with HostileServer(redirect_off_target("/")) as target:
        gate = Gate({parse_target(target.url)})
        assert gate.requests_session().get(f"{target.url}/x", timeout=5).status_code == 200


def test_a_proxy_is_never_used(world):
    gate = Gate(ALLOWED)
    session = gate.requests_session()
    with contextlib.suppress(requests.RequestException):
        session.get(f"http://{STAGING}/", proxies={"http": f"http://{PRODUCTION}:3128"})
    assert (world.staging.settle().accepted, world.production.settle().accepted) == (1, 0)


def test_while_guarding_any_requests_session_sends_through_the_gate(world):
    gate = Gate(ALLOWED)
    with gate.guarding_requests():
        with pytest.raises(requests.ConnectionError, match="refused"):
            requests.Session().get(f"http://{PRODUCTION}./", timeout=2)
        assert gate.refused
        with contextlib.suppress(requests.RequestException):
            requests.get(f"http://{STAGING}/", timeout=2)
    assert (world.staging.settle().accepted, world.production.settle().accepted) == (1, 0)
    with contextlib.suppress(requests.RequestException):  # and after the run, as before
        requests.get(f"http://{PRODUCTION}/", timeout=2)
    assert world.production.settle().accepted == 1


def test_after_a_refusal_the_gate_remembers_it():
    gate = Gate(ALLOWED)
    with pytest.raises(TransportRefused):
        gate.admit_connection(PRODUCTION, 443)
    assert gate.refused and PRODUCTION in gate.refused


# -- the strict reading, branch by branch ----------------------------------------------------


@pytest.mark.parametrize(
    "url,expected",
    [
        ("http://127.0.0.1:8080", Target("http", "127.0.0.1", 8080)),
        ("HTTPS://Api.Example.TEST/x", Target("https", "api.example.test", 443)),
        ("http://[::1]:9/", Target("http", "::1", 9)),
        ("http://xn--bcher-kva.example/", Target("http", "xn--bcher-kva.example", 80)),
    ],
)
def test_urls_every_client_reads_alike_are_accepted(url, expected):
    assert parse_target(url) == expected


@pytest.mark.parametrize(
    "url,why",
    [
        ("ftp://host/", "only http and https"),
        ("http://a\\b/", "backslash"),
        ("http:///x", "no host"),
        ("http://u@host/", "credentials"),
        ("http://ho%73t/", "percent-encoding"),
        ("http://host:1:2/", "one host"),
        ("http://host:0/", "1-65535"),
        ("http://b\u00fccher.example/", "xn--bcher-kva.example"),
        ("http://host./", "trailing dot"),
        ("http://0x7f.1/", "IPv4"),
        ("http://[v1.x]/", "IPv6 address, and nothing else"),
        ("http://[::127.0.0.1]/", "plain form"),
        ("http://[64:ff9b::7f00:1]/", "plain form"),
        ("http://[::ffff:1.2.3.4]/", "plain form"),
        ("http://-a.example/", "letters, digits and hyphens"),
        ("http://xn--zz.example/", "IDNA"),
        ("http://::1/", "one host"),
    ],
)
def test_urls_clients_may_read_differently_are_refused(url, why):
    with pytest.raises(TransportRefused, match=why):
        parse_target(url)
