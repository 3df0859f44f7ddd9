"""Who a token belongs to: the profile it answers with, and the NoCustomerDetails rule.

The provider documents both: GetCustomerByAccessToken answers "the customer behind an access
token", and `NoCustomerDetails` comes when the token's record exists but the account system has
no account. Test data says which customer each token belongs to; the profile by token is
compared, field by field, with GetCustomer's for that customer, so no guess about `id` decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.checks.base import (
    Call,
    Identity,
    RunContext,
    Violation,
    check,
    other_customer,
    violation,
)
from conformance.exchange import Exchange

BY_TOKEN = "GetCustomerByAccessToken"
BY_ID = "GetCustomer"
SEARCH = "SearchCustomers"
PROFILE_OPERATIONS = (BY_ID, BY_TOKEN)
TOKEN_RECORD_FIELDS = frozenset({"id", "customerRef", "ssoId", "status", "accounts"})


def differing_fields(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[str]:
    """Fields both profiles show with different values (JSON equality)."""
    return sorted(k for k in first if k in second and first[k] != second[k])


@check
def token_identity(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A known token answers with exactly its own customer, accounts included; every known
    token is tried once per run."""
    if seen.operation_id != BY_TOKEN:
        return
    _judge_identity(ctx, seen, call)
    if ctx.claim_probe("identity", "all"):
        for token in sorted(ctx.identities):
            if token != seen.token:
                asked = call(BY_TOKEN, headers={"authorization": f"Bearer {token}"})
                _judge_identity(ctx, asked, call)


def _judge_identity(ctx: RunContext, seen: Exchange, call: Call) -> None:
    identity = ctx.identities.get(seen.token or "")
    if identity is None or seen.status != 200 or not isinstance(seen.body, dict):
        return
    if seen.headers.get("nocustomerdetails"):
        return  # only the token record: judged by no_customer_details
    by_id = call(
        BY_ID,
        path_parameters={"customerId": identity.customer_id},
        headers={"authorization": f"Bearer {seen.token}"},
    )
    if by_id.status == 200 and isinstance(by_id.body, dict):
        differing = differing_fields(seen.body, by_id.body)
        if differing:
            raise violation(
                seen,
                "A token answered with another customer",
                f"the profile by token differs from GetCustomer for the token's customer "
                f"{identity.customer_id} in {differing} (by token: id "
                f"{seen.body.get('id')!r}); the provider: the customer behind the access token",
                "identity.token-customer",
                where=ctx.where(BY_TOKEN),
            )
        return
    if seen.body.get("id") != identity.customer_id:
        raise violation(
            seen,
            "A token answered with another id",
            f"expected customer {identity.customer_id}, the token answered id "
            f"{seen.body.get('id')!r} (GetCustomer for that customer answered {by_id.status}); "
            "our reading: a profile's id is its customerId",
            "identity.id-is-customer-id",
            where=ctx.where(BY_TOKEN),
        )


