"""The operations as pure functions of (inputs, store) -> Reply: no Request, no Response.

`OPERATIONS` is the one table from operationId to operation; the pipeline calls nothing else.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mock_server.problems import ApiProblem
from mock_server.store import CustomerStore, StoredCustomer
from mock_server.verify import (
    ProviderUnavailable,
    Unparseable,
    Verdict,
    verify_email,
    verify_uk_mobile,
)


@dataclass(frozen=True)
class Reply:
    body: bytes  # JSON
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Call:
    """What an operation may read of a request, already validated by the pipeline."""

    path: Mapping[str, Any] = field(default_factory=dict)
    token: str | None = None  # the bearer token, when one was sent
    body: Any = None


def unavailable(what: str) -> ApiProblem:
    """A dependency that cannot answer: the contract's 500 `unavailable` (the catalogue adds
    Retry-After, as it does to every 429, 500 and 503)."""
    return ApiProblem(500, f"{what} is unavailable; try again later.")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer` header; None when absent; 401 when malformed."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "The Authorization header must be 'Bearer <access token>'.")
    return token.strip()


def _profile_reply(customer: StoredCustomer, token_holder: StoredCustomer | None) -> Reply:
    if token_holder is not None and token_holder.id == customer.id and not customer.has_accounts:
        return Reply(customer.no_details(), {"NoCustomerDetails": "true"})
    return Reply(customer.raw)


def get_customer(store: CustomerStore, customer_id: str, token: str | None) -> Reply:
    holder = None
    if token is not None:
        lookup = store.by_token(token)
        if not lookup.known:
            raise ApiProblem(401, "The access token is not recognised.")
        holder = lookup.customer
    customer = store.get(customer_id)
    if customer is None:
        raise ApiProblem(404, "No customer has this id.")
    return _profile_reply(customer, holder)


def get_customer_by_access_token(store: CustomerStore, token: str | None) -> Reply:
    if token is None:
        raise ApiProblem(401, "An access token is required: Authorization: Bearer <token>.")
    lookup = store.by_token(token)
    if not lookup.known:
        raise ApiProblem(401, "The access token is not recognised.")
    if lookup.customer is None:  # the contract has no 404 here: a token without a customer
        raise ApiProblem(401, "The access token's customer no longer exists.")
    return _profile_reply(lookup.customer, lookup.customer)


def search_customers(store: CustomerStore, body: Mapping[str, Any]) -> Reply:
    filters = body.get("filter") or {}
    if not filters:
        raise ApiProblem(
            400,
            "At least one filter is required.",
            errors={"filter": ["at least one filter is required"]},
        )
    return Reply(SEARCH_BODIES.body(store.search(filters)))


def values_body(found: Sequence[StoredCustomer]) -> bytes:
    """`{"values":[...]}` from each customer's stored compact JSON, copied once: a search
    never serialises a customer again, and one join is the only pass over the bytes."""
    parts = [b'{"values":[']
    for customer in found:
        parts.append(customer.raw)
        parts.append(b",")
    if found:
        parts[-1] = b"]}"
    else:
        parts.append(b"]}")
    return b"".join(parts)


class RecentBodies:
    """The answer bytes of recent searches, by the identity of the result list.

    The store hands out a repeated search's result as the very list it answered with before
    (its base never changes, and those lists are read-only), so the same list means the same
    bytes: a repeated search costs a dictionary lookup instead of a join over every result.
    An entry keeps its list alive, so no other list can take its id while the entry exists;
    results built afresh (over admin changes) are new lists and simply miss."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._bodies: OrderedDict[int, tuple[Sequence[StoredCustomer], bytes]] = OrderedDict()

    def body(self, found: Sequence[StoredCustomer]) -> bytes:
        entry = self._bodies.get(id(found))
        if entry is not None and entry[0] is found:
            return entry[1]
        body = values_body(found)
        if len(self._bodies) >= self.size:
            self._bodies.popitem(last=False)  # the oldest
        self._bodies[id(found)] = (found, body)
        return body


SEARCH_BODIES = RecentBodies()


def _only_value(body: Mapping[str, Any]) -> str:
    """The verify requests hold one field; reading it by position keeps its name in the spec."""
    return str(next(iter(body.values())))


def _verdict(check: Callable[[str], Verdict], body: Mapping[str, Any]) -> Reply:
    try:
        verified = check(_only_value(body)).verified
    except ProviderUnavailable as exc:
        raise unavailable(f"The third-party provider ({exc})") from None
    except Unparseable as exc:
        raise ApiProblem(
            400, "The value cannot be read.", errors={next(iter(body)): [str(exc)]}
        ) from None
    return Reply(json.dumps({"verified": verified}).encode())


def verify_email_address(body: Mapping[str, Any]) -> Reply:
    return _verdict(verify_email, body)


def verify_phone_number(body: Mapping[str, Any]) -> Reply:
    return _verdict(verify_uk_mobile, body)


Operation = Callable[[CustomerStore, Call], Reply]

OPERATIONS: dict[str, Operation] = {
    "GetCustomer": lambda store, call: get_customer(store, call.path["customerId"], call.token),
    "GetCustomerByAccessToken": lambda store, call: get_customer_by_access_token(store, call.token),
    "SearchCustomers": lambda store, call: search_customers(store, call.body),
    "VerifyEmail": lambda store, call: verify_email_address(call.body),
    "VerifyPhoneNumber": lambda store, call: verify_phone_number(call.body),
}
