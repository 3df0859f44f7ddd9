"""Direct tests of mock_server.verify: every branch of the email and UK mobile verdicts."""

from __future__ import annotations

import pytest

from mock_server.verify import (
    MAGIC_FALSE_MOBILE,
    PROVIDER_DOWN_EMAIL,
    PROVIDER_DOWN_MOBILE,
    ProviderUnavailable,
    Unparseable,
    Verdict,
    verify_email,
    verify_uk_mobile,
)


@pytest.mark.parametrize(
    "address",
    ["amelia.hughes@example.com", "A.Person@Example.COM", "someone@gmail.com", "o'neil@bt.co.uk"],
)
def test_a_well_formed_address_on_a_real_domain_is_verified(address):
    assert verify_email(address) == Verdict(True)


@pytest.mark.parametrize(
    "address",
    ["not-an-email", "x@", "@example.com", "a@b", "two@@example.com", "x@localhost"],
)
def test_a_malformed_address_is_false_not_an_error(address):
    assert verify_email(address) == Verdict(False)


@pytest.mark.parametrize(
    "address",
    # email-validator itself refuses .invalid/.test/.localhost: these reach it and say false
    ["x@foo.invalid", "x@foo.test", "x@foo.localhost"],
)
def test_special_use_domains_are_false(address):
    assert verify_email(address) == Verdict(False)


def test_the_example_tld_passes_email_validator_and_is_refused_by_our_suffix_list():
    # .example is accepted by email-validator: only RESERVED_SUFFIXES makes this false
    assert verify_email("x@shop.example") == Verdict(False)
    assert verify_email("x@SHOP.EXAMPLE") == Verdict(False)


@pytest.mark.parametrize("address", ["x@undeliverable.example.com", "x@Undeliverable.Example.Com"])
def test_the_magic_undeliverable_domain_is_false(address):
    assert verify_email(address) == Verdict(False)


def test_only_the_exact_undeliverable_domain_is_magic_not_its_subdomains():
    assert verify_email("x@sub.undeliverable.example.com") == Verdict(True)


@pytest.mark.parametrize(
    "address", [PROVIDER_DOWN_EMAIL, " Provider-Down@Example.com ", "PROVIDER-DOWN@EXAMPLE.COM"]
)
def test_the_provider_down_address_raises_whatever_its_case_and_spaces(address):
    with pytest.raises(ProviderUnavailable, match="email verification provider unavailable"):
        verify_email(address)


@pytest.mark.parametrize(
    "number",
    [
        "07700 100009",  # national form
        "+447700100009",  # E.164
        "00447700100009",  # the UK's international prefix
        "447700100009",  # country code without a plus
        "7700 100009",  # without the trunk 0
        "(07700) 100-009",  # punctuation
    ],
)
def test_uk_mobiles_in_every_written_form_are_verified(number):
    assert verify_uk_mobile(number) == Verdict(True)


@pytest.mark.parametrize(
    "number,where",
    [("07797 712345", "Jersey"), ("07781 123456", "Guernsey"), ("07624 123456", "Isle of Man")],
)
def test_crown_dependency_mobiles_share_the_uk_plan_and_are_verified(number, where):
    assert verify_uk_mobile(number) == Verdict(True), where


@pytest.mark.parametrize(
    "number",
    [
        "0131 496 0009",  # Edinburgh landline
        "020 7946 0000",  # London landline
        "+33 6 12 34 56 78",  # a French mobile: valid, but not the UK plan
        "+1 202 555 0143",  # US
        "07700 900123",  # Ofcom's drama range, invalid to phonenumbers
        "07700 10000",  # one digit short
        "12",  # parses, but is no number anyone has
    ],
)
def test_parseable_numbers_that_are_not_valid_uk_mobiles_are_false(number):
    assert verify_uk_mobile(number) == Verdict(False)


@pytest.mark.parametrize("number", [MAGIC_FALSE_MOBILE, "07700 100998", "0044 7700 100998"])
def test_the_magic_false_mobile_is_false_though_it_is_a_valid_mobile(number):
    assert verify_uk_mobile(number) == Verdict(False)
    # one digit away it is a real verified mobile: the magic is what made it false
    assert verify_uk_mobile("07700 100997") == Verdict(True)


@pytest.mark.parametrize("number", [PROVIDER_DOWN_MOBILE, "07700 100999", "+44 7700 100 999"])
def test_the_provider_down_mobile_raises(number):
    with pytest.raises(ProviderUnavailable, match="phone verification provider unavailable"):
        verify_uk_mobile(number)


@pytest.mark.parametrize("number", ["abc", "", "+44", "phone me", "+"])
def test_text_that_is_not_a_phone_number_at_all_is_unparseable(number):
    with pytest.raises(Unparseable, match=r"^not a phone number: "):
        verify_uk_mobile(number)


def test_unparseable_hides_the_library_traceback():
    with pytest.raises(Unparseable) as caught:
        verify_uk_mobile("abc")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
