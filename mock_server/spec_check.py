"""The contract is checked against OpenAPI 3.0 once per start, in milliseconds.

connexion validates a spec with jsonschema when an API is added: 1.2-2 s of a 3-4 s start on
our contract, paid at every start of the mock (and of each worker). The same check, against
connexion's own OpenAPI 3.0 schema, takes about 7 ms with jsonschema_rs; connexion's pass is
then skipped for that one `add_api` call. A spec that fails it is a `ContractError` naming the
place, which the CLI prints as one line (exit 2), never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema_rs
from ndt_contract import Contract, ContractError
from ndt_contract.bundle import escape

_HOOK = "_validate_spec"  # connexion's Specification classmethod that runs jsonschema


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    from connexion.spec import OpenAPISpecification

    return jsonschema_rs.Draft4Validator(OpenAPISpecification.openapi_schema)


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
def checked_here(contract: Contract) -> Iterator[None]:
    """Check the contract here, then let connexion add it without checking it again."""
    from connexion.spec import OpenAPISpecification

    check_openapi(contract)
    saved = OpenAPISpecification.__dict__.get(_HOOK)  # None: inherited from Specification
    setattr(OpenAPISpecification, _HOOK, classmethod(lambda cls, spec: None))
    try:
        yield
    finally:
        if saved is not None:
            setattr(OpenAPISpecification, _HOOK, saved)
        else:
            delattr(OpenAPISpecification, _HOOK)
