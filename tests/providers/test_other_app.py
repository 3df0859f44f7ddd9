"""The second provider itself, branch by branch, without a socket: what it answers is what
the conformance runs in test_other_provider.py are judged against."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from providers.other import BUGS, create_app
from providers.other.app import Request
from providers.other.data import BY_KEY, CUSTOMERS, TOKENS
from providers.other.search import date_part, national_digits
from providers.other.verify import email_exists, mobile_exists

pytestmark = pytest.mark.live  # starts servers or processes on loopback

AMARA, TOMASZ = BY_KEY["CU7K2M9Q4XAB"], BY_KEY["CU8D3X5K9SGJ"]
AMARA_TOKEN, TOMASZ_TOKEN = "op-token.amara.7f3c9e51", "op-token.tomasz.2b8d4a06"
REPO = Path(__file__).resolve().parents[2]


def ask(method, path, body=None, bug=None, **headers):
    raw = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        headers.setdefault("content-type", "application/json")
    path, _, query = path.partition("?")
    parsed = dict(p.split("=", 1) for p in query.split("&")) if query else {}
    request = Request(method, path, headers, {k: [v] for k, v in parsed.items()}, raw)
    return create_app(bug).handle(request)


def body(reply):
    return json.loads(reply.body)


def test_the_dataset_is_its_own():
    assert len(CUSTOMERS) == 12
    assert len({c.ref for c in CUSTOMERS}) == 12
    assert all(len(c.number) == 12 and len(c.id) == 36 for c in CUSTOMERS)
    assert set(TOKENS.values()) <= set(BY_KEY)


def test_the_provider_imports_nothing_of_ours():
    code = (
        "import sys; sys.path.insert(0, 'tests'); import providers.other\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('mock_server', 'ndt_fixtures', 'ndt_contract', 'conformance')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"


def test_get_customer_answers_either_id_with_the_uuid():
    by_number, by_uuid = (
        ask("GET", f"/customers/{AMARA.number}"),
        ask("GET", f"/customers/{AMARA.id}"),
    )
    assert by_number.status == by_uuid.status == 200
    assert body(by_number) == body(by_uuid) and body(by_number)["id"] == AMARA.id
    assert by_number.headers == {
        "content-type": "application/json; charset=utf-8",
        "api-version": "1.0",
    }


def test_styles_write_absent_values_three_ways():
    version_a, version_b, omitting = (
        next(c for c in CUSTOMERS if c.style == s).profile() for s in "ABC"
    )
    assert version_a["suffix"] == "" and version_a["dateOfBirth"].endswith("T00:00:00")
    assert "id" not in version_a["addresses"][0]
    assert version_b["suffix"] is None and version_b["dateOfBirth"].endswith("Z")
    assert "suffix" not in omitting and omitting["dateOfBirth"].endswith("+01:00")


def test_an_unknown_customer_is_a_problem_without_type():
    reply = ask("GET", "/customers/CU0000000000")
    assert reply.status == 404 and reply.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert body(reply)["status"] == 404 and "type" not in body(reply)
    assert body(reply)["extensions"]["traceId"].startswith("00-")


def test_unknown_routes_and_methods_are_the_gateways_404():
    for method, path in (("GET", "/"), ("DELETE", f"/customers/{AMARA.number}"), ("GET", "/x")):
        reply = ask(method, path)
        assert reply.status == 404 and body(reply) == {
            "statusCode": 404,
            "message": "Resource not found",
        }
        assert "api-version" not in reply.headers


def test_tokens_are_the_gateways_401_when_missing_or_unknown():
    assert ask("GET", "/customers").status == 401
    reply = ask("GET", f"/customers/{AMARA.number}", authorization="Bearer nope")
    assert reply.status == 401 and body(reply)["statusCode"] == 401


def test_a_token_with_accounts_answers_its_profile():
    reply = ask("GET", "/customers", authorization=f"Bearer {AMARA_TOKEN}")
    assert body(reply) == AMARA.profile() and "nocustomerdetails" not in reply.headers


def test_the_applicants_token_answers_the_token_record_with_no_customer_details():
    for path in ("/customers", f"/customers/{TOMASZ.number}"):
        reply = ask("GET", path, authorization=f"Bearer {TOMASZ_TOKEN}")
        assert reply.headers["nocustomerdetails"] == "True"
        assert body(reply) == TOMASZ.token_record()


def test_the_applicant_without_a_token_has_no_header():
    reply = ask("GET", f"/customers/{TOMASZ.number}")
    assert "nocustomerdetails" not in reply.headers and "accounts" not in body(reply)


def test_the_query_version_supersedes_the_header():
    search = {"filter": {"customerRef": AMARA.ref}}
    assert (
        ask("POST", "/customers/search?api-version=1", search, **{"api-version": "9"}).status == 200
    )
    refused = ask("POST", "/customers/search", search, **{"api-version": "2"})
    assert refused.status == 400 and body(refused)["requestedApiVersion"] == "2"


def test_search_is_and_with_names_and_postcodes_loosened():
    reply = ask(
        "POST", "/customers/search", {"filter": {"postcode": "n1c4da", "familyName": " OKAFOR"}}
    )
    assert [v["givenName"] for v in body(reply)["values"]] == ["Chidi", "Amara"]


def test_search_without_a_match_is_an_empty_list():
    assert body(ask("POST", "/customers/search", {"filter": {"familyName": "Nobody"}})) == {
        "values": []
    }


@pytest.mark.parametrize(
    ("filters", "status", "kind"),
    [
        ({}, 400, "newday:customer:error:filterRequired"),
        ({"unknown": "x"}, 400, "newday:customer:error:filterRequired"),
        ({"givenName": 7}, 400, "newday:generic:error:validation"),
        ({"dateOfBirth": "1970-02-30T00:00:00Z"}, 400, "newday:generic:error:validation"),
    ],
)
def test_search_refusals(filters, status, kind):
    reply = ask("POST", "/customers/search", {"filter": filters})
    assert reply.status == status and body(reply)["type"] == kind


def test_bodies_that_are_not_json_or_not_json_typed():
    assert (
        ask("POST", "/customers/search", {"filter": {}}, **{"content-type": "text/plain"}).status
        == 415
    )
    request = Request(
        "POST", "/customers/search", {"content-type": "application/json"}, {}, b"\xff{"
    )
    assert create_app().handle(request).status == 400


def test_search_matches_phones_dates_and_either_id():
    for filters in (
        {"phoneNumber": "0044 7700 900110"},
        {"dateOfBirth": "1975-11-11"},
        {"customerId": "CU7E4R9Y2WLN"},
    ):
        values = body(ask("POST", "/customers/search", {"filter": filters}))["values"]
        assert [v["familyName"] for v in values] == ["MacDonald"], filters


def test_phone_and_date_readings():
    assert national_digits("+44 20 7946 0102") == "02079460102"
    assert national_digits("+33 1 23 45 67 89") == ""
    assert date_part("1990-05-17T00:00:00+01:00").isoformat() == "1990-05-17"
    assert date_part("not a date") is None


def test_verify_checks_syntax_only():
    assert email_exists("someone@localmail")  # no dot in the domain: RFC 5321 allows it
    assert not email_exists("someone@example.invalid")
    assert not email_exists("no at sign")
    assert mobile_exists("+44 7700 900101") and mobile_exists("07700900101")
    assert not mobile_exists("020 7946 0102") and not mobile_exists("+33 6 12 34 56 78")


def test_verify_without_its_field_is_a_validation_problem():
    reply = ask("POST", "/customers/supported-formats/email-address", {"email": "a@b"})
    assert reply.status == 400 and "emailAddress" in body(reply)["errors"]


def test_every_bug_changes_some_answer():
    probes = [
        (
            "POST",
            "/customers/search",
            {"filter": {"postcode": "N1C 4DA", "familyName": "okafor"}},
            {},
        ),
        ("POST", "/customers/search", {"filter": {"customerRef": AMARA.ref}}, {}),
        ("POST", "/customers/search", {"filter": {"familyName": "Nobody"}}, {}),
        ("GET", f"/customers/{BY_KEY['CU3J8N5R1YBD'].number}", None, {}),
        ("GET", f"/customers/{AMARA.id}", None, {}),
        ("GET", "/customers/CU0000000000", None, {}),
        ("GET", f"/customers/{TOMASZ.number}", None, {}),
        ("GET", "/customers", None, {"authorization": f"Bearer {AMARA_TOKEN}"}),
        ("GET", "/customers", None, {"authorization": f"Bearer {TOMASZ_TOKEN}"}),
    ]

    def answers(bug):
        app = create_app(bug)
        out = []
        for method, path, data, headers in probes * 2:  # twice: unstable answers show
            raw = json.dumps(data).encode() if data is not None else b""
            headers = {"content-type": "application/json", **headers}
            reply = app.handle(Request(method, path, headers, {}, raw))
            out.append((reply.status, reply.body, sorted(reply.headers.items())))
        return out

    def without_trace(found):
        return [(s, b"" if b"traceId" in b else b, h) for s, b, h in found]

    correct = without_trace(answers(None))
    for bug in BUGS:
        assert without_trace(answers(bug)) != correct, bug


def test_an_unknown_bug_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown bug 'nope'; known: api_version_major_only"):
        create_app("nope")


def test_the_server_answers_on_loopback(other_provider):
    response = httpx.get(f"{other_provider.url}/customers/{AMARA.number}", timeout=5)
    assert other_provider.url.startswith("http://127.0.0.1:")
    assert response.status_code == 200 and response.json()["givenName"] == "Amara"


def test_the_test_data_names_this_providers_customers_and_tokens():
    data = yaml.safe_load((REPO / "tests/providers/other/testdata.yaml").read_text("utf-8"))
    assert all(i in BY_KEY for i in data["customerIds"])
    for entry in data["tokens"]:
        assert (not BY_KEY[entry["customerId"]].accounts) is entry["noAccount"]
    for filters in data["searchFilters"]:
        assert body(ask("POST", "/customers/search", {"filter": filters}))["values"], filters
