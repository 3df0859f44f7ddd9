"""The mock's customers, indexed by id, token and every search filter.

A search intersects index lookups, smallest first; it never scans the dataset. Mutations (the
admin routes) keep every index in step.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract.matching import FILTER_KEYS, FILTERS, customer_keys

Profile = dict[str, Any]


@dataclass(frozen=True)
class TokenLookup:
    known: bool
    customer: Profile | None


class CustomerStore:
    def __init__(
        self, customers: Iterable[Profile], tokens: Mapping[str, str | None], *, search_cap: int
    ) -> None:
        self.search_cap = search_cap
        self._lock = threading.Lock()
        self._by_id: dict[str, Profile] = {}
        self._order: dict[str, int] = {}
        self._index: dict[str, defaultdict[str, set[str]]] = {f: defaultdict(set) for f in FILTERS}
        self._tokens = {token: cid for token, cid in tokens.items() if cid}
        for customer in customers:
            self._add(customer)

    def __len__(self) -> int:
        return len(self._by_id)

    def _add(self, customer: Profile) -> None:
        customer_id = customer["id"]
        self._order.setdefault(customer_id, len(self._order))
        self._by_id[customer_id] = customer
        for name in FILTERS:
            for key in customer_keys(name, customer):
                self._index[name][key].add(customer_id)

    def _remove(self, customer_id: str) -> None:
        old = self._by_id.pop(customer_id, None)
        if old is None:
            return
        for name in FILTERS:
            for key in customer_keys(name, old):
                ids = self._index[name].get(key)
                if ids is not None:
                    ids.discard(customer_id)
                    if not ids:
                        del self._index[name][key]

    def get(self, customer_id: str) -> Profile | None:
        return self._by_id.get(customer_id)

    def by_token(self, token: str) -> TokenLookup:
        customer_id = self._tokens.get(token)
        if customer_id is None:
            return TokenLookup(False, None)
        return TokenLookup(True, self._by_id.get(customer_id))

    def search(self, filters: Mapping[str, str]) -> list[Profile]:
        """Customers matching every filter, in dataset order, at most `search_cap`."""
        candidates: list[set[str]] = []
        for name, value in filters.items():
            key = FILTER_KEYS[name](value)
            ids = self._index[name].get(key) if key is not None else None
            if not ids:
                return []
            candidates.append(ids)
        if not candidates:
            return []
        candidates.sort(key=len)
        found = set(candidates[0]).intersection(*candidates[1:])
        ordered = sorted(found, key=self._order.__getitem__)[: self.search_cap]
        return [self._by_id[customer_id] for customer_id in ordered]

    def upsert(self, customer: Profile, token: str | None = None) -> bool:
        """Add or replace a customer; True when it replaced one."""
        with self._lock:
            existed = customer["id"] in self._by_id
            self._remove(customer["id"])
            self._add(customer)
            if token:
                self._tokens[token] = customer["id"]
            return existed
