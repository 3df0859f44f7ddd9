"""OAuth2 client credentials against a local token endpoint issuing short-lived tokens, behind
a gateway that accepts only live tokens; over plain HTTP and over mutual TLS."""

from __future__ import annotations

import base64
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import uvicorn
from broken.base import real_app
from ndt_fixtures import persona

from conformance import ConformOptions, run_conformance
from conformance.auth import OAuthTokenSource, TokenError
from conformance.options import OAuthSettings, UsageError

CLIENT_ID, CLIENT_SECRET, SCOPE = "qa-runner", "s3cret-client-Planted", "customer.read"
LIFETIME = 1.0  # seconds: a run (3 s or more, even on a fast machine) outlives several
USES_PER_TOKEN = 30  # then the gateway refuses it early: the runner must refresh on the 401


class Issuer:
    """Tokens issued, when they expire, how often each was used."""

    def __init__(self) -> None:
        self.expires: dict[str, float] = {}
        self.uses: dict[str, int] = {}
        self.fetches = 0
        self.refused = 0
        self.scopes: list[str] = []
        self.lock = threading.Lock()

    def issue(self, scope: str) -> dict:
        token = uuid.uuid4().hex
        with self.lock:
            self.fetches += 1
            self.scopes.append(scope)
            self.expires[token] = time.monotonic() + LIFETIME
        return {"access_token": token, "token_type": "Bearer", "expires_in": LIFETIME}

    def live(self, token: str) -> bool:
        with self.lock:
            uses = self.uses[token] = self.uses.get(token, 0) + 1
            ok = self.expires.get(token, 0) > time.monotonic() and uses <= USES_PER_TOKEN
            if not ok:
                self.refused += 1
            return ok


def token_handler(issuer: Issuer):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}" or form.get(
                "grant_type"
            ) != ["client_credentials"]:
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps(issuer.issue(form.get("scope", [""])[0])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def gateway(issuer: Issuer):
    """The mock behind a gateway: a live OAuth token becomes the persona's customer token;
    anything else reaches the mock as an unknown token (so its own 401 answers)."""
    customer_token = persona("multi-account").token

    app = real_app()

    async def gateway_app(scope, receive, send):
        if scope["type"] == "http":
            headers = []
            for name, value in scope["headers"]:
                if name.lower() == b"authorization":
                    token = value.decode("latin-1").removeprefix("Bearer ")
                    live = issuer.live(token)
                    value = f"Bearer {customer_token if live else 'expired'}".encode()
                headers.append((name, value))
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return gateway_app


class Servers:
    """The token endpoint and the gateway on loopback, optionally both over mutual TLS."""

    def __init__(self, issuer: Issuer, tls: dict[str, Path] | None = None) -> None:
        self.issuer = issuer
        self.tls = tls
        scheme = "https" if tls else "http"
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), token_handler(issuer))
        if tls:
            context = server_context(tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.token_url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}/oauth2/token"
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"{scheme}://127.0.0.1:{self.sock.getsockname()[1]}"
        ssl_args = {}
        if tls:
            ssl_args = {
                "ssl_certfile": str(tls["server_cert"]),
                "ssl_keyfile": str(tls["server_key"]),
                "ssl_ca_certs": str(tls["ca"]),
                "ssl_cert_reqs": ssl.CERT_REQUIRED,
            }
        self.server = uvicorn.Server(
            uvicorn.Config(gateway(issuer), log_level="error", lifespan="off", **ssl_args)
        )

    def __enter__(self) -> Servers:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        ).start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.httpd.shutdown()
        self.httpd.server_close()
        self.sock.close()


