"""The one OpenAPI 3.0 check: the contract against the OpenAPI 3.0 JSON Schema, with jsonschema_rs.

The mock runs it once per start, before anything reads the document (a wrong shape is then one
line naming the place, never a crash in a reader further on), and lint reports each error it
finds. The schema is connexion's own, read from its package folder without importing connexion
(importing it is most of the mock's start): the mock skips connexion's slower check of the
same schema when its Swagger UI loads the contract, so the two must be one schema, which a test
pins.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs

from ndt_contract.bundle import escape
from ndt_contract.loader import Contract, ContractError

# Where connexion keeps the schema its OpenAPISpecification validates with.
_SCHEMA = Path("resources", "schemas", "v3.0", "schema.json")


def openapi_schema() -> dict[str, Any]:
    """connexion's OpenAPI 3.0 schema, read from its package folder (the package is not run)."""
    found = importlib.util.find_spec("connexion")
    if found is None or not found.submodule_search_locations:
        raise ContractError("connexion is not installed: the OpenAPI 3.0 schema is missing")
    folder = Path(next(iter(found.submodule_search_locations)))
    loaded: dict[str, Any] = json.loads((folder / _SCHEMA).read_text(encoding="utf-8"))
    return loaded


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    return jsonschema_rs.Draft4Validator(openapi_schema())


def iter_errors(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(JSON pointer, message) for each way `document` is not OpenAPI 3.0, lazily."""
    for error in _validator().iter_errors(dict(document)):
        yield "/" + "/".join(escape(part) for part in error.instance_path), error.message


def openapi_errors(document: Mapping[str, Any], limit: int = 3) -> list[str]:
    """`place: message` for the first few ways `document` is not OpenAPI 3.0."""
    errors = []
    for place, message in iter_errors(document):
        errors.append(f"{place}: {message[:200]}")
        if len(errors) == limit:
            break
    return errors


def check_openapi(contract: Contract) -> None:
    """Raise ContractError when the contract is not valid OpenAPI 3.0."""
    errors = openapi_errors(contract.document)
    if errors:
        raise ContractError(f"{contract.source}: not valid OpenAPI 3.0: " + "; ".join(errors))
