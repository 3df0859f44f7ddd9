"""`--record DIR`: what the upstream returned, anonymised, as a dataset the mock serves and
`conform` passes against; and planted PII that reaches neither DIR, the logs nor a report."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from broken.base import serve_variant
from conftest import start_mock, stop
from ndt_contract import load_contract
from ndt_fixtures import PERSONAS, UNKNOWN_TOKENS, persona
from support import bearer

from mock_server.dataset_check import checked_folder
from proxy.proxies import start_proxy

pytestmark = [pytest.mark.slow, pytest.mark.live]


def drive(url: str, headers: dict[str, str] | None = None) -> list[dict]:
    """A frontend's day: every persona by id and by token, and their searches; returns every
    profile the answers held (the real ones, as they came through)."""
    seen: list[dict] = []
    with httpx.Client(base_url=url, timeout=15, headers=headers or {}) as client:
        for p in PERSONAS:
            answer = client.get(f"/customers/{p.customer_id}")
            assert answer.status_code == 200
            seen.append(answer.json())
            if p.token:
                assert client.get("/customers", headers=bearer(p.token)).status_code == 200
            for search in [*p.searches, {"postcode": "n1c4da"}]:
                found = client.post("/customers/search", json={"filter": search})
                assert found.status_code == 200
                seen += found.json()["values"]
    return seen


def groups(profiles, key) -> list[int]:
    """The sizes of the groups of distinct customers sharing a value (what searches find)."""
    by_value: dict[str, set[str]] = {}
    for profile in profiles:
        for value in key(profile):
            by_value.setdefault(value, set()).add(profile["id"])
    return sorted(len(ids) for ids in by_value.values())


def family(profile):
    return [profile["familyName"].casefold()]


def postcodes(profile):
    return [
        re.sub(r"\s", "", a["components"]["postcode"] or "").upper() for a in profile["addresses"]
    ]


def read(folder: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / name).read_text().splitlines() if line]


def test_a_recording_is_a_dataset_the_mock_serves_and_conform_passes(upstream_mock, tmp_path):
    rec = tmp_path / "rec"
    proxy = start_proxy(upstream_mock.url, "--quiet", "--record", str(rec))
    real = drive(proxy.url)
    proxy.wait_exchanges(1)
    code, output = proxy.stop()
    assert code == 0, output
    assert "recorded" in output

    records = list(checked_folder(rec, load_contract()).records())  # the mock's own check
    profiles = {r.profile["id"]: r.profile for r in records}
    assert len(profiles) >= len(PERSONAS)
    text = (rec / "customers.jsonl").read_text() + (rec / "tokens.jsonl").read_text()
    for p in PERSONAS:
        own = p.profile
        assert own["id"] not in text and own["customerRef"] not in text
        assert own["ssoId"] not in text  # names may meet a common real one: see the planted test
        if p.token:
            assert p.token not in text
    for profile in profiles.values():
        assert re.fullmatch(r"[0-9]{19}", profile["id"])
        for email in profile["contact"]["emailAddresses"]:
            assert email["value"].endswith("@example.com")
        for phone in profile["contact"]["phoneNumbers"]:
            digits = re.sub(r"\D", "", phone["value"])
            assert re.search(r"(7700900|7946|4960|16329)", digits), phone
        born = dt.date.fromisoformat(profile["dateOfBirth"][:10])
        assert (dt.date.today() - born).days >= 18 * 365

    # Customers who shared a postcode or a family name still do, and no others.
    assert groups(real, postcodes) == groups(profiles.values(), postcodes)
    assert groups(real, family) == groups(profiles.values(), family)
    assert max(groups(real, postcodes)) >= 3  # three personas live at N1C 4DA

    tokens = read(rec, "tokens.jsonl")
    recorded = [t for t in tokens if t["customerId"]]
    assert {t["token"] for t in tokens if not t["customerId"]} == set(UNKNOWN_TOKENS)
    assert len(recorded) >= 5 and all(t["customerId"] in profiles for t in recorded)

    mock = start_mock("--dataset", str(rec))
    try:
        for row in recorded:
            answer = httpx.get(f"{mock.url}/customers", headers=bearer(row["token"]))
            assert answer.status_code == 200 and answer.json()["id"] == row["customerId"]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ndt_cli",
                "conform",
                "--base-url",
                mock.url,  # the recording's personas are found as the mock's own
                "--max-examples",
                "3",
                "--quiet",
                "--phases",
                "examples,coverage",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "PASS" in done.stdout
    finally:
        stop(mock)


PLANTED_ID = "0003911987654321012"
PLANTED_TOKEN = "planted.token.Zq8v7TxLmW3kQ9rP2sYb"
PLANTED = {
    "customerRef": "PlNt9QzXy7",
    "ssoId": "UGxhbnRlZFNzb0lkUGxhbnRlZFNzb0lkUGxhbnRlZCE=",
    "givenName": "Zebediah",
    "middleNames": "Ottoline",
    "familyName": "Quuxington",
    "email": "zebediah.quuxington@planted-pii.example",
    "mobile": "07911 123456",
    "landline": "0161 555 0199",
    "postcode": "ZE2 9QX",
    "street": "Wobblegate Lane",
    "houseName": "Quuxholme",
    "town": "Plantington",
    "county": "Plantshire",
    "dateOfBirth": "1961-02-03T00:00:00Z",
    "account": "0003915987654321098",
    "application": "d1ffe4e1-1234-4abc-8def-00000000beef",
    "addressId": "a11ce5ed-4321-4fed-9cba-0000000f00d5",
}


def planted_profile() -> dict:
    profile = copy.deepcopy(persona("multi-account").profile)
    profile.update(
        id=PLANTED_ID,
        customerRef=PLANTED["customerRef"],
        ssoId=PLANTED["ssoId"],
        givenName=PLANTED["givenName"],
        middleNames=PLANTED["middleNames"],
        familyName=PLANTED["familyName"],
        dateOfBirth=PLANTED["dateOfBirth"],
        contact={
            "phoneNumbers": [
                {"type": "Mobile", "value": PLANTED["mobile"]},
                {"type": "Home", "value": PLANTED["landline"]},
            ],
            "emailAddresses": [{"type": "Personal", "value": PLANTED["email"]}],
        },
        accounts=[{"accountNumber": PLANTED["account"]}],
        applications=[{"applicationId": PLANTED["application"]}],
    )
    address = profile["addresses"][0]
    address["id"] = PLANTED["addressId"]
    address["components"].update(
        houseName=PLANTED["houseName"],
        street=PLANTED["street"],
        townOrCity=PLANTED["town"],
        county=PLANTED["county"],
        postcode=PLANTED["postcode"],
    )
    return profile


def test_planted_pii_reaches_neither_the_recording_nor_logs_nor_reports(tmp_path):
    rec, log = tmp_path / "rec", tmp_path / "access.log"
    reports = [tmp_path / n for n in ("proxy.xml", "proxy.html", "drift.json", "findings.json")]
    flags = ["--junit", str(reports[0]), "--html", str(reports[1])]
    flags += ["--drift-report", str(reports[2]), "--findings-json", str(reports[3])]
    # An upstream that breaks a standard on every answer (Client-Session-Id not echoed), so
    # every exchange is a finding whose reproduction carries the request and learns the body.
    with serve_variant("session_not_echoed") as upstream:
        put = httpx.put(
            f"{upstream.url}/__admin/customers/{PLANTED_ID}",
            params={"token": PLANTED_TOKEN},
            json=planted_profile(),
        )
        assert put.status_code in (200, 201), put.text
        proxy = start_proxy(upstream.url, "--record", str(rec), "--access-log", str(log), *flags)
        session = {"Client-Session-Id": "pii-test"}
        with httpx.Client(base_url=proxy.url, headers=session, timeout=15) as client:
            # First a search: one finding per root cause, and its reproduction is the first
            # request that showed it, so the report carries this request body (redacted).
            for search in (
                {"familyName": PLANTED["familyName"], "givenName": PLANTED["givenName"]},
                {"phoneNumber": PLANTED["mobile"]},
                {"postcode": PLANTED["postcode"]},
                {"accountNumber": PLANTED["account"]},
                {"dateOfBirth": PLANTED["dateOfBirth"]},
            ):
                found = client.post("/customers/search", json={"filter": search})
                assert found.status_code == 200 and found.json()["values"], search
            assert client.get(f"/customers/{PLANTED_ID}").status_code == 200
            assert client.get("/customers", headers=bearer(PLANTED_TOKEN)).status_code == 200
        proxy.wait_exchanges(7)
        code, output = proxy.stop()
    assert code == 0 and "Drift" in output, output  # the planted exchanges were findings (drift)
    recorded = read(rec, "customers.jsonl")
    assert len(recorded) == 1 and recorded[0]["id"] != PLANTED_ID

    everything = {
        "recording": "".join(p.read_text() for p in sorted(rec.iterdir())),
        "access log": log.read_text(),
        "output": output,
        **{p.name: p.read_text() for p in reports},
    }
    assert "reproduce: curl" in output  # reports do carry the requests, redacted
    assert "${PII_familyName}" in everything["findings.json"]  # a placeholder, not the name
    secrets = {**PLANTED, "token": PLANTED_TOKEN}
    # Ids and customerRefs are identifiers reports may name (as conform's do); the recording
    # remaps them too.
    in_reports = {k: v for k, v in secrets.items() if k not in ("customerRef",)}
    for where, text in everything.items():
        flat = re.sub(r"\s", "", text).lower()
        checked = secrets if where == "recording" else in_reports
        for name, value in checked.items():
            assert re.sub(r"\s", "", value).lower() not in flat, f"{name} in {where}"
        assert "7911123456" not in flat, f"the mobile, in E.164, in {where}"
    assert PLANTED_ID not in everything["recording"]
