"""The shared state's interface, on each backend: two stores over one state behave as two
processes of one mock do (what one writes, the other reads next), the caps, the journal, and
the pure parts (versions, URLs, namespaces)."""

from __future__ import annotations

import copy
import itertools
import time

import pytest
from ndt_fixtures import default_dataset_dir, read_dataset
from redis_support import free_port, redis_server
from support import AMELIA, OLIVER

from mock_server.journal import Journal
from mock_server.overlay import (
    Change,
    MemoryState,
    Pulled,
    StateError,
    Version,
    Write,
    decode_entry,
    describe,
    encode_entry,
    namespace,
)
from mock_server.overlay_sqlite import create
from mock_server.problems import ApiProblem
from mock_server.state_backend import open_state
from mock_server.store import Caps, CustomerStore, OverlayFull

pytestmark = pytest.mark.live  # starts servers or processes on loopback

CAP = 50
SPACES = itertools.count()


@pytest.fixture(scope="module")
def base():
    records = list(read_dataset(default_dataset_dir()).records())
    return CustomerStore.from_records(records, search_cap=CAP).base


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "sqlite", "redis"])
def opener(request, tmp_path):
    """Opens the same state again, as another process would (memory: the same object)."""
    opened = []
    if request.param == "memory":
        memory = MemoryState()

        def again():
            return memory
    elif request.param == "sqlite":
        url = create(tmp_path / "state.sqlite")

        def again():
            opened.append(open_state(url, "unused"))
            return opened[-1]
    else:
        url, space = request.getfixturevalue("redis_url"), f"s{next(SPACES)}"

        def again():
            opened.append(open_state(url, space))
            return opened[-1]

    yield again
    for state in opened:
        state.close()


def pair(base, opener, caps=None):
    return (
        CustomerStore(base, search_cap=CAP, shared=opener(), caps=caps),
        CustomerStore(base, search_cap=CAP, shared=opener(), caps=caps),
    )


def renamed(profile, **changes):
    return copy.deepcopy(profile) | changes


def test_a_change_on_one_is_read_by_the_other_next(base, opener):
    one, other = pair(base, opener)
    assert other.get(AMELIA.customer_id).profile()["givenName"] == "Amelia"  # held before
    assert one.upsert(renamed(AMELIA.profile, givenName="Changed")) is True
    assert other.get(AMELIA.customer_id).profile()["givenName"] == "Changed"
    assert one.delete(OLIVER.customer_id) is True
    assert other.get(OLIVER.customer_id) is None
    assert other.delete(OLIVER.customer_id) is False  # decided on the latest state
    assert len(other) == len(one) == base.count - 1


def test_an_overlay_customer_is_found_by_every_filter_on_the_other(base, opener):
    one, other = pair(base, opener)
    new = renamed(AMELIA.profile, id="0003919000000000011", customerRef="Shared0011")
    assert one.upsert(new, token="t-shared") is False
    postcode = new["addresses"][0]["components"]["postcode"]
    for filters in (
        {"customerId": new["id"]},
        {"customerRef": "Shared0011"},
        {"givenName": new["givenName"], "familyName": new["familyName"]},
        {"postcode": postcode.lower()},
        {"phoneNumber": new["contact"]["phoneNumbers"][0]["value"]},
        {"dateOfBirth": new["dateOfBirth"][:10]},
        {"accountNumber": new["accounts"][0]["accountNumber"]},
    ):
        assert new["id"] in [c.id for c in other.search(filters)], filters
    assert other.by_token("t-shared").customer.id == new["id"]
    other.delete(new["id"])
    assert one.search({"customerRef": "Shared0011"}) == []


