"""The mock's routes outside the contract (`/`, health, the admin API), as OpenAPI paths for
the controls document (controls.py). They describe discovery.py and admin.py: a test calls each
one over HTTP and checks the answer against what is written here.

Problems and the customer body are the contract's own, by reference: the admin API stores what
`GetCustomer` answers, and its problems are rendered by the same catalogue.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ndt_contract import Operation

from mock_server.admin import ADMIN_PREFIX, HEALTH_PATHS, SPEC_PATH

CONTROLS_PATH = "/__mock/controls.json"
UI_PATH = "/ui/"
INDEX_PATH = "/"
ADMIN_TAG = "Mock admin (outside the contract)"
MOCK_TAG = "Mock: index, health and documents"
PROFILE_OPERATION = "GetCustomer"  # the admin API stores what this operation answers
JSON = "application/json"


class ControlsError(Exception):
    """The contract cannot carry the controls: a schema name they need is taken, or a `$ref`
    they follow leaves the bundled document."""


@dataclass(frozen=True)
class AdminMode:
    enabled: bool = True
    token_required: bool = False

    @property
    def shares_tokens(self) -> bool:
        """The persona tokens are shown where `/__admin/personas` shows them to anyone local."""
        return self.enabled and not self.token_required

    def summary(self) -> str:
        if not self.enabled:
            return "The admin API is off (`--no-admin`): its routes are not listed here."
        if self.token_required:
            return (
                "The admin API needs `Authorization: Bearer <the --admin-token value>` "
                "(the `adminToken` scheme of the Authorize button)."
            )
        return "The admin API is on, without a token (loopback only)."


def index_links(admin: AdminMode) -> dict[str, Any]:
    """What `GET /` lists for clients that are not browsers: relative links only."""
    links = {
        "ui": UI_PATH,
        "contract": SPEC_PATH,
        "controls": CONTROLS_PATH,
        "heartbeat": HEALTH_PATHS[0],
        "healthcheck": HEALTH_PATHS[1],
    }
    if admin.enabled:
        links["admin"] = f"{ADMIN_PREFIX}/personas"
    return {
        "service": "Customer API mock (ndt-customer mock)",
        "links": links,
        "admin": "off" if not admin.enabled else "token" if admin.token_required else "on",
    }


def follow(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """The node a local `$ref` chain ends at."""
    seen = 0
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or seen > 32:
            raise ControlsError(f"cannot follow {ref!r} in the bundled contract")
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def _schema(properties: dict[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}

MOCK_SCHEMAS: dict[str, dict[str, Any]] = {
    "MockIndex": _schema(
        {
            "service": STRING,
            "links": {"type": "object", "additionalProperties": STRING},
            "admin": {"type": "string", "enum": ["on", "token", "off"]},
        },
        ["service", "links", "admin"],
    ),
    "MockHeartbeat": _schema({"status": {"type": "string", "enum": ["ok"]}}, ["status"]),
    "MockHealthcheck": _schema(
        {
            "status": STRING,
            "customers": INTEGER,
            "dataset": _schema(
                {"seed": {"type": "integer", "nullable": True}, "count": {"type": "integer"}}
            ),
        },
        ["status", "customers", "dataset"],
    ),
    "MockResetResult": _schema({"customers": INTEGER}, ["customers"]),
    "MockJournal": _schema(
        {
            "entries": {
                "type": "array",
                "items": _schema(
                    {
                        "at": {"type": "number", "description": "Unix time"},
                        "method": STRING,
                        "path": STRING,
                        "status": INTEGER,
                        "duration_ms": {"type": "number"},
                        "trace_id": STRING,
                    },
                    ["at", "method", "path", "status", "duration_ms", "trace_id"],
                ),
            }
        },
        ["entries"],
    ),
    "MockPersonas": _schema(
        {
            "personas": {
                "type": "array",
                "items": _schema(
                    {
                        "key": STRING,
                        "story": STRING,
                        "id": STRING,
                        "token": {"type": "string", "nullable": True},
                        "noAccount": BOOLEAN,
                        "searches": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": STRING},
                        },
                    },
                    ["key", "story", "id", "token", "noAccount", "searches"],
                ),
            }
        },
        ["personas"],
    ),
    "MockUpsertResult": _schema({"id": STRING, "replaced": BOOLEAN}, ["id", "replaced"]),
    "MockDeleteResult": _schema(
        {"id": STRING, "deleted": {"type": "boolean", "enum": [True]}}, ["id", "deleted"]
    ),
}


def _json(description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": dict(schema)}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def mock_paths() -> dict[str, Any]:
    """`/`, health and the contract itself: open to anyone, whatever the admin mode."""
    return {
        INDEX_PATH: {
            "get": {
                "operationId": "MockIndex",
                "tags": [MOCK_TAG],
                "summary": "Where to go: a browser is redirected to Swagger UI",
                "description": (
                    "A request whose `Accept` names `text/html` is answered 302 to "
                    f"`{UI_PATH}` (a relative Location); any other gets the useful links."
                ),
                "responses": {
                    "200": _json("The useful links (relative).", _ref("MockIndex")),
                    "302": {"description": f"To Swagger UI (`Location: {UI_PATH}`)."},
                },
            }
        },
        HEALTH_PATHS[0]: {
            "get": {
                "operationId": "MockHeartbeat",
                "tags": [MOCK_TAG],
                "summary": "Liveness",
                "responses": {"200": _json("Alive.", _ref("MockHeartbeat"))},
            }
        },
        HEALTH_PATHS[1]: {
            "get": {
                "operationId": "MockHealthcheck",
                "tags": [MOCK_TAG],
                "summary": "Readiness, with the dataset's size and seed",
                "responses": {"200": _json("Ready.", _ref("MockHealthcheck"))},
            }
        },
        SPEC_PATH: {
            "get": {
                "operationId": "MockContract",
                "tags": [MOCK_TAG],
                "summary": "The contract, byte for byte (not this document)",
                "responses": {
                    "200": {
                        "description": "The bundled contract.",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def admin_paths(
    document: Mapping[str, Any], profile: Operation, admin: AdminMode
) -> dict[str, Any]:
    """The admin routes (admin.py). Problems and the customer body are the contract's own:
    the responses `GetCustomer` documents for the same statuses, by reference."""
    definition = document["paths"][profile.path][profile.method]
    responses = definition.get("responses", {})
    answered = follow(document, responses["200"])
    # The contract's own node: a `$ref` to its profile schema in the bundle, not a copy of it.
    customer = copy.deepcopy(dict(answered["content"][JSON]["schema"]))

    def problems(*statuses: int) -> dict[str, Any]:
        found = {str(s): copy.deepcopy(responses[str(s)]) for s in statuses if str(s) in responses}
        if admin.token_required and "401" in responses:
            found["401"] = copy.deepcopy(responses["401"])
        if "403" in responses:  # another origin's change, or a Host that is not this machine
            found["403"] = copy.deepcopy(responses["403"])
        return found

    security: list[dict[str, list[str]]] = [{"adminToken": []}] if admin.token_required else []

    def operation(
        operation_id: str, summary: str, ok: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        documented = {**ok, **problems(*extra.pop("problems", ()))}
        return {
            "operationId": operation_id,
            "tags": [ADMIN_TAG],
            "summary": summary,
            "security": security,
            **extra,
            "responses": documented,
        }

    customer_id = {
        "name": "customerId",
        "in": "path",
        "required": True,
        "schema": STRING,
        "example": "0003919999999999999",
    }
    customer_body = {
        "description": "The customer profile.",
        "content": {JSON: {"schema": customer}},
    }
    return {
        f"{ADMIN_PREFIX}/reset": {
            "post": operation(
                "MockAdminReset",
                "Back to the dataset as loaded (drops changes and the journal)",
                {"200": _json("The store is rebuilt.", _ref("MockResetResult"))},
            )
        },
        f"{ADMIN_PREFIX}/journal": {
            "get": operation(
                "MockAdminJournal",
                "Recent requests, newest first (no bodies, no header values)",
                {"200": _json("The recent requests.", _ref("MockJournal"))},
                parameters=[
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                    }
                ],
                problems=(400,),
            )
        },
        f"{ADMIN_PREFIX}/personas": {
            "get": operation(
                "MockAdminPersonas",
                "The personas, with their ids and tokens",
                {"200": _json("The personas.", _ref("MockPersonas"))},
            )
        },
        f"{ADMIN_PREFIX}/customers/template": {
            "get": operation(
                "MockAdminTemplate",
                "A valid customer to edit and PUT",
                {
                    "200": {
                        "description": "A customer profile.",
                        "content": {JSON: {"schema": customer}},
                    }
                },
            )
        },
        f"{ADMIN_PREFIX}/customers/{{customerId}}": {
            "parameters": [customer_id],
            "get": operation(
                "MockAdminGetCustomer",
                "One stored customer, as stored",
                {"200": customer_body},
                problems=(404,),
            ),
            "put": operation(
                "MockAdminPutCustomer",
                "Add or replace a customer (validated exactly as responses are)",
                {
                    "200": _json("Replaced.", _ref("MockUpsertResult")),
                    "201": _json("Added.", _ref("MockUpsertResult")),
                },
                parameters=[
                    {
                        "name": "token",
                        "in": "query",
                        "required": False,
                        "description": "An access token that now belongs to this customer.",
                        "schema": STRING,
                    }
                ],
                requestBody={
                    "required": True,
                    "description": "A whole customer profile whose `id` is the path's.",
                    "content": {JSON: {"schema": customer}},
                },
                problems=(400,),
            ),
            "delete": operation(
                "MockAdminDeleteCustomer",
                "Remove a customer (its token then answers 401)",
                {"200": _json("Removed.", _ref("MockDeleteResult"))},
                problems=(404,),
            ),
        },
    }
