"""What the running mock holds: the dataset it started from and the live store built on it."""

from __future__ import annotations

from dataclasses import dataclass

from ndt_contract import Contract
from ndt_fixtures import Dataset, default_dataset_dir, generate_dataset, read_dataset

from mock_server.journal import Journal
from mock_server.settings import Settings
from mock_server.store import CustomerStore


def load_dataset(settings: Settings) -> Dataset:
    """The committed dataset by default; a file when given; else generated from seed and count."""
    if settings.dataset is not None:
        return read_dataset(settings.dataset)
    if settings.uses_default_dataset:
        return read_dataset(default_dataset_dir())
    return generate_dataset(settings.seed, settings.customers)


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

    @classmethod
    def build(cls, contract: Contract, dataset: Dataset, journal_size: int = 500) -> MockState:
        store = CustomerStore(dataset.records(), search_cap=search_cap(contract))
        return cls(contract, dataset, store, Journal(journal_size))

    def reset(self) -> None:
        """Back to the dataset as loaded: admin changes and the journal are dropped."""
        self.store = CustomerStore(self.dataset.records(), search_cap=self.store.search_cap)
        self.journal.clear()
