"""Where the admin's changes and the journal live: one interface, three backends.

The dataset is the immutable base every process opens for itself (state.py); what changes
while the mock runs (the admin's upserts, deletes and tokens, and the journal) lives behind
`SharedState`, so every process of one mock reads the same changes:

- `MemoryState`: one process (the default without `--workers`); nothing to share.
- `SqliteState` (overlay_sqlite.py): the `--workers` of one machine, one SQLite file in WAL
  mode that the parent creates fresh for the run.
- `RedisState` (overlay_redis.py): `--state redis://HOST:PORT/DB`, replicas on any machine.

The overlay is kept as each customer's latest state (`Change`: its bytes, or a tombstone),
stamped with the sequence number of the write that made it; `Version` counts writes and resets.
A process holds a copy of the overlay in memory (store.py) and asks `maybe_changed` before it
reads: in memory that is a comparison, in SQLite a read of the file's shared-memory counter
(no I/O), in Redis one GET. Only when something changed does it `pull` what did, so the rows
of the base never travel. Writes go through `write`, which hands the store every change it
has not seen yet (under the backend's lock, or an optimistic Redis transaction) so it decides
(replaced or new, the next ordinal, the caps) on the latest state, never on a stale copy.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

REDIS_SCHEMES = ("redis", "rediss")


@dataclass(frozen=True)
class Entry:
    at: float
    method: str
    path: str
    status: int
    duration_ms: float
    trace_id: str


class StateError(Exception):
    """The shared state cannot be opened (an unreachable Redis, an unusable file)."""


@dataclass(frozen=True, slots=True)
class Version:
    """How far the overlay has come: resets so far, writes so far (never goes back, resets
    included), and ordinals handed out past the base (where new customers go)."""

    epoch: int = 0
    seq: int = 0
    added: int = 0

    def text(self) -> str:
        return f"{self.epoch}:{self.seq}:{self.added}"

    @classmethod
    def parse(cls, text: str | bytes | None) -> Version:
        if not text:
            return cls()
        raw = text.decode() if isinstance(text, bytes) else text
        epoch, seq, added = raw.split(":")
        return cls(int(epoch), int(seq), int(added))


@dataclass(frozen=True, slots=True)
class Change:
    """One customer's latest state in the overlay: its profile's bytes, or None once deleted.
    `ordinal` is its place in search order (a replaced customer keeps the base's)."""

    id: str
    ordinal: int
    raw: bytes | None


@dataclass(frozen=True)
class Pulled:
    """What changed since a version: `full` when a reset came between (drop everything held
    first). Changes are per customer and per token, latest only, so applying them in any
    order gives the same overlay."""

    version: Version
    full: bool
    changes: list[Change] = field(default_factory=list)
    tokens: list[tuple[str, str]] = field(default_factory=list)  # (token, customer id)


@dataclass(frozen=True)
class Write:
    """What one admin call stores: its customers' new states, tokens, and the ordinals
    handed out past the base once it is in."""

    changes: list[Change]
    tokens: list[tuple[str, str]]
    added: int


Decide = Callable[[Pulled], Write | None]


class SharedState(ABC):
    """The overlay's and the journal's storage, shared by every process of one mock."""

    kind: str  # a few words for the banner
    buffered_journal: bool  # entries batched before they are stored (a write per request costs)

    @abstractmethod
    def maybe_changed(self, seen: Version) -> bool:
        """False only when nothing was written or reset since `seen`; cheap (every request)."""

    @abstractmethod
    def pull(self, seen: Version) -> Pulled:
        """Every change since `seen`, read as one consistent snapshot."""

    @abstractmethod
    def write(self, seen: Version, decide: Decide) -> Version | None:
        """Hand `decide` every change since `seen`, then store what it returns, atomically
        with respect to every other writer; the new version, or None when it wrote nothing.
        An exception from `decide` stores nothing and goes to the caller."""

    @abstractmethod
    def reset(self) -> Version:
        """Drop every change, token and journal entry, for every process."""

    @abstractmethod
    def journal_append(self, epoch: int, entries: list[Entry], keep: int) -> None:
        """Store entries recorded during `epoch` (dropped when a reset came since), keeping
        the newest `keep`."""

    @abstractmethod
    def journal_recent(self, limit: int) -> list[Entry]:
        """The newest `limit` entries, oldest first."""

    def close(self) -> None:  # noqa: B027 (optional for backends holding nothing)
        """Let go of connections."""


class MemoryState(SharedState):
    """One process's state: dicts and a deque. Several stores may share one (tests)."""

    kind = "in this process"
    buffered_journal = False

    def __init__(self) -> None:
        self.version = Version()
        self._rows: dict[str, tuple[int, Change]] = {}
        self._tokens: dict[str, tuple[int, str]] = {}
        self._journal: deque[Entry] = deque()

    def maybe_changed(self, seen: Version) -> bool:
        return seen != self.version

    def pull(self, seen: Version) -> Pulled:
        full = seen.epoch != self.version.epoch
        since = -1 if full else seen.seq
        if not full and since == self.version.seq:
            return Pulled(self.version, False)
        return Pulled(
            self.version,
            full,
            [change for seq, change in self._rows.values() if seq > since],
            [(token, owner) for token, (seq, owner) in self._tokens.items() if seq > since],
        )

    def write(self, seen: Version, decide: Decide) -> Version | None:
        decided = decide(self.pull(seen))
        if decided is None:
            return None
        seq = self.version.seq + 1
        for change in decided.changes:
            self._rows[change.id] = (seq, change)
        for token, owner in decided.tokens:
            self._tokens[token] = (seq, owner)
        self.version = Version(self.version.epoch, seq, decided.added)
        return self.version

    def reset(self) -> Version:
        self._rows.clear()
        self._tokens.clear()
        self._journal.clear()
        self.version = Version(self.version.epoch + 1, self.version.seq + 1, 0)
        return self.version

    def journal_append(self, epoch: int, entries: list[Entry], keep: int) -> None:
        if epoch != self.version.epoch:
            return
        self._journal.extend(entries)
        while len(self._journal) > keep:
            self._journal.popleft()

    def journal_recent(self, limit: int) -> list[Entry]:
        return list(self._journal)[-limit:]


def encode_entry(entry: Entry) -> bytes:
    return json.dumps(
        [entry.at, entry.method, entry.path, entry.status, entry.duration_ms, entry.trace_id],
        separators=(",", ":"),
    ).encode()


def decode_entry(raw: bytes) -> Entry:
    at, method, path, status, duration_ms, trace_id = json.loads(raw)
    return Entry(at, method, path, status, duration_ms, trace_id)


def describe(url: str | None) -> str:
    """The state's URL without a password, for the banner and errors."""
    if url is None:
        return "memory"
    if url.startswith("sqlite:"):
        return "sqlite"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


def namespace(manifest: Mapping[str, Any], customers: int) -> str:
    """What replicas sharing one Redis database share a state by: the dataset they serve
    (its manifest and size). Two mocks of other datasets on one database stay apart."""
    from mock_server.index_cache import digest

    return digest(json.dumps(manifest, sort_keys=True, default=str).encode(), b"%d" % customers)[
        :16
    ]
