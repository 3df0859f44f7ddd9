"""The store built on the event loop a slice at a time is the store built in one go."""

import asyncio

from ndt_fixtures import default_dataset_dir, read_dataset
from support import AMELIA, OLIVER

from mock_server.store import CustomerStore


def test_cooperative_build_gives_the_same_store():
    records = list(read_dataset(default_dataset_dir()).records())
    direct = CustomerStore(records, search_cap=50)
    sliced = asyncio.run(CustomerStore.build_cooperatively(records, search_cap=50, slice_size=7))
    assert len(sliced) == len(direct) == len(records)
    for filters in ({"postcode": "N1C 4DA"}, {"givenName": "James", "familyName": "Smith"}):
        assert [c.id for c in sliced.search(filters)] == [c.id for c in direct.search(filters)]
    assert sliced.get(AMELIA.customer_id) == direct.get(AMELIA.customer_id)
    assert sliced.by_token(OLIVER.token).customer.id == OLIVER.customer_id


def test_delete_unindexes_and_keeps_the_token_known():
    store = CustomerStore(read_dataset(default_dataset_dir()).records(), search_cap=50)
    assert store.delete(AMELIA.customer_id) is True
    assert store.get(AMELIA.customer_id) is None
    assert AMELIA.customer_id not in [c.id for c in store.search({"postcode": "N1C 4DA"})]
    lookup = store.by_token(AMELIA.token)
    assert lookup.known and lookup.customer is None
    assert store.delete(AMELIA.customer_id) is False


def test_no_details_is_built_from_the_profile():
    store = CustomerStore(read_dataset(default_dataset_dir()).records(), search_cap=50)
    partial = store.get(OLIVER.customer_id).no_details()
    assert partial.startswith(b'{"id":"' + OLIVER.customer_id.encode())
    assert partial.endswith(b'"accounts":[]}')
