"""A dataset's customers and normalised search keys, precomputed once into one SQLite file.

Why SQLite (stdlib, no new dependency): a start opens the file instead of rebuilding millions
of Python objects (the README has the start times, from bench/bench_scale.py), a lookup is a B-tree search
(O(log n)), and the data stays on disk and in the OS page cache, not in the process (a million
customers as Python bytes and dicts would not fit a small machine). The file is
written once and then only read, so any number of worker processes open it read-only.

Tables (`ordinal` is the customer's position in the dataset, the order search results keep):
    customers(ordinal, id, raw, has_accounts)   raw = the profile as compact JSON bytes
    keys(filter, key, ordinal)                  customer_keys() of every filter, and the full
                                                name (a B-tree on all three: a search reads it
                                                in ordinal order)
    tokens(token, id)                           access tokens of customers
    meta(name, value)                           what the file was built from (see index_cache)
Keys and tokens are sorted in once all rows are in (much faster than growing B-trees in
random order).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ndt_contract.matching import FILTERS, customer_keys
from ndt_fixtures import DatasetError, Record

INDEX_FORMAT = 3  # bump when the tables or what goes into them change
FILTER_NUMBER = {name: number for number, name in enumerate(FILTERS)}
FULL_NAME = len(FILTERS)  # the filter number of the composite key (givenName, familyName)
_BATCH = 2000  # rows per executemany: amortises the call, bounds the memory held


def encode(data: Any) -> bytes:
    """Compact JSON, the bytes an answer sends as they are."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def key_rows(ordinal: int, profile: Mapping[str, Any]) -> Iterator[tuple[int, str, int]]:
    """(filter number, normalised key, ordinal) for every key the customer is found under,
    and its full-name key (see `full_name_key`)."""
    for name in FILTERS:
        number = FILTER_NUMBER[name]
        for key in set(customer_keys(name, profile)):
            yield number, key, ordinal
    full_name = full_name_key(
        next(customer_keys("givenName", profile), None),
        next(customer_keys("familyName", profile), None),
    )
    if full_name is not None:
        yield FULL_NAME, full_name, ordinal


def full_name_key(given: str | None, family: str | None) -> str | None:
    """Given and family name keys together: the search a frontend makes most, and the one
    whose two keys are each common (a million customers hold thousands of Jameses and of
    Smiths, few James Smiths). Found under it means found under both (an AND of the two)."""
    if given is None or family is None:
        return None
    return f"{len(given)}:{given}{family}"  # length-prefixed: no two pairs give one key


def _create_tables(db: sqlite3.Connection) -> None:
    """Rows arrive in dataset order; keys and tokens are gathered in temporary tables first
    and copied over sorted at the end, so the kept tables are B-trees written in order, with
    no second copy of their rows (a plain table plus an index would hold every key twice)."""
    db.executescript(
        """
        CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE customers(
            ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, raw BLOB NOT NULL,
            has_accounts INTEGER NOT NULL);
        CREATE TABLE keys(
            filter INTEGER NOT NULL, key TEXT NOT NULL, ordinal INTEGER NOT NULL,
            PRIMARY KEY (filter, key, ordinal)) WITHOUT ROWID;
        CREATE TABLE tokens(token TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
        CREATE TEMP TABLE new_keys(filter INTEGER, key TEXT, ordinal INTEGER);
        CREATE TEMP TABLE new_tokens(token TEXT, id TEXT);
        """
    )


def _create_indexes(db: sqlite3.Connection) -> None:
    try:
        db.executescript(
            """
            CREATE UNIQUE INDEX customers_by_id ON customers(id);
            INSERT INTO keys SELECT filter, key, ordinal FROM new_keys ORDER BY 1, 2, 3;
            INSERT INTO tokens SELECT token, id FROM new_tokens ORDER BY 1;
            DROP TABLE new_keys;
            DROP TABLE new_tokens;
            """
        )
    except sqlite3.IntegrityError as exc:  # the checks upstream name the line; a last guard
        raise DatasetError(f"the dataset repeats a customer id or a token ({exc})") from None


def fill(
    db: sqlite3.Connection,
    records: Iterable[Record],
    meta: Mapping[str, str],
    *,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> int:
    """Write every record and its keys into an empty database; returns the customer count.

    The records arrive already checked (dataset_check); this only stores and indexes them.
    """
    _create_tables(db)
    customers: list[tuple[int, str, bytes, int]] = []
    keys: list[tuple[int, str, int]] = []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", customers)
        db.executemany("INSERT INTO new_keys VALUES (?, ?, ?)", keys)
        db.executemany("INSERT INTO new_tokens VALUES (?, ?)", tokens)
        customers.clear()
        keys.clear()
        tokens.clear()

    count = 0
    for ordinal, record in enumerate(records):
        profile = record.profile
        customers.append(
            (ordinal, profile["id"], encode(profile), int(bool(profile.get("accounts"))))
        )
        keys.extend(key_rows(ordinal, profile))
        if record.token:
            tokens.append((record.token, profile["id"]))
        count = ordinal + 1
        if count % _BATCH == 0:
            flush()
            if progress:
                progress(count)
    flush()
    if progress:
        progress(count)
    if note:
        note("building the search indexes")
    _create_indexes(db)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [*meta.items(), ("customers", str(count))])
    db.commit()
    return count


def fast_writes(db: sqlite3.Connection) -> None:
    """A file being built is not the live one until it is renamed into place: a crash leaves
    a temporary file to delete, never a half-written index, so the journal is not needed."""
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -65536")  # 64 MiB while sorting the indexes


def build_in_memory(records: Iterable[Record], meta: Mapping[str, str]) -> sqlite3.Connection:
    """The same tables in memory, for small datasets (no file, nothing left behind)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    fast_writes(db)
    fill(db, records, meta)
    return db


def build_file(
    path: Path,
    records: Iterable[Record],
    meta: Mapping[str, str],
    *,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> int:
    """Build the index into `path`, atomically: written beside it, renamed when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        fast_writes(db)
        count = fill(db, records, meta, progress=progress, note=note)
        db.close()
        partial.replace(path)
        return count
    finally:
        db.close()
        partial.unlink(missing_ok=True)


def _remove_abandoned(path: Path) -> None:
    """Partial files of builds whose process is gone (killed mid-build)."""
    for partial in path.parent.glob(f".{path.name}.*.partial"):
        pid = partial.name[len(path.name) + 2 : -len(".partial")]
        try:
            os.kill(int(pid), 0)
        except (ValueError, ProcessLookupError):
            partial.unlink(missing_ok=True)
        except PermissionError:  # alive, someone else's
            pass


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read (`immutable`: no locks, the file never changes; a
    rebuild replaces it by rename, and an open connection keeps the file it opened)."""
    db = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
    )
    db.execute("PRAGMA cache_size = -8192")  # 8 MiB of hot pages; the OS caches the rest
    return db


def read_meta(path: Path) -> dict[str, str] | None:
    """The file's meta table, or None when it is missing or not an index of ours."""
    if not path.is_file():
        return None
    try:
        db = open_read_only(path)
        try:
            return dict(db.execute("SELECT name, value FROM meta").fetchall())
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return None


def stored_records(db: sqlite3.Connection) -> Iterator[Record]:
    """The dataset back out of an index, in dataset order (for `Dataset.records`)."""
    token_of = dict(db.execute("SELECT id, token FROM tokens").fetchall())
    for customer_id, raw in db.execute("SELECT id, raw FROM customers ORDER BY ordinal"):
        yield Record(json.loads(raw), token_of.get(customer_id))
