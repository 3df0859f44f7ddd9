"""The search equivalences, pinned: the mock and the checks share this code."""

import pytest
from ndt_contract.matching import date_key, matches, name_key, phone_key, postcode_key


@pytest.mark.parametrize(
    ("a", "b"), [("n1c4da", "N1C 4DA"), ("N1C  4DA", "n1c 4da"), ("ec1a1bb", "EC1A 1BB")]
)
def test_postcodes_ignore_case_and_spaces(a, b):
    assert postcode_key(a) == postcode_key(b)


def test_different_postcodes_differ():
    assert postcode_key("N1C 4DA") != postcode_key("N1C 4DB")


@pytest.mark.parametrize(
    "number", ["07700 900123", "+447700900123", "00447700900123", "+44 7700 900123", "07700900123"]
)
def test_phone_numbers_normalise_to_e164(number):
    assert phone_key(number) == "+447700900123"


def test_landline_and_bad_numbers():
    assert phone_key("020 7946 0001") == "+442079460001"
    assert phone_key("12") is None
    assert phone_key("not a number") is None


def test_names_are_case_insensitive_but_exact():
    assert name_key("SMITH") == name_key("smith")
    assert name_key("Smith") != name_key("Smithe")
    assert name_key("Straße") == name_key("STRASSE")  # casefold, not lower


def test_date_part_only():
    assert date_key("2000-07-19T09:14:44.568Z") == date_key("2000-07-19T00:00:00") == "2000-07-19"


def test_matches_is_an_and_over_filters():
    customer = {
        "givenName": "Amelia",
        "familyName": "Hartley",
        "dateOfBirth": "1985-03-14T00:00:00Z",
        "customerRef": "4vMgYYLnQJ",
        "contact": {"phoneNumbers": [{"type": "Work", "value": "020 7946 0001"}]},
        "addresses": [{"components": {"postcode": "N1C 4DA"}}],
        "accounts": [{"accountNumber": "0003915000000966364"}],
    }
    assert matches(
        {"givenName": "amelia", "postcode": "n1c4da", "phoneNumber": "+442079460001"}, customer
    )
    assert matches(
        {"accountNumber": "0003915000000966364", "dateOfBirth": "1985-03-14T12:00:00Z"}, customer
    )
    assert not matches({"givenName": "amelia", "familyName": "Smith"}, customer)
    assert not matches({"customerRef": "4vmgyylnqj"}, customer)


def test_customer_id_filter_matches_the_id_exactly():
    customer = {"id": "0003911000001668971", "customerRef": "4vMgYYLnQJ"}
    assert matches({"customerId": "0003911000001668971"}, customer)
    assert not matches({"customerId": "0003911000001668972"}, customer)
    assert not matches({"customerId": "0003911000001668971"}, {"customerRef": "x"})


def test_malformed_customers_never_match_and_never_raise():
    odd = {
        "addresses": ["N1C 4DA", {"components": "N1C 4DA"}],
        "contact": {"phoneNumbers": ["07700 900123", {"value": 7700900123}]},
        "accounts": [None, {"accountNumber": 5}],
        "givenName": 5,
    }
    for name, value in [
        ("postcode", "N1C 4DA"),
        ("phoneNumber", "07700 900123"),
        ("accountNumber", "5"),
        ("givenName", "5"),
    ]:
        assert not matches({name: value}, odd)
    assert not matches({"postcode": "N1C 4DA"}, {"contact": "x", "addresses": "x"})
