"""The mock's customers, indexed by id, token and every search filter.

Profiles are kept as their compact JSON bytes: answers need no serialising, and 100,000
customers fit in a fraction of the memory dicts would take. Indexes map a normalised key to
the ordinals of matching customers; a search intersects them, smallest first, and never scans.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract.matching import FILTER_KEYS, FILTERS, customer_keys
from ndt_fixtures import Record

NO_DETAILS_FIELDS = ("id", "customerRef", "ssoId", "status")


@dataclass(frozen=True, slots=True)
class StoredCustomer:
    id: str
    raw: bytes  # the profile, compact JSON
    has_accounts: bool

    def profile(self) -> dict[str, Any]:
        return json.loads(self.raw)

    def no_details(self) -> bytes:
        """What a NoCustomerDetails answer holds; built when asked (rare), not at load."""
        profile = self.profile()
        partial = {key: profile[key] for key in NO_DETAILS_FIELDS if key in profile}
        partial["accounts"] = []
        return _encode(partial)


def _encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def stored(profile: Mapping[str, Any]) -> StoredCustomer:
    return StoredCustomer(profile["id"], _encode(profile), bool(profile.get("accounts")))


@dataclass(frozen=True, slots=True)
class TokenLookup:
    known: bool
    customer: StoredCustomer | None


class CustomerStore:
    def __init__(self, records: Iterable[Record], *, search_cap: int) -> None:
        self.search_cap = search_cap
        self._lock = threading.Lock()
        self._rows: list[StoredCustomer | None] = []
        self._ordinal: dict[str, int] = {}
        self._index: dict[str, dict[str, list[int]]] = {name: {} for name in FILTERS}
        self._tokens: dict[str, str] = {}
        for record in records:
            self._add_record(record)

    @classmethod
    async def build_cooperatively(
        cls, records: Iterable[Record], *, search_cap: int, slice_size: int = 4
    ) -> CustomerStore:
        """The same store, built on the event loop a slice of records at a time.

        A thread would hold the GIL for most of the build, and every request's socket call
        would wait for it (bench_scale measured a p99 over a second during a reset at 100,000):
        short slices bound the pause any request sees instead.
        """
        store = cls((), search_cap=search_cap)
        for count, record in enumerate(records, start=1):
            store._add_record(record)
            if count % slice_size == 0:
                # The store holds millions of containers: frozen, the cyclic collector never
                # walks them (a full collection over them paused the loop about a second).
                # It has no cycles, so reference counting still frees a replaced store.
                gc.freeze()
                await asyncio.sleep(0)
        gc.freeze()
        return store

    def _add_record(self, record: Record) -> None:
        self._add(record.profile)
        if record.token:
            self._tokens[record.token] = record.profile["id"]

    def __len__(self) -> int:
        return len(self._ordinal)

    def _add(self, profile: Mapping[str, Any]) -> None:
        ordinal = self._ordinal.get(profile["id"])
        if ordinal is None:
            ordinal = len(self._rows)
            self._rows.append(None)
            self._ordinal[profile["id"]] = ordinal
        self._rows[ordinal] = stored(profile)
        for name in FILTERS:
            index = self._index[name]
            for key in set(customer_keys(name, profile)):
                index.setdefault(key, []).append(ordinal)

    def _unindex(self, ordinal: int) -> None:
        row = self._rows[ordinal]
        if row is None:
            return
        profile = row.profile()
        for name in FILTERS:
            index = self._index[name]
            for key in set(customer_keys(name, profile)):
                ordinals = index.get(key, [])
                if ordinal in ordinals:
                    ordinals.remove(ordinal)
                if not ordinals:
                    index.pop(key, None)

    def get(self, customer_id: str) -> StoredCustomer | None:
        ordinal = self._ordinal.get(customer_id)
        return None if ordinal is None else self._rows[ordinal]

    def by_token(self, token: str) -> TokenLookup:
        customer_id = self._tokens.get(token)
        if customer_id is None:
            return TokenLookup(False, None)
        return TokenLookup(True, self.get(customer_id))

    def search(self, filters: Mapping[str, str]) -> list[StoredCustomer]:
        """Customers matching every filter, in dataset order, at most `search_cap`."""
        candidates: list[list[int]] = []
        for name, value in filters.items():
            key = FILTER_KEYS[name](value)
            ordinals = self._index[name].get(key) if key is not None else None
            if not ordinals:
                return []
            candidates.append(ordinals)
        if not candidates:
            return []
        candidates.sort(key=len)
        found = (
            set(candidates[0]).intersection(*candidates[1:])
            if len(candidates) > 1
            else candidates[0]
        )
        rows = self._rows
        return [rows[o] for o in sorted(found)[: self.search_cap]]  # type: ignore[misc]

    def delete(self, customer_id: str) -> bool:
        """Remove a customer; False when there was none. Its token stays known (a 401 now)."""
        with self._lock:
            ordinal = self._ordinal.pop(customer_id, None)
            if ordinal is None:
                return False
            self._unindex(ordinal)
            self._rows[ordinal] = None
            return True

    def upsert(self, profile: Mapping[str, Any], token: str | None = None) -> bool:
        """Add or replace a customer; True when it replaced one."""
        with self._lock:
            ordinal = self._ordinal.get(profile["id"])
            if ordinal is not None:
                self._unindex(ordinal)
            self._add(profile)
            if token:
                self._tokens[token] = profile["id"]
            return ordinal is not None
