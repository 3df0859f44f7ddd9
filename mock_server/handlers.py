"""Thin adapters from connexion's arguments to the pure operations, one per operationId."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion import request

from mock_server import customers
from mock_server.conventions import API_VERSION
from mock_server.customers import Reply
from mock_server.problems import ApiProblem
from mock_server.state import MockState
from mock_server.verify import ProviderUnavailable, verify_email, verify_uk_mobile

Handler = Callable[..., Awaitable[tuple[Any, int, dict[str, str]]]]


def _reply(reply: Reply) -> tuple[Any, int, dict[str, str]]:
    # Api-Version is stamped again outside, but response validation runs inside and wants it.
    headers = {"Content-Type": "application/json", "Api-Version": API_VERSION, **reply.headers}
    return reply.body, reply.status, headers


def accept_bearer_token(token: str) -> dict[str, str]:
    """connexion's bearer check: any token passes here; the operations decide (401 or not)."""
    return {"sub": token}


def _only_value(body: dict) -> str:
    """The verify requests hold one field; reading it by position keeps its name in the spec."""
    return str(next(iter(body.values())))


def build_handlers(state: MockState) -> dict[str, Handler]:
    async def get_customer(customerId: str, **_: Any):
        return _reply(
            customers.get_customer(state.store, customerId, request.headers.get("authorization"))
        )

    async def get_customer_by_access_token(**_: Any):
        return _reply(
            customers.get_customer_by_access_token(
                state.store, request.headers.get("authorization")
            )
        )

    async def search_customers(body: dict, **_: Any):
        return _reply(customers.search_customers(state.store, body))

    async def verify_email_address(body: dict, **_: Any):
        try:
            return _reply(Reply({"verified": verify_email(_only_value(body)).verified}))
        except ProviderUnavailable as exc:
            raise ApiProblem(503, f"The third-party provider is unavailable ({exc}).") from None

    async def verify_phone_number(body: dict, **_: Any):
        try:
            return _reply(Reply({"verified": verify_uk_mobile(_only_value(body)).verified}))
        except ProviderUnavailable as exc:
            raise ApiProblem(503, f"The third-party provider is unavailable ({exc}).") from None

    return {
        "GetCustomer": get_customer,
        "GetCustomerByAccessToken": get_customer_by_access_token,
        "SearchCustomers": search_customers,
        "VerifyEmail": verify_email_address,
        "VerifyPhoneNumber": verify_phone_number,
    }
