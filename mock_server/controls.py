"""The "mock controls" document: what the mock adds to the contract, as an OpenAPI document of
its own, shown in Swagger UI *beside* the contract (a second entry of its definition list).

The contract at `/openapi.json` stays byte for byte the contract. This document is generated
from it when the mock starts, so it follows `spec/` without code changes: every contract
operation again (same parameters, bodies and responses, by `$ref` into a copy of the contract's
components), plus

- the `Prefer` header with the values the mock accepts for that operation (scenarios.py reads
  the same documented statuses and named examples);
- the persona tokens, where an operation takes a bearer token (only when the admin API hands
  them out without a token: the same audience, the same posture);
- the routes outside the contract: `/`, health, and the admin API with its bodies (the
  customer body is the contract's own profile schema, by reference) or a line saying it is off.

Pure: a function of the contract and the mock's settings; tested without a server.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ndt_contract import Contract, Operation

from mock_server.admin import SPEC_PATH
from mock_server.dataset_personas import DatasetPersona
from mock_server.offcontract import (
    ADMIN_TAG,
    MOCK_SCHEMAS,
    MOCK_TAG,
    PROFILE_OPERATION,
    AdminMode,
    ControlsError,
    admin_paths,
    mock_paths,
)
from mock_server.scenarios import MAX_DELAY_MS, examples_by_status


@dataclass(frozen=True)
class PersonaToken:
    key: str
    story: str
    customer_id: str
    token: str


def prefer_parameter(operation: Operation) -> dict[str, Any]:
    """The `Prefer` header of one operation: every documented status, every named example."""
    by_status = examples_by_status(operation)
    examples: dict[str, Any] = {}
    for status in by_status:
        summary = "the operation answers as usual" if status == 200 else f"answer {status}"
        examples[f"code={status}"] = {"summary": summary, "value": f"code={status}"}
    for status, names in by_status.items():
        for name in names:
            examples[f"example={name}"] = {
                "summary": f"answer {status} with the contract's example {name!r}",
                "value": f"example={name}",
            }
    examples["delay=800"] = {"summary": "answer after 0.8 seconds", "value": "delay=800"}
    worst = max(by_status) if by_status else 500
    examples[f"code={worst}, delay=800"] = {
        "summary": "combined: preferences are separated by commas",
        "value": f"code={worst}, delay=800",
    }
    return {
        "name": "Prefer",
        "in": "header",
        "required": False,
        "description": (
            "Mock only (Prism-compatible): `code=NNN` forces a status this operation documents "
            f"({', '.join(map(str, by_status))}); `example=NAME` answers one of the contract's "
            f"named examples; `delay=MS` (0 to {MAX_DELAY_MS}) waits first. A value the "
            "operation does not document is a 400 that lists what is available; preferences "
            "the mock does not know are ignored (RFC 7240). `Preference-Applied` names the "
            "ones honoured."
        ),
        "schema": {"type": "string"},
        "examples": examples,
    }


def _token_table(personas: Sequence[PersonaToken]) -> str:
    rows = "\n".join(f"| `{p.key}` | {p.story} | `{p.token}` |" for p in personas)
    return f"| persona | story | token |\n|---|---|---|\n{rows}"


def _bearer_schemes(document: Mapping[str, Any]) -> set[str]:
    schemes = document.get("components", {}).get("securitySchemes", {})
    return {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"
    }


def _takes_token(definition: Mapping[str, Any], bearer: set[str]) -> bool:
    return any(bearer & set(requirement) for requirement in definition.get("security") or [])


def build_controls(
    contract: Contract, personas: Sequence[PersonaToken], admin: AdminMode
) -> dict[str, Any]:
    """The controls document for one mock (its contract, its personas, its admin mode)."""
    bundle = contract.bundle
    components = copy.deepcopy(dict(bundle.get("components", {})))
    schemas = components.setdefault("schemas", {})
    taken = sorted(set(MOCK_SCHEMAS) & set(schemas))
    if taken:
        raise ControlsError(f"the contract already names schemas {', '.join(taken)}")
    schemas.update(copy.deepcopy(MOCK_SCHEMAS))
    shown = list(personas) if admin.shares_tokens else []
    bearer = _bearer_schemes(bundle)
    schemes = components.setdefault("securitySchemes", {})
    for name in bearer:
        schemes[name]["description"] = schemes[name].get("description", "") + _tokens_note(
            shown, admin
        )
    if admin.token_required:
        schemes["adminToken"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "The `--admin-token` value the mock was started with.",
        }

    paths: dict[str, Any] = {}
    for path, item in bundle.get("paths", {}).items():
        new_item = copy.deepcopy(dict(item))
        for method, definition in item.items():
            if not isinstance(definition, Mapping) or "responses" not in definition:
                continue
            operation = contract.operation(definition.get("operationId", ""))
            changed = new_item[method]
            changed["parameters"] = [prefer_parameter(operation), *changed.get("parameters", [])]
            if _takes_token(definition, bearer):
                changed["description"] = (
                    changed.get("description", "") + "\n\n" + _tokens_note(shown, admin).strip()
                )
        paths[path] = new_item
    paths.update(mock_paths())
    if admin.enabled:
        paths.update(admin_paths(bundle, contract.operation(PROFILE_OPERATION), admin))

    info = bundle.get("info", {})
    return {
        "openapi": bundle.get("openapi", "3.0.3"),
        "info": {
            "title": f"{info.get('title', 'API')} mock: controls",
            "version": str(info.get("version", "0")),
            "description": _description(admin),
        },
        "servers": [{"url": "/", "description": "This mock"}],
        "tags": [
            *copy.deepcopy(list(bundle.get("tags", []))),
            {"name": MOCK_TAG, "description": "Outside the contract, open to anyone."},
            *([{"name": ADMIN_TAG, "description": admin.summary()}] if admin.enabled else []),
        ],
        "paths": paths,
        "components": components,
    }


def _tokens_note(shown: Sequence[PersonaToken], admin: AdminMode) -> str:
    if shown:
        return "\n\n**Mock personas** (paste a token into Authorize):\n\n" + _token_table(shown)
    if admin.shares_tokens:
        where = "nowhere here: this mock's dataset offers no persona with a token"
    elif admin.enabled:
        where = "`GET /__admin/personas`, with the admin token"
    else:
        where = "the README (the admin API, which lists them, is off)"
    return f"\n\n**Mock personas**: their tokens are in {where}."


def _description(admin: AdminMode) -> str:
    return (
        "**Not the contract.** This document lists what the mock adds to it; the contract "
        f"itself is `{SPEC_PATH}` (the other entry of this page's definition list).\n\n"
        "- Every operation takes a `Prefer` header that forces an outcome "
        "(`code=404`, `example=NAME`, `delay=MS`).\n"
        "- Operations that take an access token list the persona tokens (when the admin API "
        "shares them).\n"
        f"- {admin.summary()}\n"
    )


def shown_tokens(personas: Sequence[DatasetPersona]) -> list[PersonaToken]:
    """The dataset's personas that have a token (the ones a bearer operation can use)."""
    return [PersonaToken(p.key, p.story, p.customer_id, p.token) for p in personas if p.token]
