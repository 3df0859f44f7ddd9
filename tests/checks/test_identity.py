"""Token identity and NoCustomerDetails, branch by branch."""

import pytest

from checks.fake import AMELIA, OLIVER, FakeTarget, context, seen
from conformance.checks import Identity, Violation
from conformance.checks.identity import no_customer_details, token_identity

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
    assert caught.value.level == "known"


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
    assert (
        fails(seen("GetCustomerByAccessToken", body=RECORD, token="token-oliver")).level == "known"
    )
    assert (
        fails(
            seen("GetCustomer", body=RECORD, token="token-oliver", customer_id=OLIVER.customer_id)
        ).level
        == "known"
    )


def test_header_missing_with_empty_accounts_and_no_identity_is_drift():
    assert fails(seen("GetCustomerByAccessToken", body=RECORD, token="someone")).level == "decision"


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
    assert fails(exchange).level == "known"


def test_header_for_a_customer_the_test_data_says_has_accounts_is_a_contract_break():
    record = {**RECORD, "id": AMELIA.customer_id}
    failure = fails(
        seen("GetCustomerByAccessToken", body=record, headers=NCD, token="token-amelia")
    )
    assert failure.level == "known" and "has an account" in failure.message


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
    assert (
        fails(
            seen(
                "GetCustomerByAccessToken",
                body=RECORD,
                headers={"nocustomerdetails": "yes"},
                token="token-oliver",
            )
        ).level
        == "decision"
    )
    extra = {**RECORD, "givenName": "Oliver"}
    assert (
        fails(seen("GetCustomerByAccessToken", body=extra, headers=NCD, token="token-oliver")).level
        == "decision"
    )


def test_an_answer_about_someone_else_is_left_to_token_identity():
    run(seen("GetCustomerByAccessToken", body=AMELIA.profile, token="token-oliver"))
