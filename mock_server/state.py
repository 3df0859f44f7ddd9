"""What the running mock holds: the dataset it started from, the live store over it, and the
shared state (overlay.py) its changes and journal are kept in."""

from __future__ import annotations

import contextlib
import ctypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ndt_contract import Contract
from ndt_fixtures import PERSONAS, Dataset, default_dataset_dir, generate_dataset

from mock_server.dataset_check import checked_folder, checked_generated, profile_schema
from mock_server.dataset_index import build_in_memory, open_read_only
from mock_server.index_cache import (
    CacheNotWritable,
    IndexedDataset,
    cache_from,
    folder_source,
    generated_source,
    indexed,
)
from mock_server.journal import Journal
from mock_server.overlay import SharedState, namespace
from mock_server.settings import Settings
from mock_server.state_backend import open_state
from mock_server.store import BaseCustomers, Caps, CustomerStore

LABEL = "ndt-customer mock"
SIZE_FLAG = "--dataset-max-bytes"


def _folder_size(folder: Path, manifest: dict[str, Any]) -> int:
    """Customers in a folder, from its manifest; else estimated from the file (about 1 KB
    each), which is all the cache threshold needs."""
    count = manifest.get("customers")
    if isinstance(count, int) and count >= 0:
        return count
    return (folder / "customers.jsonl").stat().st_size // 1000


def load_dataset(settings: Settings, contract: Contract, *, quiet: bool = False) -> Dataset:
    """The committed dataset by default; a folder when given; else generated from seed and
    count. Every one is checked as it is read (dataset_check): a bad one raises DatasetError.
    From `cache_from()` customers on (20,000), and for any size under `--workers`, the checked
    dataset is indexed once into the cache and later starts open that file (index_cache): the
    workers then open the file their parent wrote instead of each building an index."""
    shared = settings.workers > 1
    if settings.dataset is not None or settings.uses_default_dataset:
        folder = settings.dataset if settings.dataset is not None else default_dataset_dir()
        checked = checked_folder(
            folder, contract, max_file_bytes=settings.max_dataset_bytes, limit_name=SIZE_FLAG
        )
        if settings.dataset is None and not shared:
            return checked  # the committed default: in memory, in well under a second
        total = _folder_size(folder, checked.manifest)
        source = folder_source(folder)
        label = f"{LABEL}: {settings.dataset or 'the committed dataset'}"
    else:
        checked = checked_generated(generate_dataset(settings.seed, settings.customers), contract)
        total = settings.customers + len(PERSONAS)
        source = generated_source(settings.seed, settings.customers)
        label = f"{LABEL}: seed {settings.seed}"
    small = total < cache_from()  # indexed in well under a second: no progress lines
    if small and not shared:
        return checked
    try:
        return indexed(
            checked,
            source,
            profile_schema(contract),
            label=label,
            total=total,
            quiet=quiet or small,
        )
    except CacheNotWritable:
        if not small:
            raise
        return checked  # each worker indexes its own copy in memory, as a single process does


def check_dataset(dataset: Dataset) -> int:
    """Read the whole dataset once, checking it (the parent, before forking workers); an
    indexed one was checked when its index was built. Returns how many customers it has."""
    if isinstance(dataset, IndexedDataset) and dataset.index is not None:
        return BaseCustomers(open_read_only(dataset.index)).count
    return sum(1 for _ in dataset.records())


def search_cap(contract: Contract) -> int:
    """The contract's own cap on search results (SearchResponse.values.maxItems)."""
    values = (contract.operation("SearchCustomers").response(200) or {})["content"][
        "application/json"
    ]
    return int(values["schema"]["properties"]["values"].get("maxItems", 50))


def open_base(dataset: Dataset) -> BaseCustomers:
    """The dataset's index: its file when it has one, else built in memory now."""
    if isinstance(dataset, IndexedDataset) and dataset.index is not None:
        return BaseCustomers(open_read_only(dataset.index))
    return BaseCustomers(build_in_memory(dataset.records(), {}))


@dataclass
class MockState:
    contract: Contract
    dataset: Dataset
    store: CustomerStore
    journal: Journal

    @classmethod
    def build(
        cls,
        contract: Contract,
        dataset: Dataset,
        journal_size: int = 500,
        *,
        state: str | None = None,
        caps: Caps | None = None,
    ) -> MockState:
        """`state` names where the changes live (overlay.open_state): None for this process
        alone. Raises overlay.StateError when it cannot be reached."""
        base = open_base(dataset)
        shared: SharedState = open_state(state, namespace(dataset.manifest, base.count))
        store = CustomerStore(base, search_cap=search_cap(contract), shared=shared, caps=caps)
        return cls(contract, dataset, store, Journal(journal_size, shared, lambda: store.epoch))

    def reset(self) -> None:
        """Back to the dataset as loaded, for every process sharing the state: admin changes
        and the journal are dropped. The dataset itself is never rebuilt (it is read-only)."""
        self.store.reset()
        self.journal.clear()

    async def reset_async(self) -> None:
        """`reset` for the admin route; the dropped changes' memory is handed back to the
        system afterwards."""
        self.reset()
        release_memory()


def release_memory() -> None:
    """Ask glibc to return freed pages (RSS otherwise stays high after large changes)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: reused, not returned
        ctypes.CDLL("libc.so.6").malloc_trim(0)
