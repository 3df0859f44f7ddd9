"""Routes outside the contract: health checks and `/__admin` (reset, upsert, journal, personas).

Kept out of the public spec so that conformance runs never see them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from ndt_fixtures import PERSONAS
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from starlette.types import Receive, Scope, Send

from mock_server.asgi import read_body, send_json, send_problem, send_response
from mock_server.problems import (
    ApiProblem,
    ProblemCatalogue,
    validation_problem,
)
from mock_server.state import MockState

ADMIN_PREFIX = "/__admin"
HEALTH_PATHS = ("/heartbeat", "/healthcheck")
SPEC_PATH = "/openapi.json"  # the contract itself, not connexion's working copy of it
OUTSIDE_CONTRACT = frozenset({*HEALTH_PATHS, SPEC_PATH, ADMIN_PREFIX})
MAX_ADMIN_BODY = 256 * 1024


def is_admin_path(path: str) -> bool:
    return path in OUTSIDE_CONTRACT or path.startswith(ADMIN_PREFIX + "/")


class AdminApp:
    def __init__(self, state: MockState, catalogue: ProblemCatalogue) -> None:
        self.state = state
        self.catalogue = catalogue
        document = state.contract.to_dict()
        mock = {"url": "/", "description": "This mock (ndt-customer mock)"}
        document["servers"] = [mock, *(s for s in document.get("servers", []) if s["url"] != "/")]
        self.spec_bytes = json.dumps(document).encode()
        self.profile_validator = OAS30Validator(
            state.contract.schema("CustomerProfile"), format_checker=oas30_format_checker
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._route(scope, receive, send)
        except ApiProblem as error:
            await send_problem(send, self.catalogue, error, scope)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"].rstrip("/") or "/"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        routes = {
            ("GET", "/heartbeat"): self._heartbeat,
            ("GET", "/healthcheck"): self._healthcheck,
            ("GET", SPEC_PATH): self._spec,
            ("POST", f"{ADMIN_PREFIX}/reset"): self._reset,
            ("GET", f"{ADMIN_PREFIX}/journal"): self._journal,
            ("GET", f"{ADMIN_PREFIX}/personas"): self._personas,
        }
        if (method, path) in routes:
            await routes[(method, path)](send, query)
            return
        prefix = f"{ADMIN_PREFIX}/customers/"
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            customer_id = path[len(prefix) :]
            if method == "PUT":
                await self._upsert(customer_id, query, await _read_json(receive), send)
                return
            if method == "GET":
                customer = self.state.store.get(customer_id)
                if customer is None:
                    raise ApiProblem(404, "No customer has this id.")
                await send_response(send, 200, customer.raw)
                return
            raise ApiProblem(405, f"{method} is not allowed here; use GET or PUT.")
        known = {p for _, p in routes} | {prefix + "{customerId}"}
        if any(path == p for p in known):
            raise ApiProblem(405, f"{method} is not allowed on {path}.")
        raise ApiProblem(404, f"No admin route {path}; routes: {', '.join(sorted(known))}.")

    async def _spec(self, send: Send, _query: dict) -> None:
        await send_response(send, 200, self.spec_bytes)

    async def _heartbeat(self, send: Send, _query: dict) -> None:
        await send_json(send, 200, {"status": "ok"})

    async def _healthcheck(self, send: Send, _query: dict) -> None:
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

    async def _reset(self, send: Send, _query: dict) -> None:
        self.state.reset()
        await send_json(send, 200, {"customers": len(self.state.store)})

    async def _journal(self, send: Send, query: dict) -> None:
        raw = (query.get("limit") or ["50"])[0]
        if not raw.isdigit() or not 1 <= int(raw) <= 500:
            raise validation_problem({"limit": ["a whole number from 1 to 500"]})
        await send_json(send, 200, {"entries": self.state.journal.recent(int(raw))})

    async def _personas(self, send: Send, _query: dict) -> None:
        await send_json(
            send,
            200,
            {
                "personas": [
                    {"key": p.key, "story": p.story, "id": p.customer_id, "token": p.token}
                    for p in PERSONAS
                ]
            },
        )

    async def _upsert(self, customer_id: str, query: dict, body: Any, send: Send) -> None:
        errors: dict[str, list[str]] = {}
        for error in self.profile_validator.iter_errors(body):
            key = ".".join(str(p) for p in error.absolute_path) or "body"
            errors.setdefault(key, []).append(error.message)
        if not errors and body.get("id") != customer_id:
            errors["id"] = [f"must equal the id in the path ({customer_id})"]
        if errors:
            raise validation_problem(
                errors, "The customer does not match the CustomerProfile schema."
            )
        token = (query.get("token") or [None])[0]
        replaced = self.state.store.upsert(body, token)
        await send_json(send, 200 if replaced else 201, {"id": customer_id, "replaced": replaced})


async def _read_json(receive: Receive) -> Any:
    raw = await read_body(receive, MAX_ADMIN_BODY)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise validation_problem({"body": [f"not a JSON document: {exc}"]}) from None