def test_new_customers_from_both_get_the_same_places_on_both(base, opener):
    one, other = pair(base, opener)
    first = renamed(OLIVER.profile, id="0003919000000000021", customerRef="Place00021")
    second = renamed(OLIVER.profile, id="0003919000000000022", customerRef="Place00022")
    one.upsert(first)
    other.upsert(second)
    assert one.get(first["id"]).ordinal == other.get(first["id"]).ordinal == base.count
    assert one.get(second["id"]).ordinal == other.get(second["id"]).ordinal == base.count + 1
    filters = {"familyName": OLIVER.profile["familyName"]}
    assert [c.id for c in one.search(filters)] == [c.id for c in other.search(filters)]


def test_reset_on_one_clears_the_other(base, opener):
    one, other = pair(base, opener)
    one.upsert(renamed(AMELIA.profile, givenName="Gone"), token="t-gone")
    other.delete(OLIVER.customer_id)
    assert other.get(AMELIA.customer_id).profile()["givenName"] == "Gone"
    other.reset()
    assert one.get(AMELIA.customer_id).profile() == AMELIA.profile
    assert one.get(OLIVER.customer_id) is not None
    assert not one.by_token("t-gone").known
    assert len(one) == base.count and one.overlay_bytes == 0
    assert one.epoch == other.epoch == 1


def test_a_store_opened_late_takes_in_every_change(base, opener):
    one = CustomerStore(base, search_cap=CAP, shared=opener())
    one.upsert(renamed(AMELIA.profile, givenName="Early"))
    one.delete(OLIVER.customer_id)
    late = CustomerStore(base, search_cap=CAP, shared=opener())
    assert late.get(AMELIA.customer_id).profile()["givenName"] == "Early"
    assert late.get(OLIVER.customer_id) is None and len(late) == base.count - 1


def test_the_customer_cap_is_507_for_everyone_and_a_replacement_still_fits(base, opener):
    one, other = pair(base, opener, Caps(customers=2, bytes=10**7))
    one.upsert(renamed(AMELIA.profile, givenName="A"))
    one.upsert(renamed(OLIVER.profile, givenName="B"))
    new = renamed(OLIVER.profile, id="0003919000000000031", customerRef="Capped0031")
    with pytest.raises(OverlayFull) as refused:
        other.upsert(new)
    assert refused.value.status == 507 and "--overlay-max-customers" in refused.value.detail
    assert other.get(new["id"]) is None
    assert other.upsert(renamed(AMELIA.profile, givenName="Again")) is True  # a replacement
    other.reset()
    assert one.upsert(new) is False  # room again after a reset