def server_context(tls: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(tls["ca"]))
    context.load_cert_chain(str(tls["server_cert"]), str(tls["server_key"]))
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def make_pki(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, with openssl."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.pem")  # fmt: skip
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr")  # fmt: skip
        extra = ["-extfile", "san.ext"] if name == "server" else []
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-out", f"{name}.pem", *extra)  # fmt: skip
    return {
        "ca": directory / "ca.pem",
        "server_cert": directory / "server.pem",
        "server_key": directory / "server.key",
        "client_cert": directory / "client.pem",
        "client_key": directory / "client.key",
    }


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("NDT_TEST_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("NDT_TEST_CLIENT_SECRET", CLIENT_SECRET)


def oauth(token_url: str) -> OAuthSettings:
    return OAuthSettings(token_url, "NDT_TEST_CLIENT_ID", "NDT_TEST_CLIENT_SECRET", SCOPE)


RUN = {
    "max_examples": 6,
    "seed": 3,
    "phases": ("examples", "coverage", "fuzzing"),
    # Its follow-up GetCustomer reuses the search request's token outside the auth provider,
    # so a token refused in between fails it (reported to the check's owner).
    "exclude_checks": (
        "search_result_fetchable",
        "search_self_retrieval",
        "search_metamorphic",
        "token_identity",
    ),
}


@pytest.mark.live
def test_tokens_are_fetched_before_the_run_and_refreshed_on_expiry_and_401(credentials):
    issuer = Issuer()
    with Servers(issuer) as servers:
        result = run_conformance(
            ConformOptions(base_url=servers.url, oauth=oauth(servers.token_url), **RUN)
        )
    assert result.passed, result.verdict().reason + str(
        [(f.operations, f.title) for f in result.failures]
    )
    assert issuer.fetches >= 3 and set(issuer.scopes) == {SCOPE}
    assert issuer.refused >= 1  # a token used up early: refreshed on the 401 and replayed
    assert result.operations["GET /customers"].observed.get(200, 0) > 0
    assert f"OAuth2: {issuer.fetches} token(s) fetched" in result.notes
    assert result.env_needed.keys() == {"NDT_OAUTH_TOKEN"}


@pytest.mark.live
def test_oauth_over_mutual_tls(credentials, tmp_path):
    tls = make_pki(tmp_path)
    issuer = Issuer()
    common = dict(
        oauth=oauth(""),
        ca_bundle=tls["ca"],
        **{**RUN, "phases": ("examples",)},
    )
    with Servers(issuer, tls) as servers:
        options = {**common, "oauth": oauth(servers.token_url)}
        result = run_conformance(
            ConformOptions(
                base_url=servers.url, cert=tls["client_cert"], key=tls["client_key"], **options
            )
        )
        without_cert = run_conformance(ConformOptions(base_url=servers.url, **options))
    assert result.passed, result.verdict().reason
    assert issuer.fetches >= 1
    assert without_cert.verdict().code == 3 and "cannot reach" in without_cert.verdict().reason


@pytest.mark.live
def test_a_refused_client_is_inconclusive_and_the_secret_is_not_printed(monkeypatch):
    monkeypatch.setenv("NDT_TEST_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("NDT_TEST_CLIENT_SECRET", "wrong-Planted-secret")
    with Servers(Issuer()) as servers:
        result = run_conformance(
            ConformOptions(base_url=servers.url, oauth=oauth(servers.token_url), **RUN)
        )
    verdict = result.verdict()
    assert verdict.code == 3 and "answered 401" in verdict.reason
    assert "Planted" not in verdict.reason


@pytest.mark.live
def test_token_source_renews_before_expiry_and_after_a_refusal(credentials):
    issuer = Issuer()
    now = [0.0]
    with Servers(issuer) as servers:
        source = OAuthTokenSource(
            oauth(servers.token_url),
            client_factory=lambda: __import__("httpx").Client(),
            clock=lambda: now[0],
        )
        first = source.token()
        assert source.token() == first and issuer.fetches == 1
        now[0] = LIFETIME * 0.85  # inside the renewal margin
        second = source.token()
        assert second != first and issuer.fetches == 2
        source.invalidate(first)  # a stale refusal of an old token changes nothing
        assert source.token() == second
        source.invalidate(second)
        assert source.token() not in (first, second) and issuer.fetches == 3


def test_missing_client_credentials_are_usage_errors(monkeypatch):
    monkeypatch.delenv("NDT_TEST_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("NDT_TEST_CLIENT_ID", CLIENT_ID)
    with pytest.raises(UsageError, match="NDT_TEST_CLIENT_SECRET"):
        OAuthTokenSource(oauth("http://127.0.0.1:9/t"), client_factory=lambda: None)


def test_an_unreachable_token_endpoint_is_a_token_error(credentials):
    import httpx

    source = OAuthTokenSource(oauth("http://127.0.0.1:9/t"), client_factory=httpx.Client)
    with pytest.raises(TokenError, match="unreachable"):
        source.token()


@pytest.mark.live
def test_cli_takes_oauth_options_by_variable_name(credentials, tmp_path):
    with Servers(Issuer()) as servers:
        command = [sys.executable, "-m", "ndt_cli", "conform", "--quiet"]
        command += ["--base-url", servers.url, "--max-examples", "2", "--phases", "examples"]
        command += ["--oauth-token-url", servers.token_url, "--oauth-scope", SCOPE]
        command += ["--oauth-client-id-env", "NDT_TEST_CLIENT_ID"]
        command += ["--oauth-client-secret-env", "NDT_TEST_CLIENT_SECRET"]
        command += ["--junit", str(tmp_path / "j.xml")]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            env=os.environ,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert CLIENT_SECRET not in result.stdout + (tmp_path / "j.xml").read_text()
    assert "NDT_OAUTH_TOKEN" in result.stdout
