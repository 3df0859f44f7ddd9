"""The provider as one ASGI app: the gateway's routing and token policy in front, then the
API's version check, body parsing and its five operations.

`handle` is a plain function of a `Request`, so each branch can be tested without a socket;
`OtherProvider.__call__` only moves bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from . import errors
from .bugs import check_bug
from .data import BY_KEY, CUSTOMERS, TOKENS, Customer
from .errors import Reply
from .search import FILTERS, MATCHERS, date_part, search
from .verify import email_exists, mobile_exists

MAX_BODY = 1 << 20
MAX_LOG = 10_000
VERSIONS = ("1", "1.0")
HEALTH = ("/heartbeat", "/healthcheck")
PREFIX = "/customers"
POSTS = {
    "/customers/search": "search",
    "/customers/supported-formats/email-address": "verify_email",
    "/customers/supported-formats/phone-number": "verify_phone",
}
HTML_404 = (
    b"<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head>"
    b"<body><h2>404 - File or directory not found.</h2></body></html>"
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    query: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""


class Refused(Exception):
    """A request the API answers with an error before any operation runs."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class OtherProvider:
    def __init__(self, bug: str | None = None) -> None:
        self.bug = check_bug(bug)
        self.calls: Counter[str] = Counter()  # per id: the unstable_get bug alternates on it
        # What was asked (bounded): tests read it to see what a run really requested.
        self.log: list[Request] = []
        matchers = dict(MATCHERS)
        if bug == "names_case_sensitive":
            matchers["familyName"] = lambda c, v: c.family == v
        if bug == "own_identifier_empty":
            matchers["customerRef"] = matchers["accountNumber"] = lambda c, v: False
        self.matchers = matchers

    # -- the gateway ---------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if len(self.log) < MAX_LOG:
            self.log.append(request)
        if request.method == "GET" and request.path in HEALTH:
            return Reply(200, b"Healthy", {"content-type": "text/plain; charset=utf-8"})
        route = self._route(request)
        if route is None:
            return errors.gateway_not_found()
        name, customer_id = route
        try:
            token_customer = self._token_policy(request, name)
            self._check_version(request)
            if request.method == "POST":
                return self._finish(getattr(self, name)(self._json_body(request)))
            if name == "get_customer":
                return self._finish(self.get_customer(customer_id, token_customer, request))
            assert token_customer is not None
            return self._finish(self.by_token(token_customer))
        except Refused as refused:
            return self._finish(refused.reply)

    def _route(self, request: Request) -> tuple[str, str] | None:
        """APIM matches an operation by method and template; anything else is its 404."""
        if request.method == "POST":
            name = POSTS.get(request.path)
            return (name, "") if name else None
        if request.method != "GET":
            return None
        if request.path == PREFIX:
            return ("by_token", "")
        rest = request.path.removeprefix(PREFIX + "/")
        if rest != request.path and rest and "/" not in rest:
            return ("get_customer", rest)
        return None

    def _token_policy(self, request: Request, name: str) -> Customer | None:
        """The gateway's token policy, on the two operations that read a token."""
        if name not in ("by_token", "get_customer"):
            return None
        value = request.headers.get("authorization")
        if value is None:
            if name == "by_token":
                raise Refused(errors.gateway_unauthorized())
            return None
        scheme, _, token = value.partition(" ")
        number = TOKENS.get(token.strip()) if scheme.lower() == "bearer" else None
        if number is None:
            raise Refused(errors.gateway_unauthorized())
        return BY_KEY[number]

    # -- the API -------------------------------------------------------------------------

    def _finish(self, reply: Reply) -> Reply:
        if not reply.from_gateway:
            reply.headers["api-version"] = "1" if self.bug == "api_version_major_only" else "1.0"
        return reply

    def _check_version(self, request: Request) -> None:
        """The `api-version` query supersedes the header; neither means the latest."""
        asked = (request.query.get("api-version") or [None])[0]
        if asked is None:
            asked = request.headers.get("api-version")
        if asked is not None and asked.strip() not in VERSIONS:
            raise Refused(errors.unsupported_version(asked.strip()))

    def _json_body(self, request: Request) -> Any:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise Refused(errors.unsupported_media_type())
        try:
            return json.loads(request.body.decode("utf-8"))
        except (ValueError, RecursionError):
            raise Refused(
                errors.validation({"$": ["The JSON value could not be parsed."]})
            ) from None

    # -- the operations ------------------------------------------------------------------

    def search(self, body: Any) -> Reply:
        if self.bug == "search_always_400":
            return errors.validation({"filter": ["The filter field is required."]})
        filters = _filters(body)
        if (
            self.bug == "outage_on_one_name"
            and filters.get("familyName", "").casefold() == "okafor"
        ):
            return errors.unavailable()
        if self.bug == "filter_ignored" and "postcode" in filters:
            filters.pop("familyName", None)
        found = search(filters, self.matchers)
        if self.bug == "first_match_only":
            found = found[:1]
        if not found and self.bug == "empty_search_404":
            return errors.not_found()
        values = [self._search_result(c) for c in found]
        if values and self.bug == "duplicate_result":
            values.append(values[0])
        return errors.json_reply({"values": values})

    def _search_result(self, customer: Customer) -> dict[str, Any]:
        profile = customer.profile()
        if self.bug == "search_get_disagree" and customer.middle:
            profile["middleNames"] = ""
        return profile

    def get_customer(
        self, customer_id: str, token_customer: Customer | None, request: Request
    ) -> Reply:
        customer = BY_KEY.get(customer_id)
        if customer is None:
            if self.bug == "html_404":
                return Reply(404, HTML_404, {"content-type": "text/html; charset=utf-8"})
            return errors.not_found()
        customer = self._misdirected(customer, customer_id)
        no_account = not customer.accounts
        if no_account and (
            token_customer is customer
            or (token_customer is None and self.bug == "no_details_without_token")
        ):
            return self._no_details(customer)
        reply = errors.json_reply(customer.profile())
        if self.bug == "truncated_followup" and customer_id == customer.id:
            reply.body = reply.body[: len(reply.body) // 2]
        return reply

    def _misdirected(self, customer: Customer, customer_id: str) -> Customer:
        """The customer the buggy variants answer with instead of the one asked for."""
        index = CUSTOMERS.index(customer)
        neighbour = CUSTOMERS[(index + 1) % len(CUSTOMERS)]
        if self.bug == "other_profile_for_some_ids" and index % 3 == 1:
            return neighbour
        if self.bug == "unstable_get":
            self.calls[customer_id] += 1
            if self.calls[customer_id] % 2 == 0:
                return neighbour
        return customer

    def by_token(self, customer: Customer) -> Reply:
        if not customer.accounts:
            return self._no_details(customer)
        profile = customer.profile()
        if self.bug == "token_other_accounts":
            other = CUSTOMERS[(CUSTOMERS.index(customer) + 1) % len(CUSTOMERS)]
            profile["accounts"] = [{"accountNumber": a} for a in other.accounts]
        reply = errors.json_reply(profile)
        if self.bug == "no_details_for_accounts":
            reply.headers["nocustomerdetails"] = "True"
        return reply

    def _no_details(self, customer: Customer) -> Reply:
        """The token record's answer; ASP.NET writes a true bool header as `True`."""
        reply = errors.json_reply(customer.token_record())
        if self.bug != "no_details_missing":
            reply.headers["nocustomerdetails"] = "True"
        return reply

    def verify_email(self, body: Any) -> Reply:
        value = _field(body, "emailAddress")
        return errors.json_reply({"verified": email_exists(value)})

    def verify_phone(self, body: Any) -> Reply:
        value = _field(body, "phoneNumber")
        return errors.json_reply({"verified": mobile_exists(value)})

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await _send(send, errors.gateway(413, "Request entity too large"))
                return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        request = Request(scope["method"], scope["path"], headers, query, body)
        try:
            reply = self.handle(request)
        except Exception:  # the ASP.NET developer-exception-free default: a bare 500 problem
            reply = errors.problem(
                500,
                "An error occurred while processing your request.",
                "https://tools.ietf.org/html/rfc9110#section-15.6.1",
            )
        await _send(send, reply)


async def _send(send: Any, reply: Reply) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


def _filters(body: Any) -> dict[str, str]:
    """The given filters, as ASP.NET's model binding reads them: unknown members ignored, null
    and blank values absent, a non-string a validation error."""
    if not isinstance(body, dict):
        raise Refused(
            errors.validation({"$": ["The JSON value could not be converted to SearchRequest."]})
        )
    raw = body.get("filter")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise Refused(
            errors.validation(
                {"$.filter": ["The JSON value could not be converted to SearchFilter."]}
            )
        )
    filters: dict[str, str] = {}
    for name in FILTERS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise Refused(
                errors.validation(
                    {
                        f"$.filter.{name}": [
                            "The JSON value could not be converted to System.String."
                        ]
                    }
                )
            )
        if value.strip():
            filters[name] = value
    if "dateOfBirth" in filters and date_part(filters["dateOfBirth"]) is None:
        raise Refused(
            errors.validation(
                {
                    "$.filter.dateOfBirth": [
                        "The JSON value could not be converted to System.DateTime."
                    ]
                }
            )
        )
    if not filters:
        raise Refused(
            errors.problem(
                400,
                "At least one filter is required.",
                "newday:customer:error:filterRequired",
                supportedFilters=list(FILTERS),
            )
        )
    return filters


def _field(body: Any, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str):
        raise Refused(errors.validation({name: [f"The {name} field is required."]}))
    return value


def create_app(bug: str | None = None) -> OtherProvider:
    """The provider, correct or with one bug switched on (`BUGS` lists the names)."""
    return OtherProvider(bug)
