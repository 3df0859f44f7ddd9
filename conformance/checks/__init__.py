"""Our checks, in a registry of our own: `registered(context)` hands them to one run.

Importing this package registers nothing with schemathesis, so a team's own schemathesis tests
are never changed by installing ours.
"""

from conformance.checks import conventions, identity, search, verify  # noqa: F401  (fills REGISTRY)
from conformance.checks.base import (
    REGISTRY,
    Call,
    Identity,
    RunContext,
    Violation,
    registered,
)
from conformance.exchange import Exchange

__all__ = ["REGISTRY", "Call", "Exchange", "Identity", "RunContext", "Violation", "registered"]
