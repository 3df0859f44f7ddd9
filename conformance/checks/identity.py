"""Who a token belongs to: the profile it answers with, and the NoCustomerDetails rule.

The provider documents both: GetCustomerByAccessToken answers "the customer behind an access
token", and `NoCustomerDetails` comes when the token's record exists but the account system has
no account. Test data says which customer each token belongs to.
"""

from __future__ import annotations

from conformance.checks.base import Call, Identity, RunContext, Seen, Violation, check, violation

BY_TOKEN = "GetCustomerByAccessToken"
PROFILE_OPERATIONS = ("GetCustomer", BY_TOKEN)
TOKEN_RECORD_FIELDS = frozenset({"id", "customerRef", "ssoId", "status", "accounts"})


@check
def token_identity(ctx: RunContext, seen: Seen, call: Call) -> None:
    """A known token answers with exactly its own customer; every known token is tried once."""
    if seen.operation_id != BY_TOKEN:
        return
    _judge_identity(ctx, seen)
    if ctx.claim_probe("identity", "all"):
        for token in sorted(ctx.identities):
            if token != seen.token:
                _judge_identity(ctx, call(BY_TOKEN, headers={"authorization": f"Bearer {token}"}))


def _judge_identity(ctx: RunContext, seen: Seen) -> None:
    identity = ctx.identities.get(seen.token or "")
    if identity is None or seen.status != 200 or not isinstance(seen.body, dict):
        return
    if seen.body.get("id") != identity.customer_id:
        raise violation(
            seen,
            "A token answered with another customer",
            "a known token answered with a profile whose id is not its customer's; the "
            "provider: the customer behind the access token",
            "known",
            "token identity",
            sources=("provider.reference",),
            where=ctx.where(BY_TOKEN),
        )


@check
def no_customer_details(ctx: RunContext, seen: Seen, call: Call) -> None:
    """NoCustomerDetails comes exactly when the token's record has no account behind it."""
    if seen.operation_id not in PROFILE_OPERATIONS or seen.status != 200:
        return
    if not isinstance(seen.body, dict):
        return
    flag = seen.headers.get("nocustomerdetails")
    identity = _identity_of_answer(ctx, seen)
    where = ""  # one rule, whichever operation showed it
    accounts = seen.body.get("accounts")
    if flag is None:
        if identity is not None and identity.no_account is True:
            raise _known(
                seen,
                where,
                "NoCustomerDetails missing",
                "the token's customer has no account but the NoCustomerDetails header is absent",
            )
        if seen.operation_id == BY_TOKEN and identity is None and accounts == []:
            raise violation(
                seen,
                "NoCustomerDetails missing",
                "the token's customer has an empty account list but no NoCustomerDetails "
                "header; our reading: an empty list means the account system has no account",
                "decision",
                "NoCustomerDetails when accounts are empty",
                where=where,
            )
        return
    if not seen.token:
        raise _known(
            seen,
            where,
            "NoCustomerDetails without a token",
            "NoCustomerDetails came on a request that sent no access token",
        )
    if identity is not None and identity.no_account is False:
        raise _known(
            seen,
            where,
            "NoCustomerDetails for a customer with accounts",
            "the token's customer has an account, yet NoCustomerDetails came",
        )
    if isinstance(accounts, list) and accounts:
        raise _known(
            seen,
            where,
            "NoCustomerDetails with accounts",
            "NoCustomerDetails came with a non-empty account list",
        )
    if flag != "true":
        raise violation(
            seen,
            "NoCustomerDetails has another value",
            "NoCustomerDetails is not 'true'; our reading: its value is 'true'",
            "decision",
            "NoCustomerDetails value",
            where=where,
        )
    extra = sorted(set(seen.body) - TOKEN_RECORD_FIELDS)
    if extra:
        raise violation(
            seen,
            "NoCustomerDetails with more than the token record",
            f"NoCustomerDetails came with fields {extra}; our reading: only "
            f"{sorted(TOKEN_RECORD_FIELDS)}",
            "decision",
            "NoCustomerDetails body",
            where=where,
        )


def _identity_of_answer(ctx: RunContext, seen: Seen) -> Identity | None:
    """The identity behind the request's token, when the answer is about that customer (an
    answer about someone else is token_identity's to judge)."""
    identity = ctx.identities.get(seen.token or "")
    if identity is None or not isinstance(seen.body, dict):
        return None
    if seen.body.get("id") != identity.customer_id:
        return None
    if (
        seen.operation_id == BY_TOKEN
        or seen.path_parameters.get("customerId") == identity.customer_id
    ):
        return identity
    return None


def _known(seen: Seen, where: str, title: str, message: str) -> Violation:
    return violation(
        seen,
        title,
        message + "; the provider: NoCustomerDetails comes when the access token's record "
        "exists but the account system has no account",
        "known",
        "NoCustomerDetails",
        sources=("provider.reference",),
        where=where,
    )
