"""Upstream credentials the proxy adds (a static bearer, OAuth2 client credentials renewed
after a 401), the production guard, and the rules for /__proxy/* off loopback."""

from __future__ import annotations

import httpx
import pytest

from proxy.proxies import run_proxy, start_proxy
from validation_proxy.settings import ProxySettings, ProxyUsageError, check_usage

pytestmark = pytest.mark.live  # starts servers or processes on loopback

SECRET = "static-upstream-secret-0123456789"


def test_a_static_bearer_is_added_only_to_requests_without_one(echo, tmp_path):
    app, upstream = echo
    log = tmp_path / "access.log"
    proxy = start_proxy(
        upstream.url,
        "--token-env",
        "NDT_TEST_UPSTREAM",
        "--access-log",
        str(log),
        "--findings-json",
        str(tmp_path / "findings.json"),
        env={"NDT_TEST_UPSTREAM": SECRET},
    )
    httpx.get(proxy.url + "/customers")
    added = app.seen[-1]["headers"]["authorization"]
    httpx.get(proxy.url + "/customers", headers={"Authorization": "Bearer mine"})
    own = app.seen[-1]["headers"]["authorization"]
    proxy.wait_exchanges(2)
    _, output = proxy.stop()
    assert added == f"Bearer {SECRET}" and own == "Bearer mine"
    findings = (tmp_path / "findings.json").read_text()
    assert "${NDT_TEST_UPSTREAM}" in findings  # reproductions name the variable
    for text in (output, log.read_text(), findings):
        assert SECRET not in text


def test_oauth_tokens_are_fetched_once_and_renewed_after_a_401(echo):
    app, upstream = echo
    proxy = start_proxy(
        upstream.url,
        "--quiet",
        "--oauth-token-url",
        upstream.url + "/token",
        env={"NDT_OAUTH_CLIENT_ID": "client", "NDT_OAUTH_CLIENT_SECRET": "oauth-secret-xyz"},
    )
    try:
        httpx.get(proxy.url + "/customers")
        httpx.get(proxy.url + "/customers")
        first = app.seen[-1]["headers"]["authorization"]
        assert app.issued == 1 and first == "Bearer oauth-token-0001-xyz"
        app.refuse.add("oauth-token-0001-xyz")
        assert httpx.get(proxy.url + "/customers").status_code == 401  # passed on as it came
        httpx.get(proxy.url + "/customers")
        assert app.seen[-1]["headers"]["authorization"] == "Bearer oauth-token-0002-xyz"
    finally:
        _, output = proxy.stop()
    assert "oauth-token-000" not in output and "oauth-secret-xyz" not in output


def test_an_oauth_endpoint_that_refuses_stops_the_start(echo):
    _, upstream = echo
    code, output = run_proxy(
        upstream.url,
        "--oauth-token-url",
        upstream.url + "/nowhere",
        env={"NDT_OAUTH_CLIENT_ID": "client", "NDT_OAUTH_CLIENT_SECRET": "s"},
    )
    assert code == 3 and "cannot authenticate to the upstream" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--upstream", "https://dapi.newdaytechnology.net/customer-service"), "production"),
        (
            (
                "--upstream",
                "https://dapi.newdaytechnology.net",
                "--allow-production",
                "--record",
                "rec",
            ),
            "--record is refused",
        ),
        (("--upstream", "ftp://example"), "not an http(s) URL"),
        (("--upstream", "https://user:pw@example.org"), "credentials do not go in the URL"),
        (("--upstream", "http://127.0.0.1:1", "--host", "0.0.0.0"), "--proxy-token"),
        (("--upstream", "http://127.0.0.1:1", "--token-env", "NDT_UNSET_X"), "empty or unset"),
        (("--upstream", "http://127.0.0.1:1", "--waive", "nope"), "not a standard"),
        (("--upstream", "http://127.0.0.1:1", "--key", "k.pem"), "--key needs --cert"),
        # Read as strictly as conform reads a target (a traceback or a start before).
        (("--upstream", "https://[::ffff:dapi.newdaytechnology.net]"), "not an http(s) URL"),
        (("--upstream", "http://127.0.0.1:99999"), "at most one port"),
        (("--upstream", "https://127.0.0.1%40dapi.newdaytechnology.net"), "percent-encoding"),
        (("--upstream", "https://xn--dapi-.newdaytechnology.net"), "--upstream: "),
    ],
)
def test_refused_starts_are_one_line_and_exit_2(args, message):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "proxy", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_record_folder_holding_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    code, output = run_proxy("http://127.0.0.1:1", "--record", str(tmp_path))
    assert code == 2 and "holds other files" in output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_proxy_token_guards_every_proxy_route(echo):
    _, upstream = echo
    token = "t" * 20
    proxy = start_proxy(upstream.url, "--quiet", "--proxy-token", token)
    try:
        assert httpx.get(proxy.url + "/__proxy/findings").status_code == 401
        wrong = httpx.get(proxy.url + "/__proxy/", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = httpx.get(
            proxy.url + "/__proxy/findings", headers={"Authorization": f"Bearer {token}"}
        )
        assert right.status_code == 200
        assert httpx.get(proxy.url + "/customers").status_code == 200  # the API is not guarded
    finally:
        proxy.stop()


def test_usage_checks_one_branch_each():
    base = ProxySettings(upstream="http://127.0.0.1:9")
    assert check_usage(base) is base
    for bad in (
        ProxySettings(upstream="http://x/?q=1"),
        ProxySettings(upstream="http://x", proxy_token="short"),
        ProxySettings(upstream="http://x", port=70000),
        ProxySettings(upstream="http://x", duration=0),
        ProxySettings(upstream="http://x", max_judged_bytes=10),
        ProxySettings(upstream="http://x", record_limit=0),
        ProxySettings(upstream="http://x", token="a", oauth=object()),  # type: ignore[arg-type]
    ):
        with pytest.raises(ProxyUsageError):
            check_usage(bad)
    assert check_usage(ProxySettings(upstream="http://x", host="0.0.0.0", proxy_token="x" * 16))
