"""The search oracles, each branch against a correct target and one broken a single way."""

import pytest

from checks.fake import AMELIA, CUSTOMERS, PRIYA, FakeTarget, context, seen
from conformance.checks import Violation
from conformance.checks.search import (
    own_values,
    search_metamorphic,
    search_result_fetchable,
    search_results_match_filter,
    search_self_retrieval,
    variants,
)


def search_seen(filters, results):
    return seen("SearchCustomers", body={"values": results}, request_body={"filter": filters})


def run(check, exchange, target=None):
    check(context(), exchange, target or FakeTarget())


def fails(check, exchange, target=None) -> Violation:
    with pytest.raises(Violation) as caught:
        run(check, exchange, target)
    return caught.value


HARTLEY = {"familyName": "hartley"}


def test_results_matching_their_filters_pass():
    run(search_results_match_filter, search_seen(HARTLEY, [AMELIA.profile]))
    run(search_results_match_filter, search_seen(HARTLEY, []))
    run(search_results_match_filter, search_seen({"customerId": "x"}, [PRIYA.profile]))  # ours


def test_a_result_matching_no_filter_is_a_contract_break():
    assert (
        fails(search_results_match_filter, search_seen(HARTLEY, [PRIYA.profile])).level == "known"
    )


def test_a_result_matching_some_filters_breaks_our_and_reading():
    filters = {"familyName": "Hartley", "givenName": "Priya"}
    assert (
        fails(search_results_match_filter, search_seen(filters, [AMELIA.profile])).level
        == "decision"
    )


def test_results_fetch_as_themselves():
    run(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]))


def test_a_result_that_cannot_be_fetched_is_a_contract_break():
    gone = FakeTarget(customers=[PRIYA.profile])
    assert (
        fails(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]), gone).level
        == "known"
    )
    other = FakeTarget(wrong_fetch=True)
    assert (
        fails(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]), other).level
        == "known"
    )


def test_a_result_differing_from_its_profile_is_drift():
    summary = {**AMELIA.profile, "givenName": "Amy"}
    assert fails(search_result_fetchable, search_seen(HARTLEY, [summary])).level == "decision"


def test_probes_are_bounded_per_customer():
    ctx, target = context(), FakeTarget()
    for _ in range(3):
        search_result_fetchable(ctx, search_seen(HARTLEY, [AMELIA.profile]), target)
    assert len(target.calls) == 1


def test_own_values_take_each_filter_as_the_customer_carries_it():
    values = own_values(AMELIA.profile)
    assert values["familyName"] == "Hartley" and values["postcode"] == "N1C 4DA"
    assert set(values) == {
        "givenName",
        "familyName",
        "dateOfBirth",
        "customerRef",
        "postcode",
        "phoneNumber",
        "accountNumber",
    }
    assert own_values({"addresses": ["x"], "contact": "y", "accounts": [None]}) == {}


def test_a_correct_target_finds_a_customer_by_each_own_value():
    run(search_self_retrieval, search_seen(HARTLEY, [AMELIA.profile]))


def test_truncated_results_are_a_contract_break():
    only_one = FakeTarget(truncate=1, customers=[PRIYA.profile, AMELIA.profile])
    failure = fails(search_self_retrieval, search_seen(HARTLEY, [AMELIA.profile]), only_one)
    assert failure.level == "known" and "postcode" in failure.message


def test_results_at_the_cap_prove_nothing():
    crowd = [{**AMELIA.profile, "id": f"{n:019d}"} for n in range(50)]
    run(search_self_retrieval, search_seen(HARTLEY, [AMELIA.profile]), FakeTarget(customers=crowd))


def test_variants_cover_names_postcodes_and_phones():
    rules = {rule for rule, _, _ in variants(AMELIA.profile)}
    assert rules == {
        "names match case-insensitively",
        "postcodes ignore case and spaces",
        "phones match in any UK form",
    }


def test_a_correct_target_agrees_with_itself():
    run(search_metamorphic, search_seen({"familyName": "Hartley"}, [AMELIA.profile]))


@pytest.mark.parametrize("knob", ["case_sensitive", "exact_postcode", "or_filters"])
def test_each_broken_equivalence_is_drift(knob):
    filters = {"familyName": "Hartley"}
    results = FakeTarget(**{knob: True}).search(filters)
    failure = fails(
        search_metamorphic,
        search_seen(filters, results or [AMELIA.profile]),
        FakeTarget(**{knob: True}),
    )
    assert failure.level == "decision"


def test_no_results_and_other_operations_are_not_judged():
    for check in (
        search_results_match_filter,
        search_result_fetchable,
        search_self_retrieval,
        search_metamorphic,
    ):
        run(check, search_seen(HARTLEY, []))
        run(check, seen("GetCustomer", body=AMELIA.profile))
    assert len(CUSTOMERS) == 3


def test_refusals_and_outages_of_a_probe_prove_nothing():
    class Refusing(FakeTarget):
        def __call__(self, operation_id, **kwargs):
            answer = super().__call__(operation_id, **kwargs)
            return seen(operation_id, 401, {}) if operation_id == "GetCustomer" else answer

    run(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]), Refusing())

    class Throttled(FakeTarget):
        def __call__(self, operation_id, **kwargs):
            super().__call__(operation_id, **kwargs)
            return seen(operation_id, 429, {})

    run(search_metamorphic, search_seen({"familyName": "Hartley"}, [AMELIA.profile]), Throttled())
    run(search_self_retrieval, search_seen(HARTLEY, [AMELIA.profile]), Throttled())
