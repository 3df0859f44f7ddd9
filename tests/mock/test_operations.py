"""Every operation over HTTP against the live mock (responses validated by the mock itself)."""

import pytest
from ndt_fixtures import UNKNOWN_TOKENS, persona
from support import AMELIA, OLIVER, assert_problem, bearer


def test_get_customer_returns_the_persona(api):
    response = api.get(f"/customers/{AMELIA.customer_id}")
    assert response.status_code == 200
    assert response.json() == AMELIA.profile
    assert response.headers["api-version"] == "1.0"
    assert "nocustomerdetails" not in response.headers


def test_get_customer_unknown_id_is_404(api):
    body = assert_problem(
        api.get("/customers/0000000000000000000"), 404, "newday:generic:error:missing"
    )
    assert "errors" not in body


@pytest.mark.parametrize("bad_id", ["123", "abcdefghijklmnopqrs", "0" * 20, "%00", "1" * 5000])
def test_get_customer_absurd_ids_are_400_with_errors(api, bad_id):
    body = assert_problem(api.get(f"/customers/{bad_id}"), 400, "newday:generic:error:validation")
    assert list(body["errors"]) == ["customerId"]


def test_get_customer_with_own_token_and_no_account_is_no_customer_details(api):
    response = api.get(f"/customers/{OLIVER.customer_id}", headers=bearer(OLIVER.token))
    assert response.status_code == 200
    assert response.headers["nocustomerdetails"] == "true"
    assert response.json() == {
        "id": OLIVER.customer_id,
        "customerRef": OLIVER.profile["customerRef"],
        "ssoId": OLIVER.profile["ssoId"],
        "status": "Applicant",
        "accounts": [],
    }


def test_get_customer_without_token_gives_the_full_profile_even_without_accounts(api):
    response = api.get(f"/customers/{OLIVER.customer_id}")
    assert response.status_code == 200 and response.json() == OLIVER.profile
    assert "nocustomerdetails" not in response.headers


def test_get_customer_with_unknown_token_is_401(api):
    response = api.get(f"/customers/{AMELIA.customer_id}", headers=bearer(UNKNOWN_TOKENS[0]))
    assert_problem(response, 401, "newday:generic:error:unauthorised")


@pytest.mark.parametrize("authorization", ["Basic abc", "Bearer", "token"])
def test_malformed_authorization_is_401(api, authorization):
    response = api.get("/customers", headers={"Authorization": authorization})
    assert_problem(response, 401, "newday:generic:error:unauthorised")


def test_by_access_token(api):
    response = api.get("/customers", headers=bearer(AMELIA.token))
    assert response.status_code == 200 and response.json() == AMELIA.profile
    response = api.get("/customers", headers=bearer(OLIVER.token))
    assert response.headers["nocustomerdetails"] == "true"
    assert response.json()["accounts"] == []


def test_by_access_token_needs_a_known_token(api):
    assert_problem(api.get("/customers"), 401, "newday:generic:error:unauthorised")
    for token in UNKNOWN_TOKENS:
        assert_problem(
            api.get("/customers", headers=bearer(token)), 401, "newday:generic:error:unauthorised"
        )


def search(api, **filters):
    response = api.post("/customers/search", json={"filter": filters})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["values"]]


def test_search_postcode_ignores_case_and_spaces(api):
    expected = search(api, postcode="N1C 4DA")
    assert len(expected) >= 3
    assert search(api, postcode="n1c4da") == expected
    assert set(expected) >= {AMELIA.customer_id, persona("flat-with-house-name").customer_id}


def test_search_filters_combine_with_and(api):
    both = search(api, givenName="james", familyName="SMITH")
    assert set(both) >= {persona("shared-name-1").customer_id, persona("shared-name-2").customer_id}
    assert search(api, givenName="James", familyName="Smith", postcode="N1C4DA") == [
        persona("shared-name-1").customer_id
    ]


@pytest.mark.parametrize(
    "number", ["07700 100006", "+447700100006", "00447700100006", "+44 (0)7700 100006"]
)
def test_search_phone_in_any_uk_format(api, number):
    assert search(api, phoneNumber=number) == [persona("international-phone").customer_id]


