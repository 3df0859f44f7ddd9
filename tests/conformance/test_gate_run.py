"""A real run against the mock: every TCP connection it opens was first judged by the gate,
and the OAuth token endpoint is held to https off loopback."""

from __future__ import annotations

import socket

import pytest
from broken.base import ThreadedServer, real_app

from conformance import ConformOptions, run_conformance
from conformance.options import OAuthSettings, UsageError
from conformance.transport import Gate

pytestmark = pytest.mark.live  # starts servers or processes on loopback


def test_every_connection_of_a_run_was_admitted_by_the_gate(monkeypatch):
    admitted, connected = [], []
    real_admit = Gate.admit_connection
    real_connect = socket.socket.connect

    def admit(self, host, port):
        admitted.append((host, port))
        return real_admit(self, host, port)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            connected.append(address[:2])
        return real_connect(sock, address)

    with ThreadedServer(real_app()) as server:
        port = int(server.url.rsplit(":", 1)[1])
        monkeypatch.setattr(Gate, "admit_connection", admit)
        monkeypatch.setattr(socket.socket, "connect", connect)
        result = run_conformance(
            ConformOptions(base_url=server.url, max_examples=2, seed=2, phases=("examples",))
        )
        monkeypatch.undo()
    assert result.passed, result.verdict().reason
    to_target = [a for a in connected if a[1] == port]
    assert to_target and len(to_target) <= len(admitted), (len(to_target), len(admitted))
    assert all(p == port for _, p in admitted)


@pytest.mark.parametrize(
    "url,refused",
    [
        ("https://login.example.test/token", False),
        ("http://127.0.0.1:9/token", False),
        ("http://[::1]:9/token", False),
        ("http://login.example.test/token", True),
        ("ftp://login.example.test/token", True),
        ("file:///etc/passwd", True),
        ("https://user:pw@login.example.test/token", True),
        ("https://login.example.test%2e/token", True),
    ],
)
def test_token_urls_are_https_except_on_loopback(url, refused, monkeypatch):
    from types import SimpleNamespace

    from conformance.options import validate

    contract = SimpleNamespace(production_urls=lambda: [], operations={}, evidence_sources={})
    options = ConformOptions(
        base_url="http://127.0.0.1:8080", oauth=OAuthSettings(url, "ID_ENV", "SECRET_ENV")
    )
    if refused:
        with pytest.raises(UsageError, match="--oauth-token-url") as caught:
            validate(options, contract)
        assert "pw@" not in str(caught.value)
    else:
        assert validate(options, contract) is options
