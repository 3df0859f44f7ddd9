"""The mock's customers: the dataset as loaded (an immutable base) under the admin's changes
(a small, bounded overlay).

The base is the dataset's index (dataset_index): customers by id and token, and every search
filter's normalised keys, read with O(log n) lookups and never copied into the process. Admin
upserts and deletes are stored in the mock's shared state (overlay.SharedState: this process,
the workers' SQLite file, or Redis), and each process keeps a copy of them in memory, indexed
for search the same way. Before a read, the store asks the shared state whether anything
changed (cheap, at most once per turn of the event loop) and takes in only what did, so a change made through any
worker or replica is seen by the very next request everywhere, and reads of the base pay no
round trip beyond that check. Every read sees whole customers: a change is taken in between
two steps of the event loop, never halfway through a read. A reset drops the overlay: its cost
is the number of changes, not the size of the dataset.

Each customer has an ordinal, its place in the dataset; a search answers in ordinal order.
A replaced customer keeps its ordinal; a new (or deleted and re-added) one goes at the end.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract.matching import FILTER_KEYS, FILTERS, customer_keys
from ndt_fixtures import Record

from mock_server.dataset_index import (
    FILTER_NUMBER,
    FULL_NAME,
    build_in_memory,
    encode,
    full_name_key,
)
from mock_server.overlay import Change, MemoryState, Pulled, SharedState, Version, Write
from mock_server.problems import ApiProblem
from mock_server.settings import MAX_OVERLAY_BYTES, MAX_OVERLAY_CUSTOMERS

NO_DETAILS_FIELDS = ("id", "customerRef", "ssoId", "status")
HOT_PROFILES = 4096  # recent customers and searches kept in memory in front of the base
COUNT_CAP = 256  # counting a search key's customers stops here: enough to pick the rarest


@dataclass(frozen=True, slots=True)
class StoredCustomer:
    id: str
    raw: bytes  # the profile, compact JSON
    has_accounts: bool
    ordinal: int = 0

    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = json.loads(self.raw)
        return profile

    def no_details(self) -> bytes:
        """What a NoCustomerDetails answer holds; built when asked (rare), not at load."""
        profile = self.profile()
        partial = {key: profile[key] for key in NO_DETAILS_FIELDS if key in profile}
        partial["accounts"] = []
        return encode(partial)


def stored(profile: Mapping[str, Any], ordinal: int = 0) -> StoredCustomer:
    return StoredCustomer(profile["id"], encode(profile), bool(profile.get("accounts")), ordinal)


@dataclass(frozen=True, slots=True)
class TokenLookup:
    known: bool
    customer: StoredCustomer | None


class BaseCustomers:
    """The dataset as loaded, read from its index; never changes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()  # one connection; admin calls may come from threads
        # From the meta row the build wrote: count(*) would read a whole index at each start.
        self.count = int(
            db.execute("SELECT value FROM meta WHERE name = 'customers'").fetchone()[0]
        )
        # Oldest first (OrderedDict: dropping the oldest is O(1); a plain dict's first key
        # is found past every slot deleted before it).
        self._hot: OrderedDict[str, StoredCustomer | None] = OrderedDict()  # by id
        self._hot_rows: OrderedDict[int, StoredCustomer] = OrderedDict()  # by ordinal
        self._hot_searches: OrderedDict[tuple[Any, ...], list[StoredCustomer]] = OrderedDict()

    def _query(
        self, sql: str, parameters: tuple[Any, ...] | list[Any] = ()
    ) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def get(self, customer_id: str) -> StoredCustomer | None:
        hot = self._hot
        if customer_id in hot:
            return hot[customer_id]
        found = self._query(
            "SELECT id, raw, has_accounts, ordinal FROM customers WHERE id = ?", (customer_id,)
        )
        row = found[0] if found else None
        customer = StoredCustomer(row[0], row[1], bool(row[2]), row[3]) if row else None
        remembered: StoredCustomer | None = _remember(hot, customer_id, customer)
        return remembered

    def token_owner(self, token: str) -> str | None:
        found = self._query("SELECT id FROM tokens WHERE token = ?", (token,))
        return str(found[0][0]) if found else None

    def _rough_count(self, filter_number: int, key: str) -> int:
        return int(
            self._query(
                "SELECT count(*) FROM (SELECT 1 FROM keys WHERE filter = ? AND key = ? LIMIT ?)",
                (filter_number, key, COUNT_CAP),
            )[0][0]
        )

    def find(self, wanted: list[tuple[int, str]], limit: int) -> list[StoredCustomer]:
        """Customers having every (filter number, key), in dataset order, at most `limit`.
        The base never changes, so a recent search's answer is kept and reused (read-only)."""
        memo_key = (tuple(wanted), limit)
        found = self._hot_searches.get(memo_key)
        if found is None:
            ordinals = self._ordinals(wanted, limit)
            rows = self.rows(ordinals)
            found = _remember(self._hot_searches, memo_key, [rows[o] for o in ordinals])
        return found

    def _ordinals(self, wanted: list[tuple[int, str]], limit: int) -> list[int]:
        """The rarest key drives the query; the others are index probes on each candidate."""
        if not wanted:
            return []
        if len(wanted) > 1:
            counts = [self._rough_count(*pair) for pair in wanted]
            if min(counts) == 0:
                return []
            wanted = [pair for _, pair in sorted(zip(counts, wanted, strict=True))]
        sql = "SELECT k0.ordinal FROM keys k0 WHERE k0.filter = ? AND k0.key = ?"
        parameters: list[Any] = list(wanted[0])
        for n, pair in enumerate(wanted[1:], start=1):
            sql += (
                f" AND EXISTS (SELECT 1 FROM keys k{n} WHERE k{n}.filter = ? AND k{n}.key = ?"
                f" AND k{n}.ordinal = k0.ordinal)"
            )
            parameters.extend(pair)
        rows = self._query(sql + " ORDER BY k0.ordinal LIMIT ?", [*parameters, limit])
        return [row[0] for row in rows]

    def rows(self, ordinals: list[int]) -> dict[int, StoredCustomer]:
        """Customers by ordinal (the ones a search found), recent ones from memory."""
        hot = self._hot_rows
        found = {o: hot[o] for o in ordinals if o in hot}
        missing = [o for o in ordinals if o not in found]
        if missing:
            marks = ",".join("?" * len(missing))
            for row in self._query(
                f"SELECT id, raw, has_accounts, ordinal FROM customers WHERE ordinal IN ({marks})",
                missing,
            ):
                customer = StoredCustomer(row[0], row[1], bool(row[2]), row[3])
                found[customer.ordinal] = _remember(hot, customer.ordinal, customer)
        return found


