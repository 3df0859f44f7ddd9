"""A correct provider that differs from our readings in every way the evidence allows.

Ids one digit shorter, problems without `status` or `traceId`, extra properties, addresses in
the style of the provider's example version A, provider outages as 500 with Retry-After, any
Api-Version accepted. A conformance run against it must pass, with the drift reported.
"""

from __future__ import annotations

import re
from typing import Any

from broken.base import Request, Response

RULE = "a legitimately different, correct provider"
PROFILE_PATH = re.compile(r"^/customers/(?P<id>[0-9]{18})$")
OUTAGE_INPUTS = (b"provider-down@example.com", b"07700 100999")


def external(customer_id: str) -> str:
    """Our ids are 19 digits; this provider's are 18 (ids are opaque: any length is fine)."""
    return (
        customer_id[1:] if len(customer_id) == 19 and customer_id.startswith("0") else customer_id
    )


def internal(customer_id: str) -> str:
    return "0" + customer_id if len(customer_id) == 18 else customer_id


def rewrite_scope(scope: dict[str, Any]) -> dict[str, Any]:
    match = PROFILE_PATH.match(scope["path"])
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"api-version"]
    query = re.sub(rb"(^|&)api-version=[^&]*", b"", scope.get("query_string", b"")).lstrip(b"&")
    scope = {**scope, "headers": headers, "query_string": query}
    if match:
        path = f"/customers/{internal(match['id'])}"
        scope = {**scope, "path": path, "raw_path": path.encode()}
    return scope


def _profile(customer: dict[str, Any]) -> dict[str, Any]:
    customer = {**customer, "id": external(customer["id"]), "segment": "retail"}
    addresses = []
    for address in customer.get("addresses") or []:
        components = {k: ("" if v is None else v) for k, v in address["components"].items()}
        components["countryCode"] = ""
        addresses.append({"format": address["format"], "components": components})
    if "addresses" in customer:
        customer["addresses"] = addresses
    if isinstance(customer.get("dateOfBirth"), str):
        customer["dateOfBirth"] = customer["dateOfBirth"].removesuffix("Z")
    return customer


def mutate(request: Request, response: Response) -> Response:
    if request.path.startswith("/customers") and any(x in request.body for x in OUTAGE_INPUTS):
        response.status = 500
        response.headers["content-type"] = "application/problem+json"
        response.headers["retry-after"] = "2"
        response.set_json({"type": "newday:generic:error:unavailable", "title": "Try later"})
        return response
    body = response.json() if response.body else None
    if response.status >= 400 and isinstance(body, dict):
        body.pop("status", None)
        body.pop("traceId", None)
        response.set_json(body)
    elif response.status == 200 and isinstance(body, dict):
        if "values" in body:
            response.set_json({"values": [_profile(c) for c in body["values"]]})
        elif "id" in body and "customerRef" in body:
            response.set_json(_profile(body))
        elif "personas" in body:  # the mock's test data: this provider's ids
            for item in body["personas"]:
                item["id"] = external(item["id"])
            response.set_json(body)
    return response
