"""Direct tests of mock_server.customers: every operation's branches on a small store."""

from __future__ import annotations

import json

import pytest
from ndt_fixtures import Record, persona

from mock_server.customers import (
    OPERATIONS,
    Call,
    RecentBodies,
    Reply,
    bearer_token,
    get_customer,
    get_customer_by_access_token,
    search_customers,
    unavailable,
    values_body,
    verify_email_address,
    verify_phone_number,
)
from mock_server.problems import ApiProblem
from mock_server.store import CustomerStore, stored

AMELIA = persona("multi-account")  # accounts, a token
OLIVER = persona("applicant-no-account")  # no accounts, a token
JAMES_1, JAMES_2 = persona("shared-name-1"), persona("shared-name-2")
ARTHUR = persona("no-email")  # no token


@pytest.fixture
def store() -> CustomerStore:
    people = (AMELIA, OLIVER, JAMES_1, JAMES_2, ARTHUR)
    return CustomerStore.from_records((Record(p.profile, p.token) for p in people), search_cap=10)


def problem(call, *args) -> ApiProblem:
    with pytest.raises(ApiProblem) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize(
    "header,token",
    [
        (None, None),
        ("Bearer abc.def", "abc.def"),
        ("bearer abc", "abc"),
        ("BEARER  abc  ", "abc"),
        ("  Bearer abc", "abc"),
    ],
)
def test_bearer_token_forms(header, token):
    assert bearer_token(header) == token


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "abc"])
def test_a_malformed_authorization_header_is_a_401(header):
    found = problem(bearer_token, header)
    assert found.status == 401
    assert found.detail == "The Authorization header must be 'Bearer <access token>'."


def test_unavailable_is_a_500_naming_what_is_down():
    found = unavailable("The provider")
    assert (found.status, found.detail) == (500, "The provider is unavailable; try again later.")


def test_get_customer_without_a_token_returns_the_full_profile(store):
    reply = get_customer(store, AMELIA.customer_id, None)
    assert reply.status == 200 and reply.headers == {}
    assert json.loads(reply.body) == AMELIA.profile


def test_get_customer_unknown_id_is_a_404(store):
    found = problem(get_customer, store, "0003919999999999998", None)
    assert (found.status, found.detail) == (404, "No customer has this id.")


def test_get_customer_with_an_unknown_token_is_a_401_even_for_a_known_id(store):
    found = problem(get_customer, store, AMELIA.customer_id, "not-a-token")
    assert (found.status, found.detail) == (401, "The access token is not recognised.")


def test_get_customer_with_another_customers_token_returns_the_full_profile(store):
    reply = get_customer(store, OLIVER.customer_id, AMELIA.token)
    assert json.loads(reply.body) == OLIVER.profile and reply.headers == {}


def test_get_customer_with_own_token_and_accounts_returns_the_full_profile(store):
    reply = get_customer(store, AMELIA.customer_id, AMELIA.token)
    assert json.loads(reply.body) == AMELIA.profile and reply.headers == {}


def test_get_customer_with_own_token_and_no_accounts_is_no_customer_details(store):
    reply = get_customer(store, OLIVER.customer_id, OLIVER.token)
    assert reply.headers == {"NoCustomerDetails": "true"}
    profile = OLIVER.profile
    assert json.loads(reply.body) == {
        "id": profile["id"],
        "customerRef": profile["customerRef"],
        "ssoId": profile["ssoId"],
        "status": profile["status"],
        "accounts": [],
    }


def test_get_customer_by_access_token_needs_a_token(store):
    found = problem(get_customer_by_access_token, store, None)
    assert found.status == 401
    assert found.detail == "An access token is required: Authorization: Bearer <token>."


def test_get_customer_by_an_unknown_token_is_a_401(store):
    found = problem(get_customer_by_access_token, store, "unknown")
    assert (found.status, found.detail) == (401, "The access token is not recognised.")


def test_get_customer_by_the_token_of_a_deleted_customer_is_a_401_not_a_404(store):
    assert store.delete(AMELIA.customer_id)
    found = problem(get_customer_by_access_token, store, AMELIA.token)
    assert (found.status, found.detail) == (401, "The access token's customer no longer exists.")


def test_get_customer_by_token_returns_the_holder(store):
    reply = get_customer_by_access_token(store, AMELIA.token)
    assert json.loads(reply.body) == AMELIA.profile and reply.headers == {}


def test_get_customer_by_token_of_a_holder_without_accounts_is_no_customer_details(store):
    reply = get_customer_by_access_token(store, OLIVER.token)
    assert reply.headers == {"NoCustomerDetails": "true"}
    assert json.loads(reply.body)["accounts"] == []


@pytest.mark.parametrize("body", [{}, {"filter": {}}, {"filter": None}])
def test_search_without_a_filter_is_a_400_naming_the_filter(store, body):
    found = problem(search_customers, store, body)
    assert (found.status, found.detail) == (400, "At least one filter is required.")
    assert found.errors == {"filter": ["at least one filter is required"]}


def test_search_returns_every_match_in_dataset_order(store):
    reply = search_customers(store, {"filter": {"givenName": "james", "familyName": "SMITH"}})
    values = json.loads(reply.body)["values"]
    assert [v["id"] for v in values] == [JAMES_1.customer_id, JAMES_2.customer_id]
    assert values[0] == JAMES_1.profile


