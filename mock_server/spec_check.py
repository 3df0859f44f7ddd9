"""connexion's own OpenAPI check, skipped while the Swagger UI loads a contract already checked.

`ndt_contract.openapi_check` checks the contract against connexion's own OpenAPI 3.0 schema once
per start, with jsonschema_rs, before anything reads it. connexion validates the same document
again, with jsonschema, whenever it loads a spec: far slower, and it would say nothing new, so
the Swagger UI loads the contract inside `connexion_skips_its_check`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_HOOK = "_validate_spec"  # connexion's Specification classmethod that runs jsonschema


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
