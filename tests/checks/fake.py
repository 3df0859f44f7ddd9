"""A target in memory for the oracles that ask again: correct by default, with one knob per
way of being wrong, so each branch of each check is seen passing and failing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ndt_contract import load_contract
from ndt_contract.matching import matches
from ndt_fixtures import persona

from conformance.checks import Exchange, Identity, RunContext
from conformance.checks.verify import impossible_phone, reserved_domain
from conformance.judge import Views

AMELIA = persona("multi-account")
OLIVER = persona("applicant-no-account")
PRIYA = persona("flat-with-house-name")
CUSTOMERS = [AMELIA.profile, OLIVER.profile, PRIYA.profile]
VIEWS = Views.of(load_contract())
PATHS = {
    "GetCustomer": ("get", "/customers/{customerId}"),
    "GetCustomerByAccessToken": ("get", "/customers"),
    "SearchCustomers": ("post", "/customers/search"),
    "VerifyEmail": ("post", "/customers/supported-formats/email-address"),
    "VerifyPhoneNumber": ("post", "/customers/supported-formats/phone-number"),
}


def context(**identities: Identity) -> RunContext:
    tokens = {f"token-{name}": identity for name, identity in identities.items()}
    return RunContext(VIEWS, tokens)


def seen(
    operation_id: str,
    status: int = 200,
    body: Any = None,
    *,
    headers: Mapping[str, str] | None = None,
    request_body: Any = None,
    token: str | None = None,
    request_headers: Mapping[str, str] | None = None,
    customer_id: str | None = None,
    query: Mapping[str, str] | None = None,
) -> Exchange:
    method, path = PATHS[operation_id]
    sent = dict(request_headers or {})
    if token:
        sent["authorization"] = f"Bearer {token}"
    return Exchange(
        operation_id,
        method,
        path,
        status,
        {"content-type": "application/json", **(headers or {})},
        body,
        sent,
        request_body,
        {"customerId": customer_id} if customer_id else {},
        dict(query or {}),
    )


@dataclass
class FakeTarget:
    customers: list[dict[str, Any]] = field(default_factory=lambda: list(CUSTOMERS))
    tokens: dict[str, str] = field(default_factory=dict)  # token -> customer id
    no_account: set[str] = field(default_factory=set)
    truncate: int | None = None  # return at most this many matches
    case_sensitive: bool = False
    exact_postcode: bool = False
    or_filters: bool = False
    wrong_fetch: bool = False
    reserved_true: bool = False
    impossible_true: bool = False
    plus44_false: bool = False
    details_without_token: bool = False  # NoCustomerDetails on GetCustomer without a token
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        operation_id: str,
        *,
        body: Any = None,
        path_parameters: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        self.calls.append((operation_id, body or path_parameters or headers))
        token = ((headers or {}).get("authorization") or "").removeprefix("Bearer ") or None
        if operation_id == "SearchCustomers":
            return seen(
                operation_id, body={"values": self.search(body["filter"])}, request_body=body
            )
        if operation_id == "GetCustomer":
            wanted = (path_parameters or {})["customerId"]
            found = [c for c in self.customers if c["id"] == wanted]
            if self.wrong_fetch and found:
                found = [c for c in self.customers if c["id"] != wanted][:1]
            if not found:
                return seen(operation_id, 404, {"type": "newday:generic:error:missing"})
            extra = {"nocustomerdetails": "true"} if self.details_without_token else {}
            return seen(operation_id, body=found[0], headers=extra, customer_id=wanted)
        if operation_id == "GetCustomerByAccessToken":
            wanted = self.tokens.get(token or "")
            found = [c for c in self.customers if c["id"] == wanted]
            if not found:
                return seen(operation_id, 401, {}, token=token)
            extra = {"nocustomerdetails": "true"} if wanted in self.no_account else {}
            return seen(operation_id, body=found[0], headers=extra, token=token)
        if operation_id == "VerifyEmail":
            address = body["emailAddress"]
            answer = self.reserved_true or not reserved_domain(address)
            return seen(operation_id, body={"verified": answer}, request_body=body)
        if operation_id == "VerifyPhoneNumber":
            number = body["phoneNumber"]
            answer = not impossible_phone(number) or self.impossible_true
            if self.plus44_false and number.startswith("+44"):
                answer = False
            return seen(operation_id, body={"verified": answer}, request_body=body)
        raise KeyError(operation_id)

    def search(self, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        found = []
        for customer in self.customers:
            if self.or_filters:
                hit = any(matches({k: v}, customer) for k, v in filters.items())
            else:
                hit = matches(filters, customer)
            if hit and self.case_sensitive:
                hit = all(
                    customer.get(k) == v
                    for k, v in filters.items()
                    if k in ("givenName", "familyName")
                )
            if hit and self.exact_postcode and "postcode" in filters:
                codes = [a["components"]["postcode"] for a in customer.get("addresses", [])]
                hit = filters["postcode"] in codes
            if hit:
                found.append(customer)
        return found[: self.truncate] if self.truncate is not None else found


def level(failure: Any) -> str:
    """The level the recorder computes for a check's failure, from the rules it names."""
    from conformance.recorder import ContractChecks

    return str(ContractChecks(VIEWS).level(failure.rules)[0])
