"""Token identity and NoCustomerDetails, branch by branch."""

import pytest

from checks.fake import AMELIA, OLIVER, FakeTarget, context, level, seen
from conformance.checks import Identity, Violation
from conformance.checks.identity import customer_id_mapping, no_customer_details, token_identity

CTX_IDS = {
    "amelia": Identity(AMELIA.customer_id, no_account=False),
    "oliver": Identity(OLIVER.customer_id, no_account=True),
}
TOKENS = {"token-amelia": AMELIA.customer_id, "token-oliver": OLIVER.customer_id}
RECORD = {k: OLIVER.profile[k] for k in ("id", "customerRef", "ssoId", "status")} | {"accounts": []}


def target(**knobs) -> FakeTarget:
    return FakeTarget(**{"tokens": dict(TOKENS), "no_account": {OLIVER.customer_id}, **knobs})


def test_a_token_answering_with_its_own_customer_passes_and_every_known_token_is_tried():
    fake = target()
    token_identity(
        context(**CTX_IDS),
        seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-amelia"),
        fake,
    )
    assert [c for c in fake.calls if c[0] == "GetCustomerByAccessToken"]


def test_a_token_answering_with_another_customer_is_a_contract_break():
    with pytest.raises(Violation) as caught:
        token_identity(
            context(**CTX_IDS),
            seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-oliver"),
            target(),
        )
    assert caught.value.rule == "identity.token-customer" and level(caught.value) == "known"


def test_a_probed_token_answering_with_another_customer_is_caught():
    fake = target(tokens={"token-amelia": AMELIA.customer_id, "token-oliver": AMELIA.customer_id})
    with pytest.raises(Violation):
        token_identity(
            context(**CTX_IDS),
            seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-amelia"),
            fake,
        )


def test_unknown_tokens_and_other_operations_are_not_judged():
    token_identity(
        context(**CTX_IDS),
        seen("GetCustomerByAccessToken", body=AMELIA.profile, token="nobody"),
        FakeTarget(),
    )
    token_identity(
        context(**CTX_IDS),
        seen("GetCustomer", body=OLIVER.profile, token="token-amelia"),
        FakeTarget(),
    )


def run(exchange, **ids):
    no_customer_details(context(**(ids or CTX_IDS)), exchange, FakeTarget())


def fails(exchange, **ids) -> Violation:
    with pytest.raises(Violation) as caught:
        run(exchange, **ids)
    return caught.value


NCD = {"nocustomerdetails": "true"}


