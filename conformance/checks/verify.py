"""The verify endpoints answer whether an address or number exists (the provider's words), so
some answers are impossible whatever the third-party provider says. They live under
`supported-formats`: a provider may check syntax only, so only text that is no address at all
(RFC 5322 allows a domain without a dot) is impossible; a reserved domain is our reading."""

from __future__ import annotations

from typing import Any

import phonenumbers
from ndt_contract.matching import uk_forms

from conformance.checks.base import Call, RunContext, check, violation
from conformance.exchange import Exchange

VERIFY_EMAIL = "VerifyEmail"
VERIFY_PHONE = "VerifyPhoneNumber"
# RFC 2606 and RFC 6761: names that can never exist on the public internet.
RESERVED_TLDS = ("invalid", "test", "example", "localhost")
RESERVED_PROBES = ("someone@example.invalid", "someone@mail.test", "someone@shop.example")


def verified(seen: Exchange) -> bool | None:
    """True or False when the answer says so (our reading of its shape); None otherwise."""
    if seen.status != 200 or not isinstance(seen.body, dict):
        return None
    value = seen.body.get("verified")
    return value if isinstance(value, bool) else None


def reserved_domain(address: Any) -> bool:
    if not isinstance(address, str) or "@" not in address:
        return False
    domain = address.rsplit("@", 1)[1].strip().rstrip(".").lower()
    return domain.rsplit(".", 1)[-1] in RESERVED_TLDS


def _request_field(seen: Exchange, name: str) -> Any:
    return seen.request_body.get(name) if isinstance(seen.request_body, dict) else None


@check
def verify_reserved_domain(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """An address at a reserved domain (.invalid, .test, .example, .localhost) never exists."""
    if seen.operation_id != VERIFY_EMAIL:
        return
    _judge_reserved(ctx, seen)
    if ctx.claim_probe("reserved", "all"):
        for address in RESERVED_PROBES:
            _judge_reserved(ctx, call(VERIFY_EMAIL, body={"emailAddress": address}))


def _judge_reserved(ctx: RunContext, seen: Exchange) -> None:
    if reserved_domain(_request_field(seen, "emailAddress")) and verified(seen) is True:
        raise violation(
            seen,
            "A reserved domain verified",
            "an address at a reserved domain (RFC 2606, RFC 6761) was verified as existing; "
            "our reading: verify says whether the address can receive mail",
            "verify.reserved-domains",
            where=ctx.where(VERIFY_EMAIL),
        )


def impossible_phone(value: Any) -> bool:
    """Text that cannot be any phone number, wherever it is dialled from."""
    if not isinstance(value, str):
        return False
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return True
    return not phonenumbers.is_possible_number(parsed)


def impossible_email(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    local, at, domain = value.rpartition("@")
    return not at or not local or not domain or any(c.isspace() for c in value.strip())


@check
def verify_impossible_input(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """An address or number that cannot exist never verifies as existing."""
    if seen.operation_id == VERIFY_EMAIL:
        impossible = impossible_email(_request_field(seen, "emailAddress"))
    elif seen.operation_id == VERIFY_PHONE:
        impossible = impossible_phone(_request_field(seen, "phoneNumber"))
    else:
        return
    if impossible and verified(seen) is True:
        raise violation(
            seen,
            "An impossible input verified",
            "input that cannot be an address or phone number was verified as existing; the "
            "provider: verify says whether it exists",
            "verify.impossible-input",
            where=ctx.where(seen.operation_id),
        )


@check
def verify_phone_forms(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """One UK number in national, +44 and 0044 forms gets one answer (the provider: a number is
    UK unless it starts with +44 or 0044)."""
    if seen.operation_id != VERIFY_PHONE or verified(seen) is None:
        return
    number = _request_field(seen, "phoneNumber")
    forms = uk_forms(number)
    if not forms or not ctx.claim_probe("phone-forms", forms[0]):
        return
    answers = {form: verified(call(VERIFY_PHONE, body={"phoneNumber": form})) for form in forms}
    answers = {form: answer for form, answer in answers.items() if answer is not None}
    if len(set(answers.values()) | {verified(seen)}) > 1:
        raise violation(
            seen,
            "One number, several answers",
            "the national, +44 and 0044 forms of one UK number verified differently; the "
            "provider: a number is UK unless it starts with +44 or 0044",
            "verify.uk-forms",
            where=ctx.where(VERIFY_PHONE),
        )
