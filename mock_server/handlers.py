"""Thin adapters from connexion's arguments to the pure operations, one per operationId."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion import request
from starlette.responses import Response

from mock_server import customers
from mock_server.conventions import API_VERSION
from mock_server.customers import Reply
from mock_server.state import MockState

Handler = Callable[..., Awaitable[Response]]


def accept_bearer_token(token: str) -> dict[str, str]:
    """connexion's bearer check: any token passes here; the operations decide (401 or not)."""
    return {"sub": token}


def to_response(reply: Reply) -> Response:
    # Api-Version is stamped again outside, but response validation runs inside and wants it.
    headers = {"Api-Version": API_VERSION, **reply.headers}
    return Response(reply.body, reply.status, headers, media_type="application/json")


def build_handlers(state: MockState) -> dict[str, Handler]:
    def authorization() -> str | None:
        return request.headers.get("authorization")

    async def get_customer(customerId: str, **_: Any) -> Response:
        return to_response(customers.get_customer(state.store, customerId, authorization()))

    async def get_customer_by_access_token(**_: Any) -> Response:
        return to_response(customers.get_customer_by_access_token(state.store, authorization()))

    async def search_customers(body: dict, **_: Any) -> Response:
        return to_response(customers.search_customers(state.store, body))

    async def verify_email_address(body: dict, **_: Any) -> Response:
        return to_response(customers.verify_email_address(body))

    async def verify_phone_number(body: dict, **_: Any) -> Response:
        return to_response(customers.verify_phone_number(body))

    return {
        "GetCustomer": get_customer,
        "GetCustomerByAccessToken": get_customer_by_access_token,
        "SearchCustomers": search_customers,
        "VerifyEmail": verify_email_address,
        "VerifyPhoneNumber": verify_phone_number,
    }