def test_search_without_a_match_is_an_empty_list_not_a_404(store):
    reply = search_customers(store, {"filter": {"familyName": "Nobody"}})
    assert (reply.status, json.loads(reply.body)) == (200, {"values": []})


def test_search_honours_the_stores_cap(store):
    capped = CustomerStore.from_records(
        (Record(p.profile, p.token) for p in (JAMES_1, JAMES_2)), search_cap=1
    )
    reply = search_customers(capped, {"filter": {"familyName": "Smith"}})
    assert [v["id"] for v in json.loads(reply.body)["values"]] == [JAMES_1.customer_id]


@pytest.mark.parametrize(
    "address,verified",
    [("someone@example.com", True), ("x@undeliverable.example.com", False), ("nope", False)],
)
def test_verify_email_answers_the_verdict(address, verified):
    reply = verify_email_address({"emailAddress": address})
    assert reply == Reply(json.dumps({"verified": verified}).encode())


def test_verify_email_provider_down_is_a_500_unavailable():
    found = problem(verify_email_address, {"emailAddress": "provider-down@example.com"})
    assert found.status == 500
    assert found.detail == (
        "The third-party provider (email verification provider unavailable) is unavailable; "
        "try again later."
    )


@pytest.mark.parametrize(
    "number,verified", [("07700 100009", True), ("0131 496 0009", False), ("07700 100998", False)]
)
def test_verify_phone_answers_the_verdict(number, verified):
    reply = verify_phone_number({"phoneNumber": number})
    assert json.loads(reply.body) == {"verified": verified} and reply.status == 200


def test_verify_phone_provider_down_is_a_500():
    assert problem(verify_phone_number, {"phoneNumber": "07700 100999"}).status == 500


def test_verify_phone_of_text_that_is_no_number_is_a_400_under_the_fields_own_name():
    found = problem(verify_phone_number, {"mobile": "not a number"})
    assert (found.status, found.detail) == (400, "The value cannot be read.")
    assert list(found.errors) == ["mobile"]
    assert found.errors["mobile"][0].startswith("not a phone number: ")


def test_verify_reads_the_only_field_by_position_whatever_its_name():
    assert json.loads(verify_email_address({"anyName": "x@gmail.com"}).body) == {"verified": True}
    # a non-string value is read as its text
    assert json.loads(verify_phone_number({"phone": 7700100009}).body) == {"verified": True}


def test_the_operations_table_names_exactly_the_contracts_operations():
    assert sorted(OPERATIONS) == [
        "GetCustomer",
        "GetCustomerByAccessToken",
        "SearchCustomers",
        "VerifyEmail",
        "VerifyPhoneNumber",
    ]


def test_the_table_routes_each_call_to_its_operation(store):
    get = OPERATIONS["GetCustomer"](store, Call(path={"customerId": AMELIA.customer_id}))
    assert json.loads(get.body)["id"] == AMELIA.customer_id
    by_token = OPERATIONS["GetCustomerByAccessToken"](store, Call(token=OLIVER.token))
    assert by_token.headers == {"NoCustomerDetails": "true"}
    search = OPERATIONS["SearchCustomers"](
        store, Call(body={"filter": {"customerId": OLIVER.customer_id}})
    )
    assert [v["id"] for v in json.loads(search.body)["values"]] == [OLIVER.customer_id]
    email = OPERATIONS["VerifyEmail"](store, Call(body={"emailAddress": "x@shop.example"}))
    assert json.loads(email.body) == {"verified": False}
    phone = OPERATIONS["VerifyPhoneNumber"](store, Call(body={"phoneNumber": "07624 123456"}))
    assert json.loads(phone.body) == {"verified": True}


def test_the_table_passes_the_token_to_get_customer(store):
    with pytest.raises(ApiProblem) as caught:
        OPERATIONS["GetCustomer"](
            store, Call(path={"customerId": AMELIA.customer_id}, token="unknown")
        )
    assert caught.value.status == 401


@pytest.mark.parametrize("count", [0, 1, 3])
def test_values_body_joins_the_stored_bytes_as_they_are(count):
    found = [stored({"id": f"{n:019d}", "givenName": f"N{n}"}, n) for n in range(count)]
    body = values_body(found)
    assert json.loads(body) == {"values": [json.loads(c.raw) for c in found]}
    assert body == b'{"values":[' + b",".join(c.raw for c in found) + b"]}"


def test_recent_bodies_reuse_the_bytes_of_the_same_result_list_only():
    bodies = RecentBodies(size=2)
    first = [stored({"id": "1"}, 0)]
    body = bodies.body(first)
    assert bodies.body(first) is body  # the same list: the same bytes, not a new join
    fresh = bodies.body(list(first))  # an equal list is another answer: joined afresh
    assert fresh == body and fresh is not body
    assert json.loads(bodies.body([stored({"id": "2"}, 1)])) == {"values": [{"id": "2"}]}


def test_recent_bodies_forget_the_oldest_past_their_size():
    bodies = RecentBodies(size=2)
    lists = [[stored({"id": str(n)}, n)] for n in range(3)]
    kept = [bodies.body(found) for found in lists]
    assert bodies.body(lists[2]) is kept[2]
    assert bodies.body(lists[0]) is not kept[0]  # evicted, joined again
    assert bodies.body(lists[0]) == kept[0]


def test_a_repeated_search_answers_the_same_bytes_without_joining_again(store):
    body = {"filter": {"familyName": AMELIA.profile["familyName"]}}
    first = search_customers(store, body).body
    assert search_customers(store, body).body is first
