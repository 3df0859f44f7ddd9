"""An https upstream that asks for a client certificate (mutual TLS, as staging does): the
proxy reaches it with --cert/--key and --ca-bundle, and says why when it cannot."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
import uvicorn

from proxy.proxies import Echo, ThreadedUpstream, start_proxy

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl"),
]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it."""
    d = tmp_path_factory.mktemp("pki")
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=test ca",
        cwd=d,
    )
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, extra in (("server", ["-extfile", "san.cnf"]), ("client", [])):
        openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={name}",
            cwd=d,
        )
        openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            *extra,
            cwd=d,
        )
    return d


class TlsUpstream(ThreadedUpstream):
    def __init__(self, app, pki: Path) -> None:
        super().__init__(app)
        self.url = self.url.replace("http://", "https://")
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="critical",
                lifespan="off",
                ssl_keyfile=str(pki / "server.key"),
                ssl_certfile=str(pki / "server.pem"),
                ssl_ca_certs=str(pki / "ca.pem"),
                ssl_cert_reqs=ssl.CERT_REQUIRED,
            )
        )
        import threading

        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )


def test_mutual_tls_reaches_the_upstream_and_its_failures_are_502_problems(pki):
    app = Echo()
    with TlsUpstream(app.app, pki) as upstream:
        good = start_proxy(
            upstream.url,
            "--quiet",
            "--ca-bundle",
            str(pki / "ca.pem"),
            "--cert",
            str(pki / "client.pem"),
            "--key",
            str(pki / "client.key"),
        )
        try:
            first = httpx.get(good.url + "/customers/0003911000001668971?x=1")
            second = httpx.post(
                good.url + "/customers/search", json={"filter": {"familyName": "A"}}
            )
        finally:
            good.stop()
        assert first.status_code == 200 and first.json()["query"] == "x=1"
        assert second.status_code == 200 and second.json()["body"].startswith('{"filter"')
        assert app.seen[-1]["headers"]["host"] == upstream.url.removeprefix("https://")

        no_cert = start_proxy(upstream.url, "--quiet", "--ca-bundle", str(pki / "ca.pem"))
        untrusted = start_proxy(
            upstream.url,
            "--quiet",
            "--cert",
            str(pki / "client.pem"),
            "--key",
            str(pki / "client.key"),
        )
        try:
            refused = httpx.get(no_cert.url + "/customers")
            unverified = httpx.get(untrusted.url + "/customers")
        finally:
            no_cert.stop()
            untrusted.stop()
    assert refused.status_code == 502 and refused.json()["type"].endswith("upstream-unreachable")
    assert unverified.status_code == 502
    assert "SSL" in unverified.json()["detail"] or "Cert" in unverified.json()["detail"]
