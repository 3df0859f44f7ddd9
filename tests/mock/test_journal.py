"""Direct tests of mock_server.journal: bounded, newest first, clearable, no header values."""

from __future__ import annotations

import dataclasses
import time

import pytest

from mock_server.journal import Journal
from mock_server.overlay import Entry


def fill(journal: Journal, count: int) -> None:
    for n in range(count):
        journal.record("GET", f"/customers/{n}", 200, time.perf_counter(), f"trace-{n}")


def test_recent_is_newest_first_and_limited():
    journal = Journal()
    fill(journal, 5)
    assert [e["path"] for e in journal.recent(3)] == [
        "/customers/4",
        "/customers/3",
        "/customers/2",
    ]
    assert len(journal.recent(50)) == 5


def test_the_journal_keeps_only_its_size():
    journal = Journal(size=3)
    fill(journal, 10)
    assert [e["trace_id"] for e in journal.recent(100)] == ["trace-9", "trace-8", "trace-7"]


def test_clear_empties_it():
    journal = Journal()
    fill(journal, 4)
    journal.clear()
    assert journal.recent(10) == []
    fill(journal, 1)
    assert len(journal.recent(10)) == 1


def test_an_entry_holds_exactly_what_it_records_and_its_duration():
    journal = Journal()
    before = time.time()
    journal.record("POST", "/customers/search", 400, time.perf_counter() - 0.25, "00-abc-01")
    (entry,) = journal.recent(1)
    assert entry["method"] == "POST" and entry["path"] == "/customers/search"
    assert entry["status"] == 400 and entry["trace_id"] == "00-abc-01"
    assert 250 <= entry["duration_ms"] < 5000
    assert entry["duration_ms"] == round(entry["duration_ms"], 2)
    assert before <= entry["at"] <= time.time()


def test_no_field_can_hold_a_header_value_or_a_body():
    assert [f.name for f in dataclasses.fields(Entry)] == [
        "at",
        "method",
        "path",
        "status",
        "duration_ms",
        "trace_id",
    ]
    journal = Journal()
    with pytest.raises(TypeError):
        journal.record("GET", "/", 200, 0.0, "t", headers={"Client-Session-Id": "x"})  # type: ignore[call-arg]


def test_entries_are_copies_the_caller_cannot_change():
    journal = Journal()
    fill(journal, 1)
    journal.recent(1)[0]["path"] = "/changed"
    assert journal.recent(1)[0]["path"] == "/customers/0"
