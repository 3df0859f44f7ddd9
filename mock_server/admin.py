"""Routes outside the contract: health checks, the spec, and `/__admin`.

Kept out of the public spec so that conformance runs never see them. The admin API reads
persona tokens and changes the data, so on a shared machine it is guarded:
no CORS (the conventions hand it over before CORS), state changes from another origin refused,
a Host that is not this machine refused (DNS rebinding), `--admin-token` when set, off with
`--no-admin`. Customers it accepts are validated exactly as responses are; bodies must say
they are `application/json` (415 otherwise); the overlay's caps answer 413 (one customer
bigger than the whole overlay may be) or 507 (full). Changes go to the shared state, so every
worker and replica sees them on its next request.
"""

from __future__ import annotations

import copy
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ndt_contract.hosts import is_loopback
from starlette.types import Receive, Scope, Send

from mock_server.asgi import header, read_body, send_json, send_problem, send_response
from mock_server.dataset_check import profile_schema
from mock_server.dataset_personas import DatasetPersona
from mock_server.problems import ApiProblem, ProblemCatalogue, as_api_problem, validation_problem
from mock_server.state import MockState
from mock_server.validation import document_errors, parse_json, require_media_type

ADMIN_PREFIX = "/__admin"
HEALTH_PATHS = ("/heartbeat", "/healthcheck")
SPEC_PATH = "/openapi.json"  # the contract itself, not connexion's working copy of it
PUBLIC_PATHS = frozenset({*HEALTH_PATHS, SPEC_PATH})
MAX_ADMIN_BODY = 256 * 1024
ADMIN_MEDIA_TYPES = frozenset({"application/json"})
TEMPLATE_ID = "0003919999999999999"  # decision: outside the generator's 0003911... id range
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class AdminPolicy:
    """Who may use the admin API: on or off, the token it needs, the host names it answers."""

    enabled: bool = True
    token: str | None = None
    extra_hosts: frozenset[str] = frozenset()  # the bound interface, when not a wildcard


def host_of(authority: str) -> str:
    """The host of a Host header or an origin's authority, without the port."""
    return (urlsplit(f"//{authority}").hostname or "").lower()


