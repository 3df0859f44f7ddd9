"""Our contract checks, registered with schemathesis beside its built-in ones.

Each is a small function of (ctx, response, case) that raises `ContractViolation` saying what
came, what the contract documents, and for which operation. Messages never quote PII values;
the runner scrubs them again before any report.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from ndt_contract.matching import FILTER_KEYS, matches
from schemathesis.core.failures import Failure

PROBLEM_JSON = "application/problem+json"
NO_DETAILS_ALLOWED = {"id", "customerRef", "ssoId", "status", "accounts"}
NO_DETAILS_STATUS = "Applicant"
PROFILE_OPERATIONS = ("GetCustomer", "GetCustomerByAccessToken")
RETRY_STATUSES = (429, 503)


class ContractViolation(Failure):
    code = "NDT"
    kind_title = "Customer API contract check failed"


def operation_id(case: Any) -> str:
    return case.operation.definition.raw.get("operationId", "")


def _fail(case: Any, title: str, message: str) -> None:
    raise ContractViolation(operation=case.operation.label, title=title, message=message)


def _header(response: Any, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _json(response: Any) -> Any:
    try:
        return response.json()
    except Exception:
        return None


def _request_header(response: Any, name: str) -> str | None:
    headers = getattr(response.request, "headers", None) or {}
    return headers.get(name)


@schemathesis.check
def search_results_match_filter(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every search result satisfies every filter, with the contract's normalisation rules."""
    if operation_id(case) != "SearchCustomers" or response.status_code != 200:
        return None
    filters = case.body.get("filter") if isinstance(case.body, dict) else None
    if not isinstance(filters, dict):
        return None
    known = {k: v for k, v in filters.items() if k in FILTER_KEYS and isinstance(v, str)}
    values = (_json(response) or {}).get("values") or []
    wrong = [
        index
        for index, customer in enumerate(values)
        if isinstance(customer, dict) and not matches(known, customer)
    ]
    if wrong:
        _fail(
            case,
            "Search result does not match its filter",
            f"{len(wrong)} of {len(values)} results do not satisfy the filters {sorted(known)} "
            f"(first: values[{wrong[0]}]); the contract: filters combine with AND, names match "
            "case-insensitively, postcodes ignoring case and spaces, phones as E.164 (UK default), "
            "dateOfBirth by date part, accountNumber and customerRef exactly",
        )
    return True


@schemathesis.check
def search_result_fetches_same_customer(ctx: Any, response: Any, case: Any) -> bool | None:
    """GetCustomer of a search result's id returns the same customer."""
    if operation_id(case) != "SearchCustomers" or response.status_code != 200:
        return None
    values = (_json(response) or {}).get("values") or []
    if not values or not isinstance(values[0], dict) or "id" not in values[0]:
        return None
    first = values[0]
    get_customer = case.operation.schema.find_operation_by_id("GetCustomer")
    follow = get_customer.Case(path_parameters={"customerId": first["id"]})
    headers = {
        k: v
        for k, v in (response.request.headers or {}).items()
        if k.lower() in ("authorization", "api-version")
    }
    fetched = follow.call(headers=headers)
    if fetched.status_code != 200:
        _fail(
            case,
            "Search result cannot be fetched",
            f"GET /customers/{{id}} for the first search result answered {fetched.status_code}; "
            "the contract: a search result's id fetches the same customer (200)",
        )
    body = _json(fetched) or {}
    compared = ("id",) if _header(fetched, "NoCustomerDetails") else tuple(first)
    differing = sorted(key for key in compared if body.get(key) != first.get(key))
    if differing:
        _fail(
            case,
            "Search result differs from GetCustomer",
            f"fields {differing} of the first search result differ from GET /customers/{{id}}",
        )
    return True