@check
def no_customer_details(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """NoCustomerDetails comes exactly when the token's record has no account behind it: when
    it must (a token with no account) and never when it must not (no token, a token with
    accounts); the test data's customers are also asked for without a token, once."""
    if seen.operation_id not in PROFILE_OPERATIONS or seen.status != 200:
        return
    _judge_details(ctx, seen)
    if ctx.claim_probe("no-details", "all"):
        for token, identity in sorted(ctx.identities.items()):
            if identity.no_account is not None and token != seen.token:
                auth = {"authorization": f"Bearer {token}"}
                _judge_details(ctx, call(BY_TOKEN, headers=auth))
            _judge_details(
                ctx,
                call(
                    BY_ID,
                    path_parameters={"customerId": identity.customer_id},
                    headers={"authorization": None},
                ),
            )


def _judge_details(ctx: RunContext, seen: Exchange) -> None:
    if seen.status != 200 or not isinstance(seen.body, dict):
        return
    flag = seen.headers.get("nocustomerdetails")
    identity = _identity_of_answer(ctx, seen)
    accounts = seen.body.get("accounts")
    if flag is None:
        if identity is not None and identity.no_account is True:
            raise _documented(
                seen,
                "NoCustomerDetails missing",
                "the token's customer has no account but the NoCustomerDetails header is absent",
                "identity.no-details-when-no-account",
            )
        if seen.operation_id == BY_TOKEN and identity is None and accounts == []:
            raise violation(
                seen,
                "NoCustomerDetails missing",
                "the token's customer has an empty account list but no NoCustomerDetails "
                "header; our reading: an empty list means the account system has no account",
                "identity.no-details-when-accounts-empty",
            )
        return
    if not seen.token:
        raise _documented(
            seen,
            "NoCustomerDetails without a token",
            "NoCustomerDetails came on a request that sent no access token",
            "identity.no-details-only-for-a-token",
        )
    if identity is not None and identity.no_account is False:
        raise _documented(
            seen,
            "NoCustomerDetails for a customer with accounts",
            "the token's customer has an account, yet NoCustomerDetails came",
            "identity.no-details-never-with-accounts",
        )
    if isinstance(accounts, list) and accounts:
        raise _documented(
            seen,
            "NoCustomerDetails with accounts",
            "NoCustomerDetails came with a non-empty account list",
            "identity.no-details-never-with-accounts",
        )
    if flag != "true":
        raise violation(
            seen,
            "NoCustomerDetails has another value",
            "NoCustomerDetails is not 'true'; our reading: its value is 'true'",
            "identity.no-details-value",
        )
    extra = sorted(set(seen.body) - TOKEN_RECORD_FIELDS)
    if extra:
        raise violation(
            seen,
            "NoCustomerDetails with more than the token record",
            f"NoCustomerDetails came with fields {extra}; our reading: only "
            f"{sorted(TOKEN_RECORD_FIELDS)}",
            "identity.no-details-body",
        )


def _identity_of_answer(ctx: RunContext, seen: Exchange) -> Identity | None:
    """The identity behind the request's token, when the answer is about that customer: by
    token always; by id when the path asks for the token's customer."""
    identity = ctx.identities.get(seen.token or "")
    if identity is None:
        return None
    if seen.operation_id == BY_TOKEN:
        return identity
    if seen.path_parameters.get("customerId") == identity.customer_id:
        return identity
    return None


def _documented(seen: Exchange, title: str, message: str, rule: str) -> Violation:
    return violation(
        seen,
        title,
        message + "; the provider: NoCustomerDetails comes when the access token's record "
        "exists but the account system has no account",
        rule,
    )


@check
def customer_id_mapping(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """GetCustomer answers by the target's own id mapping: a path id never answers a customer
    other than the one the target itself showed with that id (an alias of the same customer is
    consistent), one path id never answers two customers, and the same request twice gives the
    same customer."""
    before = _learn_who(ctx, seen)
    if seen.operation_id != BY_ID or not isinstance(seen.body, dict) or before is False:
        return
    path_id, body_id = seen.path_parameters.get("customerId"), seen.body.get("id")
    if not isinstance(path_id, str) or not isinstance(body_id, str):
        return
    _judge_mapping(ctx, seen, path_id, body_id, before)
    if ctx.claim_probe("repeat", path_id):
        _judge_repeat(ctx, seen, path_id, call(BY_ID, path_parameters={"customerId": path_id}))


def _learn_who(ctx: RunContext, seen: Exchange) -> dict[str, Any] | bool | None:
    """Learn who each profile id is from an answer that shows profiles; for a profile answer,
    who its id was before (None: not known yet); False when there is nothing to judge."""
    if seen.status != 200 or not isinstance(seen.body, dict):
        return False
    if seen.operation_id == SEARCH:
        for result in seen.body.get("values") or []:
            if isinstance(result, dict):
                ctx.learn_profile(result)
        return False
    if seen.operation_id not in PROFILE_OPERATIONS or seen.headers.get("nocustomerdetails"):
        return False
    return ctx.learn_profile(seen.body)


def _judge_mapping(
    ctx: RunContext,
    seen: Exchange,
    path_id: str,
    body_id: str,
    before: dict[str, Any] | bool | None,
) -> None:
    ids = ctx.learn_id(path_id, body_id)
    where = ctx.where(BY_ID)
    if len(ids) > 1:
        raise violation(
            seen,
            "One id, several customers",
            f"GetCustomer for {path_id} answered profiles with ids {sorted(ids)} in this run",
            "self.repeatable",
            where=where,
        )
    with ctx.lock:
        shown = ctx.profiles.get(path_id)
    if body_id != path_id and shown is not None and other_customer(shown, seen.body):
        raise violation(
            seen,
            "GetCustomer answered another customer",
            f"GetCustomer for {path_id} answered the profile of {body_id}, while the target "
            f"itself showed {path_id} as another customer (customerRef and ssoId differ)",
            "self.id-mapping",
            where=where,
        )
    if isinstance(before, dict) and other_customer(before, seen.body):
        raise violation(
            seen,
            "GetCustomer answered another customer",
            f"GetCustomer for {path_id} answered id {body_id} as a customer other than the one "
            "the target showed with that id elsewhere",
            "self.id-mapping",
            where=where,
        )


def _judge_repeat(ctx: RunContext, seen: Exchange, path_id: str, again: Exchange) -> None:
    if again.status != 200 or not isinstance(again.body, dict):
        return
    differing = differing_fields(seen.body, again.body)
    if differing:
        raise violation(
            seen,
            "The same request, another answer",
            f"GetCustomer for {path_id} asked twice differs in {differing}",
            "self.repeatable",
            where=ctx.where(BY_ID),
        )