def test_the_applicant_with_the_header_and_the_customer_without_pass():
    run(seen("GetCustomerByAccessToken", body=RECORD, headers=NCD, token="token-oliver"))
    run(seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-amelia"))
    run(seen("GetCustomer", body=AMELIA.profile))
    run(seen("GetCustomer", 404, {}))


def test_header_missing_for_a_customer_without_account_is_a_contract_break():
    for failure in (
        fails(seen("GetCustomerByAccessToken", body=RECORD, token="token-oliver")),
        fails(
            seen("GetCustomer", body=RECORD, token="token-oliver", customer_id=OLIVER.customer_id)
        ),
    ):
        assert failure.rule == "identity.no-details-when-no-account" and level(failure) == "known"


def test_header_missing_with_empty_accounts_and_no_identity_is_drift():
    failure = fails(seen("GetCustomerByAccessToken", body=RECORD, token="someone"))
    assert failure.rule == "identity.no-details-when-accounts-empty"
    assert level(failure) == "decision"


@pytest.mark.parametrize(
    "exchange",
    [
        seen("GetCustomer", body=RECORD, headers=NCD),  # no token sent
        seen("GetCustomerByAccessToken", body=AMELIA.profile, headers=NCD, token="token-amelia"),
        seen(
            "GetCustomerByAccessToken",
            body={**RECORD, "accounts": [{"accountNumber": "1"}]},
            headers=NCD,
            token="x",
        ),
    ],
)
def test_header_contradicting_what_is_known_is_a_contract_break(exchange):
    failure = fails(exchange)
    assert failure.rule in (
        "identity.no-details-only-for-a-token",
        "identity.no-details-never-with-accounts",
    )
    assert level(failure) == "known"


def test_header_for_a_customer_the_test_data_says_has_accounts_is_a_contract_break():
    record = {**RECORD, "id": AMELIA.customer_id}
    failure = fails(
        seen("GetCustomerByAccessToken", body=record, headers=NCD, token="token-amelia")
    )
    assert failure.rule == "identity.no-details-never-with-accounts"
    assert level(failure) == "known" and "has an account" in failure.message


def test_identities_without_account_facts_judge_only_what_is_known():
    unsure = {"amelia": Identity(AMELIA.customer_id)}
    run(
        seen(
            "GetCustomerByAccessToken",
            body={**RECORD, "id": AMELIA.customer_id},
            headers=NCD,
            token="token-amelia",
        ),
        **unsure,
    )


def test_header_value_and_body_shape_are_our_reading():
    value = fails(
        seen(
            "GetCustomerByAccessToken",
            body=RECORD,
            headers={"nocustomerdetails": "yes"},
            token="token-oliver",
        )
    )
    assert value.rule == "identity.no-details-value" and level(value) == "decision"
    extra = {**RECORD, "givenName": "Oliver"}
    body = fails(seen("GetCustomerByAccessToken", body=extra, headers=NCD, token="token-oliver"))
    assert body.rule == "identity.no-details-body" and level(body) == "decision"


def test_an_answer_by_token_is_about_the_tokens_customer_whatever_its_id():
    # No guess about `id`: an answer by token is the token's customer's, so a token whose
    # customer has no account owes the header even when the profile shown is someone else's
    # (that part is token identity's finding).
    failure = fails(seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-oliver"))
    assert failure.rule == "identity.no-details-when-no-account"


def test_an_answer_by_id_about_another_customer_than_the_tokens_is_not_judged():
    run(
        seen(
            "GetCustomer",
            body=AMELIA.profile,
            token="token-oliver",
            customer_id=AMELIA.customer_id,
        )
    )


def test_the_probes_ask_each_token_and_each_customer_without_a_token():
    fake = target(customers=[AMELIA.profile, RECORD])
    no_customer_details(context(**CTX_IDS), seen("GetCustomer", body=AMELIA.profile), fake)
    asked = fake.calls
    assert ("GetCustomerByAccessToken", {"authorization": "Bearer token-oliver"}) in asked
    assert ("GetCustomerByAccessToken", {"authorization": "Bearer token-amelia"}) in asked
    assert ("GetCustomer", {"customerId": OLIVER.customer_id}) in asked


def test_a_probe_answering_the_header_without_a_token_is_caught():
    with pytest.raises(Violation) as caught:
        no_customer_details(
            context(**CTX_IDS),
            seen("GetCustomer", body=AMELIA.profile),
            target(customers=[AMELIA.profile, RECORD], details_without_token=True),
        )
    assert caught.value.rule == "identity.no-details-only-for-a-token"


def test_a_probed_token_missing_the_header_is_caught():
    with pytest.raises(Violation) as caught:
        no_customer_details(
            context(**CTX_IDS),
            seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-amelia"),
            target(no_account=set()),  # Oliver's token answers without the header
        )
    assert caught.value.rule == "identity.no-details-when-no-account"


def test_token_identity_compares_accounts_too():
    other_accounts = {**AMELIA.profile, "accounts": [{"accountNumber": "99999999"}]}
    with pytest.raises(Violation) as caught:
        token_identity(
            context(**CTX_IDS),
            seen("GetCustomerByAccessToken", body=other_accounts, token="token-amelia"),
            target(),
        )
    assert caught.value.rule == "identity.token-customer" and "accounts" in caught.value.message


def test_token_identity_leaves_a_no_customer_details_answer_to_its_own_check():
    token_identity(
        context(**CTX_IDS),
        seen("GetCustomerByAccessToken", body=RECORD, headers=NCD, token="token-oliver"),
        target(),
    )


def test_without_a_profile_by_id_token_identity_falls_back_to_our_id_reading():
    fake = target(customers=[OLIVER.profile])  # GetCustomer for Amelia answers 404
    with pytest.raises(Violation) as caught:
        token_identity(
            context(**CTX_IDS),
            seen("GetCustomerByAccessToken", body=OLIVER.profile, token="token-amelia"),
            fake,
        )
    assert caught.value.rule == "identity.id-is-customer-id" and level(caught.value) == "decision"
    token_identity(
        context(amelia=Identity(OLIVER.customer_id)),
        seen("GetCustomerByAccessToken", body=OLIVER.profile, token="token-amelia"),
        target(customers=[]),
    )


def mapping(ctx, path_id, profile, fake=None):
    customer_id_mapping(
        ctx, seen("GetCustomer", body=profile, customer_id=path_id), fake or target()
    )


def test_a_target_answering_each_id_with_its_own_profile_passes_and_is_asked_again():
    ctx, fake = context(), target()
    mapping(ctx, AMELIA.customer_id, AMELIA.profile, fake)
    mapping(ctx, OLIVER.customer_id, OLIVER.profile, fake)
    assert fake.calls == [
        ("GetCustomer", {"customerId": AMELIA.customer_id}),
        ("GetCustomer", {"customerId": OLIVER.customer_id}),
    ]
    assert ctx.ids_are_path_ids()


def test_a_consistent_mapping_of_another_shape_passes():
    ctx = context()
    for path_id, profile in (("c-1", AMELIA.profile), ("c-2", OLIVER.profile)):
        mapping(ctx, path_id, profile, target(customers=[]))  # the repeat answers 404
    assert not ctx.ids_are_path_ids()


def test_an_id_answering_another_customer_than_the_target_showed_with_it_is_known():
    ctx = context()
    search = seen("SearchCustomers", body={"values": [OLIVER.profile]})
    customer_id_mapping(ctx, search, target())  # the target shows who Oliver's id is
    with pytest.raises(Violation) as caught:
        mapping(ctx, OLIVER.customer_id, AMELIA.profile)
    assert caught.value.rule == "self.id-mapping" and level(caught.value) == "known"
    assert OLIVER.customer_id in caught.value.message


def test_an_alias_answering_the_same_customer_is_consistent():
    # A provider may take another form of an id (18 digits for 19) for the same customer.
    ctx = context()
    mapping(ctx, AMELIA.customer_id, AMELIA.profile)
    mapping(ctx, AMELIA.customer_id[1:], AMELIA.profile, target(customers=[]))


def test_an_id_the_target_showed_as_someone_else_elsewhere_is_known():
    ctx = context()
    other = {**AMELIA.profile, "customerRef": "ZZZZZZZZZZ", "ssoId": "other"}
    customer_id_mapping(ctx, seen("SearchCustomers", body={"values": [other]}), target())
    with pytest.raises(Violation) as caught:
        mapping(ctx, AMELIA.customer_id, AMELIA.profile)
    assert caught.value.rule == "self.id-mapping"


def test_the_mapping_ignores_refusals_token_records_and_other_operations():
    ctx = context()
    customer_id_mapping(ctx, seen("GetCustomer", 404, {}, customer_id="x"), target())
    customer_id_mapping(
        ctx, seen("GetCustomer", body=OLIVER.profile, headers=NCD, customer_id="x"), target()
    )
    customer_id_mapping(ctx, seen("VerifyEmail", body={"verified": True}), target())
    customer_id_mapping(ctx, seen("GetCustomer", body={"id": 1}, customer_id="x"), target())
    assert ctx.id_pairs == {} and ctx.profiles == {}


def test_one_id_answering_two_customers_is_known():
    ctx = context()
    mapping(ctx, "c-1", AMELIA.profile, target(customers=[]))
    with pytest.raises(Violation) as caught:
        mapping(ctx, "c-1", OLIVER.profile, target(customers=[]))
    assert caught.value.rule == "self.repeatable" and level(caught.value) == "known"


def test_the_same_request_answering_another_customer_the_second_time_is_known():
    with pytest.raises(Violation) as caught:
        mapping(context(), AMELIA.customer_id, AMELIA.profile, target(wrong_fetch=True))
    assert caught.value.rule == "self.repeatable" and "asked twice" in caught.value.message


@pytest.mark.parametrize(
    "exchange",
    [
        seen("GetCustomer", 404, {}, customer_id="1"),
        seen("GetCustomer", body=RECORD, headers=NCD, customer_id="1"),
        seen("GetCustomer", body={"id": 1}, customer_id="1"),
        seen("SearchCustomers", body={"values": []}),
    ],
)
def test_the_mapping_learns_only_from_profiles_by_id(exchange):
    ctx, fake = context(), target()
    customer_id_mapping(ctx, exchange, fake)
    assert ctx.id_pairs == {} and fake.calls == []
