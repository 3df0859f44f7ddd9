"""Where a large dataset's index is kept, and when it can be reused instead of rebuilt.

A dataset of `CACHE_FROM` customers or more (`$NDT_CACHE_FROM` sets another threshold) is
indexed once into a file of the cache folder (`$NDT_CACHE_DIR`, else
`$XDG_CACHE_HOME/ndt-customer`, else `~/.cache/ndt-customer`: the XDG base directory
convention); later starts open that file. Smaller ones (the committed default among them) are
indexed in memory at each start, in under a second, leaving nothing behind.

A file is reused only when its meta table equals what this start would write (`wanted_meta`):
- the index format;
- the source: for a generated dataset its seed, count and a digest of the generator's code and
  Faker's version (the bytes depend on nothing else: generator.py); for a folder its resolved
  path and each file's size and modification time (decision: Python's own .pyc check, PEP 552's
  default, trusts the same pair; hashing a million-customer folder would cost seconds a start);
- a digest of the profile schema the customers were checked against, and of the search
  normalisation (ndt_contract.matching and the phonenumbers release it parses with).
Anything else rebuilds it, and a rebuild checks every customer again (dataset_check).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import ndt_contract.matching
import ndt_fixtures
from ndt_fixtures import Dataset, DatasetError, Record
from ndt_fixtures.progress import Progress

from mock_server.dataset_index import (
    INDEX_FORMAT,
    build_file,
    open_read_only,
    read_meta,
    stored_records,
)

CACHE_FROM = 20_000  # decision: below this an in-memory index takes a few seconds at most
CACHE_ENV = "NDT_CACHE_DIR"
CACHE_FROM_ENV = "NDT_CACHE_FROM"  # another threshold, in customers (0: cache every dataset)


class CacheNotWritable(DatasetError):
    """The cache folder refused the index file (permissions, a full disk)."""


@dataclass(frozen=True)
class IndexedDataset(Dataset):
    """A dataset whose checked index is a file: the store opens it instead of building one."""

    index: Path | None = None


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "ndt-customer"


def cache_from(environ: Mapping[str, str] = os.environ) -> int:
    """Customers from which a dataset's index is cached; a bad value keeps the default."""
    try:
        return max(0, int(environ.get(CACHE_FROM_ENV, CACHE_FROM)))
    except ValueError:
        return CACHE_FROM


def digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()[:32]


# The modules a generated customer's bytes come from (not the CLI, progress or file I/O).
GENERATOR_MODULES = ("generator", "numbering", "personas", "pools", "profile", "tokens")


def generator_digest() -> str:
    """The generator's code and the Faker release: together they fix a seed's bytes."""
    here = Path(ndt_fixtures.__file__).parent
    code = [(here / f"{name}.py").read_bytes() for name in GENERATOR_MODULES]
    return digest(*code, version("faker").encode())


def matching_digest() -> str:
    return digest(
        Path(ndt_contract.matching.__file__).read_bytes(), version("phonenumbers").encode()
    )


def schema_digest(schema: Mapping[str, Any]) -> str:
    return digest(json.dumps(schema, sort_keys=True, default=str).encode())


def folder_source(folder: Path) -> dict[str, Any]:
    """A folder's identity for the cache: where it is, and each file's size and mtime."""
    files = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".jsonl", ".json") and path.is_file():
            status = path.stat()
            files[path.name] = [status.st_size, status.st_mtime_ns]
    return {"kind": "folder", "path": str(folder.resolve()), "files": files}


def generated_source(seed: int, count: int) -> dict[str, Any]:
    return {"kind": "generated", "seed": seed, "count": count, "generator": generator_digest()}


def wanted_meta(source: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, str]:
    return {
        "format": str(INDEX_FORMAT),
        "source": json.dumps(source, sort_keys=True),
        "schema": schema_digest(schema),
        "matching": matching_digest(),
    }


def cache_file(source: Mapping[str, Any], directory: Path) -> Path:
    """One file per dataset: a rebuild replaces it, so stale indexes do not pile up."""
    if source["kind"] == "generated":
        return directory / f"generated-seed{source['seed']}-{source['count']}.sqlite"
    return directory / f"folder-{digest(source['path'].encode())[:16]}.sqlite"


def is_fresh(meta: Mapping[str, str] | None, wanted: Mapping[str, str]) -> bool:
    return meta is not None and all(meta.get(name) == value for name, value in wanted.items())


def _index_records(path: Path) -> Iterator[Record]:
    db = open_read_only(path)
    try:
        yield from stored_records(db)
    finally:
        db.close()


def indexed(
    checked: Dataset,
    source: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    label: str,
    total: int,
    directory: Path | None = None,
    quiet: bool = False,
) -> IndexedDataset:
    """The dataset's index file: the cached one when fresh, else built now from `checked`
    (whose records are checked as they stream), with progress lines on stderr."""
    path = cache_file(source, directory or cache_dir())
    wanted = wanted_meta(source, schema)
    if not is_fresh(read_meta(path), wanted):
        progress = None if quiet else Progress(total, label)
        if progress:
            progress.note(f"checking and indexing {total:,} customers into {path} (once)")
        try:
            build_file(
                path,
                checked.records(),
                wanted,
                progress=progress,
                note=progress.note if progress else None,
            )
        except (OSError, sqlite3.Error) as exc:  # SQLite's own errors are not OSErrors
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise CacheNotWritable(
                f"{path.parent}: cannot write the dataset's index there ({why}); "
                f"set {CACHE_ENV} to a writable folder"
            ) from None
        if progress:
            progress.finish("index ready")
    return IndexedDataset(lambda: _index_records(path), checked.manifest, index=path)