def test_search_date_of_birth_compares_the_date_part(api):
    found = search(api, dateOfBirth="1972-07-19T23:59:59.999Z")
    assert persona("two-addresses").customer_id in found


def test_search_exact_fields(api):
    assert search(api, customerRef=AMELIA.profile["customerRef"]) == [AMELIA.customer_id]
    assert search(api, accountNumber="0003915000000966372") == [AMELIA.customer_id]
    assert search(api, customerRef=AMELIA.profile["customerRef"].lower()) == []


def test_search_no_match_is_empty_200(api):
    assert search(api, givenName="Zebedee", familyName="Nobody") == []


def test_search_results_are_capped_by_the_contract(api):
    response = api.post(
        "/customers/search", json={"filter": {"dateOfBirth": "1985-03-14T00:00:00Z"}}
    )
    assert len(response.json()["values"]) <= 50


def test_search_needs_a_filter(api):
    body = assert_problem(
        api.post("/customers/search", json={"filter": {}}), 400, "newday:generic:error:validation"
    )
    assert "filter" in body["errors"]


def test_search_reports_every_error_at_once(api):
    response = api.post(
        "/customers/search",
        json={"filter": {"postcode": "XX", "customerRef": "short", "nickname": "x"}},
    )
    body = assert_problem(response, 400, "newday:generic:error:validation")
    assert {"filter.postcode", "filter.customerRef", "filter"} <= set(body["errors"])


@pytest.mark.parametrize(
    ("address", "verified"),
    [
        ("amelia.hartley@example.com", True),
        ("someone@example.invalid", False),
        ("someone@mail.test", False),
        ("anyone@undeliverable.example.com", False),
        ("a@localhost", False),
    ],
)
def test_verify_email(api, address, verified):
    response = api.post(
        "/customers/supported-formats/email-address", json={"emailAddress": address}
    )
    assert response.status_code == 200 and response.json() == {"verified": verified}


def test_verify_email_malformed_is_400(api):
    response = api.post(
        "/customers/supported-formats/email-address", json={"emailAddress": "not an address"}
    )
    assert (
        "emailAddress" in assert_problem(response, 400, "newday:generic:error:validation")["errors"]
    )


def test_verify_email_provider_down_is_500_unavailable(api):
    response = api.post(
        "/customers/supported-formats/email-address",
        json={"emailAddress": "provider-down@example.com"},
        headers={"Client-Session-Id": "down"},
    )
    assert_problem(response, 500, "newday:generic:error:unavailable")
    assert int(response.headers["retry-after"]) >= 0
    assert response.headers["client-session-id"] == "down"


@pytest.mark.parametrize(
    ("number", "verified"),
    [
        ("07700 100123", True),
        ("+44 7700 100123", True),
        ("00447700100123", True),
        ("020 7946 0001", False),  # landline
        ("+33 6 12 34 56 78", False),  # French mobile
        ("07700 900123", False),  # Ofcom fiction range
        ("07700 100998", False),  # magic false
        ("07911 123456", True),  # Guernsey: the +44 plan (phonenumbers says GG)
        ("+44 7624 123456", True),  # Isle of Man
        ("07797 123456", True),  # Jersey
    ],
)
def test_verify_phone(api, number, verified):
    response = api.post("/customers/supported-formats/phone-number", json={"phoneNumber": number})
    assert response.status_code == 200 and response.json() == {"verified": verified}


def test_verify_phone_provider_down_is_500_unavailable(api):
    response = api.post(
        "/customers/supported-formats/phone-number", json={"phoneNumber": "07700 100999"}
    )
    assert_problem(response, 500, "newday:generic:error:unavailable")
    assert response.headers["retry-after"].isdigit()


@pytest.mark.parametrize("number", ["not a number", "abc", "+44"])
def test_verify_phone_unparseable_is_400(api, number):
    response = api.post("/customers/supported-formats/phone-number", json={"phoneNumber": number})
    body = assert_problem(response, 400, "newday:generic:error:validation")
    assert list(body["errors"]) == ["phoneNumber"]
