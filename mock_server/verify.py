"""Offline email and UK mobile verification: email-validator and phonenumbers, no lookups.

The real endpoints ask a third-party provider; the mock answers from syntax and a few magic
inputs (listed in the README) so that frontends can drive every branch.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# Domains that cannot exist (RFC 2606 / RFC 6761 reserved names).
RESERVED_SUFFIXES = (".invalid", ".test", ".localhost", ".example")
UNDELIVERABLE_DOMAIN = "undeliverable.example.com"
PROVIDER_DOWN_EMAIL = "provider-down@example.com"
MAGIC_FALSE_MOBILE = "+447700100998"
PROVIDER_DOWN_MOBILE = "+447700100999"


class ProviderUnavailable(Exception):
    """The third-party provider would not answer: the caller renders a 500 unavailable."""


class Unparseable(Exception):
    """The input cannot be read as a phone number at all: a 400."""


@dataclass(frozen=True)
class Verdict:
    verified: bool


def verify_email(address: str) -> Verdict:
    if address.strip().lower() == PROVIDER_DOWN_EMAIL:
        raise ProviderUnavailable("email verification provider unavailable")
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return Verdict(False)
    domain = checked.ascii_domain.lower()
    if domain == UNDELIVERABLE_DOMAIN or domain.endswith(RESERVED_SUFFIXES):
        return Verdict(False)
    return Verdict(True)


# The +44 numbering plan: the UK and the Crown dependencies (Guernsey, Jersey, Isle of Man),
# whose mobiles (07911 ...) phonenumbers places in GG/JE/IM (known: Ofcom numbering plan).
UK_PLAN_REGIONS = frozenset({"GB", "GG", "JE", "IM"})


def verify_uk_mobile(number: str) -> Verdict:
    """UK unless it starts with an international prefix; only valid +44-plan mobiles are true."""
    try:  # phonenumbers reads the UK's 00 international prefix itself
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException as exc:
        raise Unparseable(f"not a phone number: {exc}") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if e164 == PROVIDER_DOWN_MOBILE:
        raise ProviderUnavailable("phone verification provider unavailable")
    if e164 == MAGIC_FALSE_MOBILE:
        return Verdict(False)
    return Verdict(
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.region_code_for_number(parsed) in UK_PLAN_REGIONS
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    )
