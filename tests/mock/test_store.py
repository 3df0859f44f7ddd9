"""The store: an indexed base under an overlay of admin changes, judged against a plain model,
on each backend of the shared state (memory, SQLite, a real redis-server).

The model is the obvious reading of the rules: customers in dataset order, a replaced one keeps
its place, a new (or deleted and re-added) one goes at the end, a search is every customer
that `ndt_contract.matching.matches`, in that order, capped.
"""

from __future__ import annotations

import copy
import itertools
import random

import pytest
from ndt_contract.matching import matches
from ndt_fixtures import default_dataset_dir, read_dataset
from redis_support import redis_server
from support import AMELIA, OLIVER

from mock_server import store as store_module
from mock_server.overlay import MemoryState
from mock_server.overlay_sqlite import create
from mock_server.state_backend import open_state
from mock_server.store import CustomerStore

pytestmark = pytest.mark.live  # starts servers or processes on loopback

SPACES = itertools.count()

CAP = 50


@pytest.fixture(scope="module")
def records():
    return list(read_dataset(default_dataset_dir()).records())


@pytest.fixture(scope="module")
def base(records):
    """Built once: the base never changes, every change lives in a store's overlay."""
    return CustomerStore.from_records(records, search_cap=CAP).base


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


BACKENDS = ["memory", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def shared(request, tmp_path):
    """Each backend of the one interface, fresh for each test."""
    if request.param == "memory":
        state = MemoryState()
    elif request.param == "sqlite":
        state = open_state(create(tmp_path / "state.sqlite"), "unused")
    else:
        state = open_state(request.getfixturevalue("redis_url"), f"t{next(SPACES)}")
    yield state
    state.close()


@pytest.fixture
def store(base, shared):
    return CustomerStore(base, search_cap=CAP, shared=shared)


class Model:
    def __init__(self, records):
        self.customers = {r.profile["id"]: r.profile for r in records}

    def upsert(self, profile):
        replaced = profile["id"] in self.customers
        self.customers[profile["id"]] = profile  # a dict keeps a replaced key's place
        return replaced

    def delete(self, customer_id):
        return self.customers.pop(customer_id, None) is not None

    def search(self, filters, cap=CAP):
        return [i for i, p in self.customers.items() if matches(filters, p)][:cap]


def filters_of(profile):
    """A few searches that find `profile`: one filter, two filters, a normalised form."""
    postcode = profile["addresses"][0]["components"]["postcode"]
    found = [
        {"familyName": profile["familyName"].upper()},
        {"givenName": profile["givenName"], "familyName": profile["familyName"]},
        {"postcode": postcode.lower().replace(" ", "")},
        {
            "givenName": profile["givenName"],
            "familyName": profile["familyName"],
            "postcode": postcode,
        },
        {"dateOfBirth": profile["dateOfBirth"][:10], "familyName": profile["familyName"]},
        {"customerId": profile["id"]},
    ]
    phones = profile["contact"]["phoneNumbers"]
    if phones:
        found.append({"phoneNumber": phones[0]["value"]})
    return found


def ids(customers):
    return [c.id for c in customers]


def test_searches_of_the_base_match_the_model(store, records):
    model = Model(records)
    for record in records[::97]:
        for filters in filters_of(record.profile):
            assert ids(store.search(filters)) == model.search(filters), filters


@pytest.mark.parametrize(
    "filters",
    [{}, {"phoneNumber": "not a number"}, {"familyName": "Nobody-By-This-Name"}],
)
def test_searches_that_find_nobody(store, filters):
    assert store.search(filters) == []


def test_a_rare_key_beside_a_common_one_still_finds_in_order(store, records):
    """The rarest key drives the base query: a key shared by many and one shared by few."""
    model = Model(records)
    filters = {"familyName": "Smith", "postcode": "N1C 4DA"}
    assert ids(store.search(filters)) == model.search(filters)
    assert AMELIA.customer_id not in ids(store.search(filters))


def test_replacing_keeps_the_place_and_reindexes(store, records):
    model = Model(records)
    changed = copy.deepcopy(AMELIA.profile) | {"familyName": "Zebedee"}
    assert store.upsert(changed) is model.upsert(changed) is True
    assert store.get(AMELIA.customer_id).profile()["familyName"] == "Zebedee"
    assert AMELIA.customer_id not in ids(store.search({"familyName": "Hartley"}))
    assert ids(store.search({"familyName": "zebedee"})) == [AMELIA.customer_id]
    # Found by a key the replacement kept, still in its first place.
    assert ids(store.search({"postcode": "N1C 4DA"})) == model.search({"postcode": "N1C 4DA"})
    assert len(store) == len(records)


def test_a_new_customer_goes_last_and_counts(store, records):
    new = copy.deepcopy(AMELIA.profile) | {"id": "0003919000000000001", "customerRef": "NewOne0001"}
    assert store.upsert(new, token="t-new") is False
    assert len(store) == len(records) + 1
    found = ids(store.search({"postcode": "N1C 4DA"}))
    assert found[-1] == new["id"] and found[0] == AMELIA.customer_id
    assert store.by_token("t-new").customer.id == new["id"]


def test_replacing_a_new_customer_again_and_deleting_it(store, records):
    new = copy.deepcopy(OLIVER.profile) | {"id": "0003919000000000002", "customerRef": "NewOne0002"}
    store.upsert(new)
    assert store.upsert(new | {"givenName": "Olly"}) is True
    assert ids(store.search({"givenName": "Olly"})) == [new["id"]]
    assert store.delete(new["id"]) is True
    assert store.get(new["id"]) is None and store.search({"givenName": "Olly"}) == []
    assert store.delete(new["id"]) is False
    assert len(store) == len(records)


def test_delete_hides_the_base_copy_and_keeps_the_token_known(store, records):
    assert store.delete(AMELIA.customer_id) is True
    assert store.get(AMELIA.customer_id) is None
    assert AMELIA.customer_id not in ids(store.search({"postcode": "N1C 4DA"}))
    lookup = store.by_token(AMELIA.token)
    assert lookup.known and lookup.customer is None
    assert store.delete(AMELIA.customer_id) is False
    assert len(store) == len(records) - 1


def test_deleted_then_added_again_goes_last(store, records):
    store.delete(AMELIA.customer_id)
    assert store.upsert(AMELIA.profile) is False
    found = ids(store.search({"postcode": "N1C 4DA"}))
    assert found[-1] == AMELIA.customer_id
    assert store.by_token(AMELIA.token).customer.id == AMELIA.customer_id


def test_hidden_base_customers_never_shorten_a_full_page(base, records, shared):
    """With a cap of 3 and the first matches deleted, the page is filled from further on."""
    store = CustomerStore(base, search_cap=3, shared=shared)
    model = Model(records)
    filters = {"familyName": "Smith"}
    for customer_id in model.search(filters, cap=5)[:4]:
        store.delete(customer_id)
        model.delete(customer_id)
    assert ids(store.search(filters)) == model.search(filters, cap=3)
    assert len(ids(store.search(filters))) == 3


def test_a_token_given_on_upsert_overrides_the_datasets(store):
    changed = copy.deepcopy(OLIVER.profile)
    store.upsert(changed, token=AMELIA.token)
    assert store.by_token(AMELIA.token).customer.id == OLIVER.customer_id
    assert store.by_token("never-issued") == store_module.TokenLookup(False, None)


def test_reset_drops_every_change(store, records):
    store.delete(AMELIA.customer_id)
    store.upsert(copy.deepcopy(OLIVER.profile) | {"givenName": "Changed"})
    store.upsert(copy.deepcopy(OLIVER.profile) | {"id": "0003919000000000003"}, token="t-3")
    store.reset()
    assert len(store) == len(records)
    assert store.get(AMELIA.customer_id).profile() == AMELIA.profile
    assert store.get(OLIVER.customer_id).profile()["givenName"] == "Oliver"
    assert store.get("0003919000000000003") is None and not store.by_token("t-3").known
    assert ids(store.search({"postcode": "N1C 4DA"}))[0] == AMELIA.customer_id


def test_random_changes_agree_with_the_model(store, records):
    """A seeded run of upserts, deletes and searches through overlay and base together."""
    rng = random.Random(12)
    model = Model(records)
    pool = [r.profile for r in records[:200]]
    for step in range(300):
        profile = copy.deepcopy(rng.choice(pool))
        action = rng.random()
        if action < 0.35:
            if rng.random() < 0.3:
                profile["id"] = f"00039190000{step:08d}"
            profile["familyName"] = rng.choice(["Smith", "Jones", profile["familyName"]])
            assert store.upsert(profile) is model.upsert(profile)
        elif action < 0.6:
            assert store.delete(profile["id"]) is model.delete(profile["id"])
        else:
            for filters in filters_of(profile)[:3]:
                assert ids(store.search(filters)) == model.search(filters), (step, filters)
        assert len(store) == len(model.customers)


def test_hot_profiles_are_bounded(records, monkeypatch):
    monkeypatch.setattr(store_module, "HOT_PROFILES", 4)
    base = CustomerStore.from_records(records, search_cap=CAP).base
    for record in records[:10]:
        assert base.get(record.profile["id"]).id == record.profile["id"]
    assert base.get("0000000000000000000") is None
    assert len(base._hot) == 4
    assert base.get(records[0].profile["id"]).ordinal == 0  # evicted, read again
    first = base.rows(list(range(10)))
    assert len(base._hot_rows) == 4 and base.rows([9]) == {9: first[9]}
    assert [first[n].id for n in range(10)] == [r.profile["id"] for r in records[:10]]
    names = [(1, r.profile["familyName"].casefold()) for r in records[:6]]
    answers = [base.find([name], 5) for name in names]
    assert len(base._hot_searches) == 4
    assert base.find([names[-1]], 5) is answers[-1]  # kept: the same list again
    again = base.find([names[0]], 5)  # dropped: asked of the index again
    assert again == answers[0] and again is not answers[0]


def test_no_details_is_built_from_the_profile(store):
    partial = store.get(OLIVER.customer_id).no_details()
    assert partial.startswith(b'{"id":"' + OLIVER.customer_id.encode())
    assert partial.endswith(b'"accounts":[]}')
