"""The personas a running mock can honestly offer: the ones its dataset holds.

A dataset's `manifest.json` may declare its personas (key, story, customer id, and the token
when the customer has one); the mock then offers exactly those. Without a declaration they are
derived: the built-in personas whose customer the dataset holds (every generated dataset and
the committed one hold all ten), with a token only where the dataset knows it. A hand-made
dataset without a declaration offers none, rather than advertising ids and tokens that would
answer 404 and 401.

Resolved once at start against the dataset as loaded (the base, not the admin's changes); the
banner, `/__admin/personas` and the controls document all read this one list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ndt_fixtures import PERSONAS, DatasetError, Persona

from mock_server.store import StoredCustomer


class Customers(Protocol):
    """What resolving personas reads of the dataset: a customer by id, a token's owner."""

    def get(self, customer_id: str) -> StoredCustomer | None: ...

    def token_owner(self, token: str) -> str | None: ...


@dataclass(frozen=True)
class DatasetPersona:
    key: str
    story: str
    customer_id: str
    token: str | None
    no_account: bool
    searches: tuple[dict[str, str], ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The persona as `/__admin/personas` lists it (the MockPersonas schema)."""
        return {
            "key": self.key,
            "story": self.story,
            "id": self.customer_id,
            "token": self.token,
            "noAccount": self.no_account,
            "searches": [dict(search) for search in self.searches],
        }


@dataclass(frozen=True)
class PersonaSet:
    """The personas and where they came from, for the banner to say."""

    personas: tuple[DatasetPersona, ...]
    source: str  # "declared in manifest.json" / "built-in, held by this dataset" / ...

    def summary(self) -> str:
        count = len(self.personas)
        if count == 0:
            return f"none ({self.source})"
        return f"{count} ({self.source})"


def name_searches(profile: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    """A search that finds this customer: its full name, when it has one."""
    names = {k: profile.get(k) for k in ("givenName", "familyName")}
    found = {k: v for k, v in names.items() if isinstance(v, str) and v}
    return (found,) if len(found) == len(names) else ()


def _persona(key: str, story: str, customer: StoredCustomer, token: str | None) -> DatasetPersona:
    profile = customer.profile()
    return DatasetPersona(
        key, story, customer.id, token, not customer.has_accounts, name_searches(profile)
    )


def declared(entries: Sequence[Mapping[str, Any]], customers: Customers) -> list[DatasetPersona]:
    """The manifest's personas, each checked against the dataset."""
    found = []
    for n, entry in enumerate(entries):
        customer = customers.get(entry["id"])
        if customer is None:
            raise DatasetError(f"manifest.json: personas[{n}]: no customer {entry['id']}")
        token = entry.get("token")
        if token is not None and customers.token_owner(token) != customer.id:
            raise DatasetError(f"manifest.json: personas[{n}]: token: not {customer.id}'s")
        found.append(_persona(entry["key"], entry["story"], customer, token))
    return found


def derived(builtin: Sequence[Persona], customers: Customers) -> list[DatasetPersona]:
    """The built-in personas whose customer this dataset holds, tokens only where it knows."""
    found = []
    for persona in builtin:
        customer = customers.get(persona.customer_id)
        if customer is None:
            continue
        token = persona.token
        if token is not None and customers.token_owner(token) != customer.id:
            token = None
        found.append(_persona(persona.key, persona.story, customer, token))
    return found


def dataset_personas(
    manifest: Mapping[str, Any], customers: Customers, builtin: Sequence[Persona] = PERSONAS
) -> PersonaSet:
    entries = manifest.get("personas")
    if entries is not None:
        return PersonaSet(tuple(declared(entries, customers)), "declared in manifest.json")
    found = tuple(derived(builtin, customers))
    if found:
        return PersonaSet(found, "the built-in personas this dataset holds")
    return PersonaSet((), "this dataset holds no built-in persona and declares none")
