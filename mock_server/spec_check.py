"""The contract is checked against OpenAPI 3.0 once per start, in milliseconds.

connexion validates a spec with jsonschema when it loads one: 1.2-2 s on our contract. The
same check, against connexion's own OpenAPI 3.0 schema, takes about 7 ms with jsonschema_rs,
and reads that schema from connexion's package files without importing connexion (a second of
start-up: swagger_ui.py). connexion's pass is then skipped when the Swagger UI loads the
contract. A spec that fails ours is a `ContractError` naming the place, which the CLI prints as
one line (exit 2), never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs
from ndt_contract import Contract, ContractError
from ndt_contract.bundle import escape

_HOOK = "_validate_spec"  # connexion's Specification classmethod that runs jsonschema
# Where connexion keeps the schema its OpenAPISpecification validates with (a test pins that
# the two are the same).
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


def openapi_errors(document: Mapping[str, Any], limit: int = 3) -> list[str]:
    """`place: message` for the first few ways `document` is not OpenAPI 3.0."""
    errors = []
    for error in _validator().iter_errors(dict(document)):
        place = "/" + "/".join(escape(part) for part in error.instance_path)
        errors.append(f"{place}: {error.message[:200]}")
        if len(errors) == limit:
            break
    return errors


def check_openapi(contract: Contract) -> None:
    """Raise ContractError when the contract is not valid OpenAPI 3.0."""
    errors = openapi_errors(contract.document)
    if errors:
        raise ContractError(f"{contract.source}: not valid OpenAPI 3.0: " + "; ".join(errors))


@contextlib.contextmanager
def connexion_skips_its_check() -> Iterator[None]:
    """Inside: connexion loads a spec without validating it again (`check_openapi` has)."""
    from connexion.spec import OpenAPISpecification

    saved = OpenAPISpecification.__dict__.get(_HOOK)  # None: inherited from Specification
    setattr(OpenAPISpecification, _HOOK, classmethod(lambda cls, spec: None))
    try:
        yield
    finally:
        if saved is not None:
            setattr(OpenAPISpecification, _HOOK, saved)
        else:
            delattr(OpenAPISpecification, _HOOK)
