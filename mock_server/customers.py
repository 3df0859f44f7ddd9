"""The customer operations as pure functions of (inputs, store): no Request, no Response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.problems import ApiProblem
from mock_server.store import CustomerStore, Profile

NO_DETAILS_FIELDS = ("id", "customerRef", "ssoId", "status")


@dataclass(frozen=True)
class Reply:
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer` header; None when absent; 401 when malformed."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "The Authorization header must be 'Bearer <access token>'.")
    return token.strip()


def _no_customer_details(customer: Profile) -> Reply:
    body = {key: customer[key] for key in NO_DETAILS_FIELDS if key in customer}
    body["accounts"] = []
    return Reply(body, {"NoCustomerDetails": "true"})


def _profile_reply(customer: Profile, token_holder: Profile | None) -> Reply:
    if (
        token_holder is not None
        and token_holder["id"] == customer["id"]
        and not customer["accounts"]
    ):
        return _no_customer_details(customer)
    return Reply(customer)


def get_customer(store: CustomerStore, customer_id: str, authorization: str | None) -> Reply:
    token = bearer_token(authorization)
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


def get_customer_by_access_token(store: CustomerStore, authorization: str | None) -> Reply:
    token = bearer_token(authorization)
    if token is None:
        raise ApiProblem(401, "An access token is required: Authorization: Bearer <token>.")
    lookup = store.by_token(token)
    if not lookup.known:
        raise ApiProblem(401, "The access token is not recognised.")
    if lookup.customer is None:
        raise ApiProblem(404, "The token's customer no longer exists.")
    return _profile_reply(lookup.customer, lookup.customer)


def search_customers(store: CustomerStore, body: Mapping[str, Any]) -> Reply:
    filters = body.get("filter") or {}
    if not filters:
        raise ApiProblem(
            400,
            "At least one filter is required.",
            errors={"filter": ["at least one filter is required"]},
        )
    return Reply({"values": store.search(filters)})
