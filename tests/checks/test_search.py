"""The search oracles, each branch against a correct target and one broken a single way."""

import pytest

from checks.fake import AMELIA, CUSTOMERS, OLIVER, PRIYA, FakeTarget, context, level, seen
from conformance.checks import Violation
from conformance.checks.search import (
    own_values,
    search_empty_collection,
    search_metamorphic,
    search_no_duplicates,
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


def test_a_result_matching_no_filter_rests_on_our_matching_so_is_drift():
    failure = fails(search_results_match_filter, search_seen(HARTLEY, [PRIYA.profile]))
    assert failure.rules == ("search.results-match-a-filter", "search.matching")
    assert level(failure) == "decision"  # the weakest of its rules: our matching reading


def test_a_result_matching_some_filters_breaks_our_and_reading():
    filters = {"familyName": "Hartley", "givenName": "Priya"}
    failure = fails(search_results_match_filter, search_seen(filters, [AMELIA.profile]))
    assert failure.rules == ("search.filters-combine", "search.matching")
    assert level(failure) == "decision"


def test_results_fetch_as_themselves():
    run(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]))


def test_a_result_that_cannot_be_fetched_rests_on_our_id_reading_until_the_target_shows_it():
    gone = FakeTarget(customers=[PRIYA.profile])
    failure = fails(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]), gone)
    assert failure.rule == "identity.id-is-customer-id" and level(failure) == "decision"


def test_a_result_whose_id_fetches_another_customer_is_the_target_against_itself():
    # Whatever the id mapping, one id shown as two customers (customerRef, ssoId) is known.
    other = FakeTarget(wrong_fetch=True)
    failure = fails(search_result_fetchable, search_seen(HARTLEY, [AMELIA.profile]), other)
    assert failure.rule == "self.id-mapping" and level(failure) == "known"
    assert AMELIA.customer_id in failure.message


def test_a_result_that_cannot_be_fetched_once_the_target_showed_its_ids_is_known():
    ctx = context()
    ctx.learn_id(OLIVER.customer_id, OLIVER.customer_id)  # the target's own answers
    with pytest.raises(Violation) as caught:
        search_result_fetchable(
            ctx, search_seen(HARTLEY, [AMELIA.profile]), FakeTarget(customers=[PRIYA.profile])
        )
    assert caught.value.rule == "self.id-mapping" and level(caught.value) == "known"


def test_a_result_differing_from_its_profile_is_the_target_disagreeing_with_itself():
    summary = {**AMELIA.profile, "givenName": "Amy"}
    failure = fails(search_result_fetchable, search_seen(HARTLEY, [summary]))
    assert failure.rule == "self.same-customer" and level(failure) == "known"


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


def test_truncated_results_not_holding_the_customer_are_our_reading():
    only_one = FakeTarget(truncate=1, customers=[PRIYA.profile, AMELIA.profile])
    failure = fails(search_self_retrieval, search_seen(HARTLEY, [AMELIA.profile]), only_one)
    assert failure.rule == "search.own-value-returns-customer" and "postcode" in failure.message
    assert level(failure) == "decision"  # result sets may be partial


def test_a_search_by_a_customers_own_value_coming_back_empty_is_known():
    empty = FakeTarget(customers=[])
    failure = fails(search_self_retrieval, search_seen(HARTLEY, [AMELIA.profile]), empty)
    assert failure.rule == "self.own-value-found" and level(failure) == "known"
    assert "familyName" in failure.message


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
    assert failure.rule in ("search.matching", "search.filters-combine")
    assert level(failure) == "decision"


def test_a_result_list_holding_a_customer_twice_is_known():
    run(search_no_duplicates, search_seen(HARTLEY, [AMELIA.profile, PRIYA.profile]))
    run(search_no_duplicates, search_seen(HARTLEY, []))
    run(search_no_duplicates, seen("GetCustomer", body=AMELIA.profile))
    failure = fails(search_no_duplicates, search_seen(HARTLEY, [AMELIA.profile, AMELIA.profile]))
    assert failure.rule == "self.no-duplicates" and level(failure) == "known"
    assert "1 of 2" in failure.message


def test_an_empty_search_answered_404_breaks_the_collections_guideline():
    run(search_empty_collection, search_seen(HARTLEY, []))
    run(search_empty_collection, seen("GetCustomer", 404, {}))
    run(search_empty_collection, seen("SearchCustomers", 404, {}, request_body={}))  # no filter
    failure = fails(
        search_empty_collection,
        seen("SearchCustomers", 404, {}, request_body={"filter": HARTLEY}),
    )
    assert failure.rule == "search.empty-is-200" and level(failure) == "standard"


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
