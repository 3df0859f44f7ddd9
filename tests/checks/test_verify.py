"""The verify oracles: answers that cannot be true, and one number in three forms."""

import pytest

from checks.fake import FakeTarget, context, level, seen
from conformance.checks import Violation
from conformance.checks.verify import (
    impossible_email,
    impossible_phone,
    reserved_domain,
    uk_forms,
    verify_impossible_input,
    verify_phone_forms,
    verify_reserved_domain,
)


def email(address, answer):
    return seen("VerifyEmail", body={"verified": answer}, request_body={"emailAddress": address})


def phone(number, answer):
    return seen(
        "VerifyPhoneNumber", body={"verified": answer}, request_body={"phoneNumber": number}
    )


def fails(check, exchange, target=None) -> Violation:
    with pytest.raises(Violation) as caught:
        check(context(), exchange, target or FakeTarget())
    return caught.value


@pytest.mark.parametrize(
    "address", ["a@example.invalid", "a@x.test", "a@shop.example", "a@localhost", "a@b.TEST."]
)
def test_reserved_domains(address):
    assert reserved_domain(address)


@pytest.mark.parametrize("address", ["a@example.com", "a@test.co.uk", "no-at-sign", None])
def test_real_domains(address):
    assert not reserved_domain(address)


def test_reserved_false_and_real_true_pass_and_probes_run():
    target = FakeTarget()
    verify_reserved_domain(context(), email("a@example.invalid", False), target)
    verify_reserved_domain(context(), email("a@example.com", True), target)
    assert [c for c in target.calls if c[0] == "VerifyEmail"]


def test_a_reserved_domain_verified_is_our_reading():
    failure = fails(verify_reserved_domain, email("a@example.invalid", True))
    assert failure.rule == "verify.reserved-domains" and level(failure) == "decision"


def test_a_target_that_verifies_reserved_probes_is_caught():
    failure = fails(
        verify_reserved_domain, email("a@example.com", True), FakeTarget(reserved_true=True)
    )
    assert failure.rule == "verify.reserved-domains" and level(failure) == "decision"


def test_impossible_inputs():
    assert impossible_email("no-at-sign") and impossible_email("@x.com")
    assert impossible_email("a@") and impossible_email("a b@example.com")
    # RFC 5321/5322 allow a domain without a dot: not impossible.
    assert not impossible_email("a@localhost") and not impossible_email("a@example.com")
    assert not impossible_email(None)
    assert impossible_phone("12") and impossible_phone("not a number")
    assert not impossible_phone("07700 900123") and not impossible_phone(None)


def test_impossible_input_verified_is_a_contract_break_and_false_is_fine():
    verify_impossible_input(context(), phone("12", False), FakeTarget())
    verify_impossible_input(context(), phone("07700 900123", True), FakeTarget())
    verify_impossible_input(context(), email("a@localhost", True), FakeTarget())
    verify_impossible_input(context(), seen("GetCustomer", body={"verified": True}), FakeTarget())
    for failure in (
        fails(verify_impossible_input, phone("12", True)),
        fails(verify_impossible_input, email("no-at-sign", True)),
    ):
        assert failure.rule == "verify.impossible-input" and level(failure) == "known"


def test_uk_forms():
    assert uk_forms("07700 900123") == ["07700900123", "+447700900123", "00447700900123"]
    assert uk_forms("+1 202 555 0100") == [] and uk_forms("12") == [] and uk_forms(None) == []


def test_one_number_one_answer():
    verify_phone_forms(context(), phone("07700 900123", True), FakeTarget())


def test_a_form_answering_differently_is_a_contract_break():
    failure = fails(verify_phone_forms, phone("07700 900123", True), FakeTarget(plus44_false=True))
    assert failure.rule == "verify.uk-forms" and level(failure) == "known"