class AdminApp:
    def __init__(
        self,
        state: MockState,
        catalogue: ProblemCatalogue,
        policy: AdminPolicy | None = None,
        *,
        personas: Sequence[DatasetPersona] = (),
    ) -> None:
        self.state = state
        self.catalogue = catalogue
        self.policy = policy or AdminPolicy()
        self.personas = [p.as_json() for p in personas]  # what the dataset holds (app.py)
        # The bundle: one document whose $refs name components, so a frontend's type generator
        # produces named types (CustomerProfile, not forty anonymous copies). Its only server
        # is this mock: Swagger UI's "Try it out" must never reach the provider's hosts.
        document = copy.deepcopy(dict(state.contract.bundle))
        document["servers"] = [{"url": "/", "description": "This mock (ndt-customer mock)"}]
        self.spec_bytes = json.dumps(document).encode()
        self.profile_schema = profile_schema(state.contract)  # as responses are checked
        examples = state.contract.operation("GetCustomer").response_examples(200)
        self.template = dict(copy.deepcopy(next(iter(examples.values()))), id=TEMPLATE_ID)

    async def public(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Health and the spec: open to anyone, CORS included."""
        method, path = scope["method"], scope["path"]
        if method not in ("GET", "HEAD"):
            raise ApiProblem(405, f"{method} is not allowed on {path}.", headers={"Allow": "GET"})
        if path == SPEC_PATH:
            await send_response(send, 200, self.spec_bytes)
        elif path == "/heartbeat":
            await send_json(send, 200, {"status": "ok"})
        else:
            manifest = self.state.dataset.manifest
            await send_json(
                send,
                200,
                {
                    "status": "healthy",
                    "customers": len(self.state.store),
                    "dataset": {"seed": manifest.get("seed"), "count": manifest.get("count")},
                },
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self._admit(scope)
            await self._route(scope, receive, send)
        except Exception as exc:
            problem = as_api_problem(exc, scope.get("ndt.trace_id", ""))
            await send_problem(send, self.catalogue, problem, scope)

    def _admit(self, scope: Scope) -> None:
        policy = self.policy
        if not policy.enabled:
            raise ApiProblem(404, "The admin API is off (--no-admin).", title="Not Found")
        if policy.token is not None:
            sent = header(scope, "authorization") or ""
            scheme, _, token = sent.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), policy.token.encode()
            ):
                raise ApiProblem(
                    401, "The admin API needs Authorization: Bearer <the --admin-token value>."
                )
        host = host_of(header(scope, "host") or "")
        if policy.token is None and not (is_loopback(host) or host in policy.extra_hosts):
            raise ApiProblem(403, f"The admin API does not answer for host {host!r}.")
        origin = header(scope, "origin")
        if origin is not None and scope["method"] not in SAFE_METHODS:
            own = f"{scope.get('scheme', 'http')}://{header(scope, 'host') or ''}".lower()
            if origin.lower() != own:
                raise ApiProblem(403, "Admin changes from another origin are refused.")

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"].rstrip("/") or "/"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        routes = {
            ("POST", f"{ADMIN_PREFIX}/reset"): self._reset,
            ("GET", f"{ADMIN_PREFIX}/journal"): self._journal,
            ("GET", f"{ADMIN_PREFIX}/personas"): self._personas,
            ("GET", f"{ADMIN_PREFIX}/customers/template"): self._template,
        }
        if (method, path) in routes:
            if method == "POST":  # no body is needed; one sent must say it is JSON
                body = await read_body(receive, MAX_ADMIN_BODY)
                require_media_type(header(scope, "content-type"), ADMIN_MEDIA_TYPES, bool(body))
            await routes[(method, path)](send, query)
            return
        prefix = f"{ADMIN_PREFIX}/customers/"
        if (
            path.startswith(prefix)
            and "/" not in path[len(prefix) :]
            and path != prefix + "template"
        ):
            customer_id = path[len(prefix) :]
            if method == "PUT":
                # Checked before the body is read: JSON only, whatever the body (none included).
                require_media_type(header(scope, "content-type"), ADMIN_MEDIA_TYPES, True)
                body = parse_json(await read_body(receive, MAX_ADMIN_BODY))
                await self._upsert(customer_id, query, body, send)
                return
            if method == "GET":
                customer = self.state.store.get(customer_id)
                if customer is None:
                    raise ApiProblem(404, "No customer has this id.")
                await send_response(send, 200, customer.raw)
                return
            if method == "DELETE":
                if not self.state.store.delete(customer_id):
                    raise ApiProblem(404, "No customer has this id.")
                await send_json(send, 200, {"id": customer_id, "deleted": True})
                return
            raise ApiProblem(
                405, f"{method} is not allowed here.", headers={"Allow": "DELETE, GET, PUT"}
            )
        known = {p for _, p in routes} | {prefix + "{customerId}"}
        if path in known:
            raise ApiProblem(405, f"{method} is not allowed on {path}.")
        raise ApiProblem(404, f"No admin route {path}; routes: {', '.join(sorted(known))}.")

    async def _reset(self, send: Send, _query: dict[str, list[str]]) -> None:
        await self.state.reset_async()
        await send_json(send, 200, {"customers": len(self.state.store)})

    async def _journal(self, send: Send, query: dict[str, list[str]]) -> None:
        raw = (query.get("limit") or ["50"])[0]
        try:
            limit = int(raw, 10)  # not str.isdigit: "²" is a digit that int() refuses
        except ValueError:
            limit = 0
        if not 1 <= limit <= 500:
            raise validation_problem({"limit": ["a whole number from 1 to 500"]})
        await send_json(send, 200, {"entries": self.state.journal.recent(limit)})

    async def _personas(self, send: Send, _query: dict[str, list[str]]) -> None:
        await send_json(send, 200, {"personas": self.personas})

    async def _template(self, send: Send, _query: dict[str, list[str]]) -> None:
        await send_json(send, 200, self._free_template())

    def _free_template(self) -> dict[str, Any]:
        """The contract's example under TEMPLATE_ID, with a customerRef nobody holds (the
        example's own is usually a persona's): its characters reversed, which keeps any
        length or character-class pattern, and checked against the schema all the same."""
        template = self.template
        ref = template.get("customerRef")
        if isinstance(ref, str) and self._ref_holder(ref, TEMPLATE_ID) is not None:
            candidate = dict(template, customerRef=ref[::-1])
            free = self._ref_holder(ref[::-1], TEMPLATE_ID) is None
            if free and not document_errors(self.profile_schema, candidate):
                return candidate
        return template

    def _ref_holder(self, customer_ref: str, customer_id: str) -> str | None:
        """The id of another customer holding `customer_ref`, if any."""
        found = self.state.store.search({"customerRef": customer_ref})
        return next((c.id for c in found if c.id != customer_id), None)

    async def _upsert(
        self, customer_id: str, query: dict[str, list[str]], body: Any, send: Send
    ) -> None:
        if body is None:
            raise validation_problem({"body": ["a CustomerProfile JSON body is required"]})
        errors = document_errors(self.profile_schema, body)
        if not errors and body.get("id") != customer_id:
            errors["id"] = [f"must equal the id in the path ({customer_id})"]
        if not errors:
            holder = self._ref_holder(body["customerRef"], customer_id)
            if holder is not None:  # unique, as the dataset check demands of every dataset
                errors["customerRef"] = [f"already held by customer {holder}: choose another"]
        if errors:
            raise validation_problem(
                errors, "The customer does not match the CustomerProfile schema."
            )
        token = query["token"][0] if query.get("token") else None
        replaced = self.state.store.upsert(body, token)
        await send_json(send, 200 if replaced else 201, {"id": customer_id, "replaced": replaced})
