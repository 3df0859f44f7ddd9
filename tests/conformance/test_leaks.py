"""Plant a secret and PII, run `conform` as CI would, and grep every output it writes."""

import os
import re
import subprocess
import sys

import pytest
from broken.base import Broken, ThreadedServer, real_app
from ndt_fixtures import PERSONAS, persona

pytestmark = pytest.mark.live  # every test here starts a process or a server

SECRET_ENV = "NDT_PLANTED_TOKEN"
PLANTED = {
    "nickname": "Zebediah Quarmby-Planted",  # a key the redactor has never heard of
    "mobile": "07700 900777",
    "email": "zeb.planted@example.org",
    "note": "x" * 300 + "PLANTED-TAIL",  # long enough to be cut short in any dump
}


def leak_pii(request, response):
    """A target that adds PII under unknown keys and breaks the schema (status as a number)."""
    if request.method == "GET" and response.status == 200 and request.path.startswith("/customers"):
        body = response.json()
        body.update(PLANTED)
        body["status"] = 7
        response.set_json(body)
    return response


def conform(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", "conform", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        cwd=env.get("CWD"),
    )


def personal_values():
    values = set(PLANTED.values()) | {PLANTED["note"][-40:], "PLANTED-TAIL"}
    for p in PERSONAS:
        for key in ("givenName", "familyName", "dateOfBirth"):
            if isinstance(p.profile.get(key), str):
                values.add(p.profile[key])
        for address in p.profile.get("addresses", []):
            if isinstance(address.get("postcode"), str):
                values.add(address["postcode"])
    return {v for v in values if len(v) >= 5}


def test_planted_secret_and_pii_appear_in_no_output(tmp_path):
    secret = persona("multi-account").token
    outputs = {
        "junit": tmp_path / "j.xml",
        "html": tmp_path / "r.html",
        "baseline": tmp_path / "baseline.json",
    }
    with ThreadedServer(Broken(real_app(), leak_pii)) as server:
        result = conform(
            "--base-url",
            server.url,
            "--max-examples",
            "4",
            "--phases",
            "examples,fuzzing",
            "--token-env",
            SECRET_ENV,
            "--junit",
            str(outputs["junit"]),
            "--html",
            str(outputs["html"]),
            "--write-baseline",
            str(outputs["baseline"]),
            "--color",
            "always",
            env={SECRET_ENV: secret, "CWD": str(tmp_path)},
        )
        assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
        texts = {
            "stdout": result.stdout,
            "stderr": result.stderr,
            **{name: path.read_text() for name, path in outputs.items()},
        }
        leaked = {
            name: sorted(v for v in [secret, *personal_values()] if v in text)
            for name, text in texts.items()
        }
        assert all(not values for values in leaked.values()), leaked
        # the schema break is reported, with its place in the spec
        assert "`status` is an integer; the contract says string" in result.stdout
        assert "components/schemas.yaml#/CustomerProfile/properties/status" in result.stdout
        # The reproduce line runs as printed, given the variable it names.
        line = next(
            line
            for line in result.stdout.splitlines()
            if "reproduce: curl" in line and "GET" in line
        )
        curl = line.split("reproduce: ", 1)[1]
        assert "${" + SECRET_ENV + "}" in curl
        replay = subprocess.run(
            ["bash", "-c", curl + " -o /dev/null -w '%{http_code}'"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, SECRET_ENV: secret},
        )
        assert re.fullmatch(r"[1-5][0-9][0-9]", replay.stdout), replay.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "j.xml", "r.html"]


def test_password_in_the_base_url_is_refused_and_never_printed(tmp_path):
    with ThreadedServer(real_app()) as server:
        url = server.url.replace("http://", "http://qa:Hunter2Planted@")
        result = conform(
            "--base-url", url, "--junit", str(tmp_path / "j.xml"), env={"CWD": str(tmp_path)}
        )
    assert result.returncode == 2
    assert "Hunter2Planted" not in result.stdout + result.stderr
    assert "credentials do not go in the URL" in result.stderr
