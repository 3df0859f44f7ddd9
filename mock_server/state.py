"""What the running mock holds: the dataset it started from and the live store built on it."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
from dataclasses import dataclass, field

from ndt_contract import Contract
from ndt_fixtures import Dataset, default_dataset_dir, generate_dataset

from mock_server.dataset_check import checked_folder, checked_generated
from mock_server.journal import Journal
from mock_server.settings import Settings
from mock_server.store import CustomerStore


def load_dataset(settings: Settings, contract: Contract) -> Dataset:
    """The committed dataset by default; a folder when given; else generated from seed and
    count. Every one is checked as it is read (dataset_check): a bad one raises DatasetError."""
    if settings.dataset is not None:
        return checked_folder(settings.dataset, contract)
    if settings.uses_default_dataset:
        return checked_folder(default_dataset_dir(), contract)
    return checked_generated(generate_dataset(settings.seed, settings.customers), contract)


def search_cap(contract: Contract) -> int:
    """The contract's own cap on search results (SearchResponse.values.maxItems)."""
    values = contract.operation("SearchCustomers").response(200)["content"]["application/json"]
    return int(values["schema"]["properties"]["values"].get("maxItems", 50))


@dataclass
class MockState:
    contract: Contract
    dataset: Dataset
    store: CustomerStore
    journal: Journal
    _resetting: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def build(cls, contract: Contract, dataset: Dataset, journal_size: int = 500) -> MockState:
        store = CustomerStore(dataset.records(), search_cap=search_cap(contract))
        gc.freeze()  # the loaded store is permanent: the cyclic collector need not walk it
        return cls(contract, dataset, store, Journal(journal_size))

    def reset(self) -> None:
        """Back to the dataset as loaded: admin changes and the journal are dropped."""
        self.store = CustomerStore(self.dataset.records(), search_cap=self.store.search_cap)
        self.journal.clear()

    async def reset_async(self) -> None:
        """`reset` without blocking: the new store is built a slice at a time on the event
        loop, which keeps serving requests (from the old store) meanwhile; one reset at a time.
        The old store's memory is handed back to the system afterwards."""
        async with self._resetting:
            store = await CustomerStore.build_cooperatively(
                self.dataset.records(), search_cap=self.store.search_cap
            )
            self.store = store
            self.journal.clear()
        release_memory()


def release_memory() -> None:
    """Ask glibc to return the old store's freed pages (RSS otherwise stays high). The store
    has no reference cycles, so it was freed when replaced, without a collection pause."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: reused, not returned
        ctypes.CDLL("libc.so.6").malloc_trim(0)