def test_the_byte_cap_is_507_and_one_customer_over_it_alone_is_413(base, opener):
    size = len(AMELIA.profile.__repr__())
    one, other = pair(base, opener, Caps(customers=100, bytes=size + size // 2))
    one.upsert(renamed(AMELIA.profile, givenName="Big"))
    with pytest.raises(OverlayFull) as full:
        other.upsert(renamed(OLIVER.profile, givenName="Bigger" * 50))
    assert full.value.status == 507 and "--overlay-max-bytes" in full.value.detail
    huge = renamed(OLIVER.profile, suffix="x" * (3 * size))
    with pytest.raises(OverlayFull) as alone:
        other.upsert(huge)
    assert alone.value.status == 413
    one.delete(AMELIA.customer_id)  # frees the profile's bytes (a deleted id costs a few)
    assert other.upsert(renamed(OLIVER.profile, givenName="Fits")) is True
    assert one.overlay_customers == other.overlay_customers == 1


def test_the_journal_is_one_for_every_process_and_a_reset_empties_it(base, opener):
    one, other = pair(base, opener)
    journal_one = Journal(10, one.shared, lambda: one.epoch)
    journal_other = Journal(10, other.shared, lambda: other.epoch)
    for n in range(3):
        journal_one.record("GET", f"/one/{n}", 200, time.perf_counter(), f"t{n}")
    journal_one.flush()
    journal_other.record("GET", "/other", 404, time.perf_counter(), "t9")
    assert [e["path"] for e in journal_other.recent(10)] == ["/other", "/one/2", "/one/1", "/one/0"]
    for n in range(20):
        journal_other.record("GET", f"/many/{n}", 200, time.perf_counter(), "t")
    assert len(journal_one.recent(50)) == 10  # the journal's size, whoever recorded
    other.reset()
    journal_one.record("GET", "/before-the-reset", 200, time.perf_counter(), "t")
    journal_one.flush()  # recorded in the epoch before: dropped
    assert journal_other.recent(10) == []
    one.refresh()
    journal_one.record("GET", "/after", 200, time.perf_counter(), "t")
    assert [e["path"] for e in journal_other.recent(10)] == ["/after"]


def test_version_text_round_trips_and_empty_is_the_start():
    assert Version.parse(Version(2, 17, 5).text()) == Version(2, 17, 5)
    assert Version.parse(b"1:2:3") == Version(1, 2, 3)
    assert Version.parse(None) == Version.parse("") == Version()


def test_memory_pull_branches():
    memory = MemoryState()
    assert memory.pull(Version()) == Pulled(Version(), False)
    memory.write(Version(), lambda pulled: Write([Change("a", 5, b"{}")], [("t", "a")], 1))
    assert memory.maybe_changed(Version())
    since_start = memory.pull(Version())
    assert since_start.changes == [Change("a", 5, b"{}")] and since_start.tokens == [("t", "a")]
    assert not since_start.full
    assert memory.write(memory.version, lambda pulled: None) is None
    memory.reset()
    assert memory.pull(Version(0, 1, 1)).full
    assert not memory.maybe_changed(memory.version)


def test_a_journal_entry_round_trips():
    journal = Journal(5)
    journal.record("POST", "/customers/search", 400, time.perf_counter(), "00-x-01")
    (entry,) = journal._shared.journal_recent(1)
    assert decode_entry(encode_entry(entry)) == entry


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (None, "memory"),
        ("sqlite:/tmp/x.sqlite", "sqlite"),
        ("redis://:s3cret@cache.internal:6380/2", "redis://cache.internal:6380/2"),
        ("redis://cache.internal", "redis://cache.internal:6379/0"),
    ],
)
def test_describe_never_shows_a_password(url, shown):
    assert describe(url) == shown


def test_namespace_is_the_dataset():
    assert namespace({"seed": 1}, 10) == namespace({"seed": 1}, 10)
    assert namespace({"seed": 1}, 10) != namespace({"seed": 2}, 10)
    assert namespace({"seed": 1}, 10) != namespace({"seed": 1}, 11)


def test_open_state_refuses_what_it_does_not_know_and_an_unreachable_redis():
    with pytest.raises(StateError, match="redis://HOST:PORT/DB"):
        open_state("memcached://x", "s")
    with pytest.raises(StateError, match=r"cannot reach the shared state at redis://127\.0\.0\.1"):
        open_state(f"redis://127.0.0.1:{free_port()}/0", "s")
    with pytest.raises(StateError, match="cannot open the shared state"):
        open_state("sqlite:/proc/no/such/folder/state.sqlite", "s")


def test_redis_gone_mid_run_is_the_contracts_500_not_a_traceback(base):
    with redis_server() as url:
        store = CustomerStore(base, search_cap=CAP, shared=open_state(url, "gone"))
    with pytest.raises(ApiProblem) as gone:
        store.get(AMELIA.customer_id)
    assert gone.value.status == 500 and "shared state" in gone.value.detail


def test_a_failing_sqlite_file_mid_run_is_the_contracts_500(base, tmp_path):
    state = open_state(create(tmp_path / "state.sqlite"), "unused")
    store = CustomerStore(base, search_cap=CAP, shared=state)
    state._db.close()  # as a file gone bad would fail every statement
    with pytest.raises(ApiProblem) as failed:
        store.upsert(AMELIA.profile)
    assert failed.value.status == 500 and "SQLite" in failed.value.detail