def _ordinal(customer: StoredCustomer) -> int:
    return customer.ordinal


def _remember(hot: OrderedDict[Any, Any], key: Any, value: Any) -> Any:
    """Keep `value` among the most recent HOT_PROFILES entries of `hot`."""
    if len(hot) >= HOT_PROFILES:
        hot.popitem(last=False)  # the oldest entry
    hot[key] = value
    return value


@dataclass(frozen=True)
class Caps:
    """How much the overlay may hold: upserted customers, and bytes (profiles, ids of deleted
    customers, tokens). Every process holds a copy, so this bounds each one's memory."""

    customers: int = MAX_OVERLAY_CUSTOMERS
    bytes: int = MAX_OVERLAY_BYTES


class OverlayFull(ApiProblem):
    """A change the caps refuse: 507 when the overlay is full, 413 when one customer alone is
    bigger than the whole overlay may be."""


class CustomerStore:
    """The base with the admin's changes over it: what every operation reads."""

    def __init__(
        self,
        base: BaseCustomers,
        *,
        search_cap: int,
        shared: SharedState | None = None,
        caps: Caps | None = None,
    ) -> None:
        self.base = base
        self.search_cap = search_cap
        self.shared = shared if shared is not None else MemoryState()
        self.caps = caps or Caps()
        self._lock = threading.RLock()
        self._fresh = False  # checked for changes in this turn of the event loop
        self._clear()
        self._absorb(self.shared.pull(self._version))

    @classmethod
    def from_records(
        cls, records: Iterable[Record], *, search_cap: int, shared: SharedState | None = None
    ) -> CustomerStore:
        """A store over records indexed in memory (small datasets, tests)."""
        return cls(
            BaseCustomers(build_in_memory(records, {})), search_cap=search_cap, shared=shared
        )

    # The copy of the overlay -------------------------------------------------------------

    def _clear(self) -> None:
        self._version = Version()
        self._changed: dict[str, StoredCustomer] = {}  # upserted, by id
        self._by_ordinal: dict[int, StoredCustomer] = {}  # the same, by ordinal
        self._gone: set[str] = set()  # deleted ids: the base's copy is not consulted
        self._hidden: set[int] = set()  # base ordinals deleted or replaced
        self._index: dict[str, dict[str, set[int]]] = {name: {} for name in FILTERS}
        self._tokens: dict[str, str] = {}
        self._size = self.base.count
        self._bytes = 0

    def _absorb(self, pulled: Pulled) -> None:
        """Take in what the shared state says changed (whole customers, latest only)."""
        if pulled.full:
            self._clear()
        for change in pulled.changes:
            self._apply(change)
        for token, owner in pulled.tokens:
            self._set_token(token, owner)
        self._version = pulled.version

    def _apply(self, change: Change) -> None:
        customer_id = change.id
        was_visible = self._get(customer_id) is not None
        self._forget_change(customer_id)
        if customer_id in self._gone:
            self._gone.discard(customer_id)
            self._bytes -= len(customer_id)
        from_base = self.base.get(customer_id)
        if from_base is not None:
            self._hidden.add(from_base.ordinal)
        if change.raw is None:
            self._gone.add(customer_id)
            self._bytes += len(customer_id)
        else:
            profile = json.loads(change.raw)
            row = StoredCustomer(
                customer_id, change.raw, bool(profile.get("accounts")), change.ordinal
            )
            self._changed[customer_id] = row
            self._by_ordinal[change.ordinal] = row
            self._bytes += len(customer_id) + len(change.raw)
            for name in FILTERS:
                for key in set(customer_keys(name, profile)):
                    self._index[name].setdefault(key, set()).add(change.ordinal)
        self._size += int(change.raw is not None) - int(was_visible)

    def _set_token(self, token: str, owner: str) -> None:
        previous = self._tokens.get(token)
        self._bytes += len(owner) - (len(previous) if previous else -len(token))
        self._tokens[token] = owner

    def _forget_change(self, customer_id: str) -> None:
        """Take an upserted customer out of the overlay and its index."""
        row = self._changed.pop(customer_id, None)
        if row is None:
            return
        self._bytes -= len(customer_id) + len(row.raw)
        del self._by_ordinal[row.ordinal]
        profile = row.profile()
        for name in FILTERS:
            index = self._index[name]
            for key in set(customer_keys(name, profile)):
                ordinals = index.get(key)
                if ordinals is not None:
                    ordinals.discard(row.ordinal)
                    if not ordinals:
                        del index[key]

    def refresh(self) -> None:
        """Take in changes made by any process; one cheap check when there are none, and at
        most one per turn of the event loop. That is still fresh enough for every request in
        the turn: asyncio runs a request's handler at the earliest one turn after its bytes
        were read, so a check made in the same turn was made after the request arrived, and so
        after any change its client had already seen answered (the very next request sees
        it). The flag is cleared by a callback queued behind every handler scheduled so far."""
        if self._fresh:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside a server (tests, tools): check every time
            loop = None
        if loop is not None:
            self._fresh = True
            loop.call_soon(self._expire)
        if self.shared.maybe_changed(self._version):
            with self._lock:
                self._absorb(self.shared.pull(self._version))

    def _expire(self) -> None:
        self._fresh = False

    @property
    def epoch(self) -> int:
        """Resets this process has seen."""
        return self._version.epoch

    @property
    def overlay_customers(self) -> int:
        self.refresh()
        return len(self._changed)

    @property
    def overlay_bytes(self) -> int:
        self.refresh()
        return self._bytes

    # Reads -------------------------------------------------------------------------------

    def __len__(self) -> int:
        self.refresh()
        return self._size

    def get(self, customer_id: str) -> StoredCustomer | None:
        self.refresh()
        return self._get(customer_id)

    def _get(self, customer_id: str) -> StoredCustomer | None:
        changed = self._changed.get(customer_id)
        if changed is not None:
            return changed
        if customer_id in self._gone:
            return None
        return self.base.get(customer_id)

    def by_token(self, token: str) -> TokenLookup:
        self.refresh()
        customer_id = self._tokens.get(token) or self.base.token_owner(token)
        if customer_id is None:
            return TokenLookup(False, None)
        return TokenLookup(True, self._get(customer_id))

    def search(self, filters: Mapping[str, str]) -> list[StoredCustomer]:
        """Customers matching every filter (AND), in dataset order, at most `search_cap`."""
        self.refresh()
        wanted: list[tuple[str, str]] = []
        for name, value in filters.items():
            key = FILTER_KEYS[name](value)
            if key is None:
                return []
            wanted.append((name, key))
        if not wanted:
            return []
        hidden = self._hidden
        base_keys = [(FILTER_NUMBER[name], key) for name, key in wanted]
        names = dict(wanted)
        full_name = full_name_key(names.get("givenName"), names.get("familyName"))
        if full_name is not None:  # one rare key instead of two common ones
            base_keys = [
                pair
                for name, pair in zip(names, base_keys, strict=True)
                if name not in ("givenName", "familyName")
            ] + [(FULL_NAME, full_name)]
        # At most len(hidden) of the base's answers can be hidden: asking for that many more
        # still fills the page.
        found = self.base.find(base_keys, self.search_cap + len(hidden))
        if not hidden and not self._changed:  # no admin changes: the base's answer as it is
            return found
        from_base = [c for c in found if c.ordinal not in hidden]
        from_changes = [self._by_ordinal[o] for o in self._changed_ordinals(wanted)]
        return sorted(from_base + from_changes, key=_ordinal)[: self.search_cap]

    def _changed_ordinals(self, wanted: list[tuple[str, str]]) -> list[int]:
        found: set[int] | None = None
        for name, key in wanted:
            ordinals = self._index[name].get(key)
            if not ordinals:
                return []
            found = set(ordinals) if found is None else found & ordinals
        return list(found or ())

    # Changes -----------------------------------------------------------------------------

    def _write(self, decide: Callable[[], Write | None]) -> None:
        """Decide on the latest state (every process's changes taken in first), store the
        change in the shared state, then hold it here too."""

        def decide_on_latest(pulled: Pulled) -> Write | None:
            self._absorb(pulled)
            return decide()

        with self._lock:
            decided: list[Write] = []
            version = self.shared.write(
                self._version, lambda pulled: _kept(decided, decide_on_latest(pulled))
            )
            if version is None:
                return
            self._absorb(Pulled(version, False, decided[-1].changes, decided[-1].tokens))

    def delete(self, customer_id: str) -> bool:
        """Remove a customer; False when there was none. Its token stays known (a 401 now)."""
        found: list[bool] = []

        def decide() -> Write | None:
            current = self._get(customer_id)
            found[:] = [current is not None]
            if current is None:
                return None
            return Write([Change(customer_id, current.ordinal, None)], [], self._version.added)

        self._write(decide)
        return found[0]

    def upsert(self, profile: Mapping[str, Any], token: str | None = None) -> bool:
        """Add or replace a customer; True when it replaced one. OverlayFull past the caps."""
        customer_id = profile["id"]
        raw = encode(profile)
        replaced: list[bool] = []

        def decide() -> Write | None:
            current = self._get(customer_id)
            replaced[:] = [current is not None]
            self._check_caps(customer_id, raw, token)
            added = self._version.added
            if current is None:
                ordinal = self.base.count + added
                added += 1
            else:
                ordinal = current.ordinal
            tokens = [(token, customer_id)] if token else []
            return Write([Change(customer_id, ordinal, raw)], tokens, added)

        self._write(decide)
        return replaced[0]

    def _check_caps(self, customer_id: str, raw: bytes, token: str | None) -> None:
        caps = self.caps
        size = len(customer_id) + len(raw) + (len(token) + len(customer_id) if token else 0)
        if size > caps.bytes:
            raise OverlayFull(
                413,
                f"The customer is {size:,} bytes; the admin overlay holds at most "
                f"{caps.bytes:,} bytes in all (--overlay-max-bytes).",
            )
        current = self._changed.get(customer_id)
        freed = len(customer_id) + len(current.raw) if current is not None else 0
        if current is None and len(self._changed) >= caps.customers:
            raise OverlayFull(
                507,
                f"The admin overlay is full: {len(self._changed):,} customers, the most it "
                "holds (--overlay-max-customers). Delete some, or POST /__admin/reset.",
            )
        if self._bytes - freed + size > caps.bytes:
            raise OverlayFull(
                507,
                f"The admin overlay is full: {self._bytes:,} of {caps.bytes:,} bytes "
                "(--overlay-max-bytes). Delete some customers, or POST /__admin/reset.",
            )

    def reset(self) -> None:
        """Back to the base, for every process: O(changes), whatever the size of the dataset."""
        with self._lock:
            version = self.shared.reset()
            self._absorb(Pulled(version, True))


def _kept(box: list[Write], decided: Write | None) -> Write | None:
    if decided is not None:
        box.append(decided)
    return decided