@schemathesis.check
def no_customer_details_consistent(ctx: Any, response: Any, case: Any) -> bool | None:
    """NoCustomerDetails comes exactly with the token holder's empty account list."""
    if operation_id(case) not in PROFILE_OPERATIONS or response.status_code != 200:
        return None
    body = _json(response)
    if not isinstance(body, dict):
        return None
    flag = _header(response, "NoCustomerDetails")
    accounts = body.get("accounts")
    if flag is not None:
        if flag != "true":
            _fail(
                case,
                "NoCustomerDetails has a wrong value",
                f"NoCustomerDetails: {flag!r}; the contract documents 'true'",
            )
        extra = sorted(set(body) - NO_DETAILS_ALLOWED)
        if accounts != [] or body.get("status") != NO_DETAILS_STATUS or extra:
            _fail(
                case,
                "NoCustomerDetails with a full profile",
                f"NoCustomerDetails came with accounts={'[]' if accounts == [] else 'non-empty'}, "
                f"status={body.get('status')!r}, extra fields {extra}; the contract: only "
                f"{sorted(NO_DETAILS_ALLOWED)}, status {NO_DETAILS_STATUS!r}, empty accounts",
            )
        return True
    token_is_holder = operation_id(case) == "GetCustomerByAccessToken"
    if token_is_holder and accounts == []:
        _fail(
            case,
            "NoCustomerDetails missing",
            "the access token's customer has no account but the NoCustomerDetails header is absent",
        )
    return True


@schemathesis.check
def api_version_header(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every response carries Api-Version with major version 1."""
    value = _header(response, "Api-Version")
    if value is None or not re.fullmatch(r"1\.[0-9]+", value):
        _fail(
            case,
            "Api-Version header missing or wrong",
            f"Api-Version: {value!r} on a {response.status_code}; the contract: every response carries 'Api-Version: 1.0'",
        )
    return True


@schemathesis.check
def problem_details(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx is an RFC 7807 problem with the documented fields; 400s carry `errors`."""
    if response.status_code < 400:
        return None
    content_type = (_header(response, "Content-Type") or "").split(";")[0].strip()
    if content_type != PROBLEM_JSON:
        _fail(
            case,
            "Error is not problem+json",
            f"a {response.status_code} came as {content_type or 'no content type'!r}; the contract: {PROBLEM_JSON}",
        )
    body = _json(response)
    missing = [
        f
        for f in ("type", "title", "status", "traceId")
        if not isinstance(body, dict) or body.get(f) in (None, "")
    ]
    if missing:
        _fail(
            case,
            "Problem without its documented fields",
            f"a {response.status_code} problem lacks {missing}",
        )
    if body.get("status") != response.status_code:
        _fail(
            case,
            "Problem status differs from the HTTP status",
            f"body status {body.get('status')!r} on an HTTP {response.status_code}",
        )
    if response.status_code == 400 and not (
        isinstance(body.get("errors"), dict) and body["errors"]
    ):
        _fail(
            case,
            "400 without an errors map",
            "a 400 problem must map each field path to its messages in `errors`",
        )
    return True


@schemathesis.check
def client_session_id_echoed(ctx: Any, response: Any, case: Any) -> bool | None:
    """A Client-Session-Id sent is echoed back unchanged."""
    sent = _request_header(response, "Client-Session-Id")
    if sent is None:
        return None
    if _header(response, "Client-Session-Id") != sent:
        _fail(
            case,
            "Client-Session-Id not echoed",
            f"the request's Client-Session-Id came back as {_header(response, 'Client-Session-Id')!r}",
        )
    return True


@schemathesis.check
def retry_after_header(ctx: Any, response: Any, case: Any) -> bool | None:
    """429 and 503 say when to come back."""
    if response.status_code not in RETRY_STATUSES:
        return None
    value = _header(response, "Retry-After")
    if value is None or not value.strip().isdigit():
        _fail(
            case,
            "Retry-After missing",
            f"a {response.status_code} without a Retry-After in seconds (got {value!r})",
        )
    return True
