"""No secret or PII in any artefact, against a target that reflects what it is sent.

The target is the real mock behind a wrapper that issues OAuth tokens (the access token is a
persona's, so the mock accepts it) and reflects the request's Authorization header and planted
personal data into every place a response can carry them: headers, an enum field, an array, a
problem's detail. `conform` runs with every report asked for, its cache and working directory
inside a temporary folder, and every file written there (and stdout, stderr) is grepped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from broken.base import Broken, Response, ThreadedServer, real_app
from ndt_fixtures import persona

pytestmark = pytest.mark.live  # starts servers or processes on loopback

REFLECTED: set[str] = set()  # request header values the target put into an enum field
TOKEN = persona("applicant-no-account").token
CLIENT_SECRET = "planted-Client-Secret-7d1e9a"
CLIENT_ID = "planted-client-id"
PII = {
    "nickname": "Ottoline Wrexham-Planted",
    "phone": "07700 900612",
    "email": "ottoline.planted@example.org",
}


def reflect(request, response):
    if request.path == "/oauth/token":
        body = {"access_token": TOKEN, "expires_in": 300, "token_type": "Bearer"}
        return Response(200, {"content-type": "application/json"}, json.dumps(body).encode())
    authorization = request.headers.get("authorization", "")
    response.headers["x-echo-authorization"] = authorization
    response.headers["x-echo-person"] = PII["nickname"]
    body = response.json() if response.body[:1] == b"{" else None
    carried = request.headers.get("x-schemathesis-testcaseid", "none")
    REFLECTED.add(carried)
    if isinstance(body, dict):
        if response.status < 300:
            body["status"] = carried  # an enum field: a plain code, the kind drift proposes
            body["accountType"] = authorization.partition(" ")[2] or "none"
            body["aliases"] = [authorization, *PII.values()]
            body.update(PII)
        else:
            body["detail"] = f"{authorization} is not welcome, {PII['nickname']}"
        response.set_json(body)
    return response


def files_under(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", "replace")
        for path in root.rglob("*")
        if path.is_file()
    }


def test_reflected_secrets_and_pii_reach_no_artefact(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    with ThreadedServer(Broken(real_app(), reflect)) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ndt_cli",
                "conform",
                "--base-url",
                server.url,
                "--oauth-token-url",
                f"{server.url}/oauth/token",
                "--max-examples",
                "3",
                "--seed",
                "3",
                "--phases",
                "examples,fuzzing",
                "--junit",
                "out/j.xml",
                "--html",
                "out/r.html",
                "--drift-report",
                "out/drift.json",
                "--write-baseline",
                "out/baseline.json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=work,
            env={
                **os.environ,
                "NDT_OAUTH_CLIENT_ID": CLIENT_ID,
                "NDT_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
                "CI": "1",
            },
        )
    assert result.returncode in (0, 1, 3), result.stdout[-3000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    texts = {"stdout": result.stdout, "stderr": result.stderr, **files_under(tmp_path)}
    assert {"work/out/j.xml", "work/out/r.html", "work/out/baseline.json"} <= set(texts)
    planted = [TOKEN, CLIENT_SECRET, *PII.values()]
    leaked = {name: [v for v in planted if v in text] for name, text in texts.items()}
    assert not any(leaked.values()), {k: v for k, v in leaked.items() if v}
    # Tokens never become variable names, and no proposal carries what the request carried.
    assert "${PII_eyJ" not in result.stdout and "$PII_eyJ" not in result.stdout
    drift = texts["work/out/drift.json"]
    assert "eyJ" not in drift
    assert REFLECTED and not [v for v in REFLECTED if v in drift + result.stdout]
