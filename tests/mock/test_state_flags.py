"""The shared state's flags and banner line, as pure functions: one test per branch."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mock_server.boot import shared_by_workers
from mock_server.cli import _state, overlay_bytes, state_line
from mock_server.overlay import Version
from mock_server.settings import Settings


@pytest.mark.parametrize(
    "url",
    ["redis://127.0.0.1:6379/0", "redis://cache", "rediss://:pw@cache.internal:6380/15"],
)
def test_redis_urls_are_taken_as_they_are(url):
    assert _state(url) == url


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("http://cache:6379/0", "not a Redis URL"),
        ("redis://", "not a Redis URL"),
        ("redis://cache:99999/0", "not a Redis URL"),
        ("redis://cache/zero", "the database is a number"),
        ("redis://cache/²", "the database is a number"),
    ],
)
def test_anything_else_is_a_usage_error_that_says_why(text, why):
    with pytest.raises(argparse.ArgumentTypeError, match=why):
        _state(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4096", 4096),
        ("1K", 1024),
        ("64M", 64 * 1024**2),
        ("2g", 2 * 1024**3),
        (" 8k ", 8192),
        ("12MB", 12 * 1024**2),  # the one size parser of the CLI reads a trailing B too
    ],
)
def test_sizes_take_binary_suffixes(text, value):
    assert overlay_bytes(text) == value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("lots", "not a size"),
        ("12QB", "not a size"),
        ("", "not a size"),
        ("1000", "outside"),
        ("65G", "outside"),
    ],
)
def test_bad_sizes_say_why(text, why):
    with pytest.raises(argparse.ArgumentTypeError, match=why):
        overlay_bytes(text)


def test_the_banner_line_names_where_changes_live_and_the_caps():
    assert state_line(Settings()) == (
        "admin changes: in this process (at most 10,000 customers, 64 MiB)"
    )
    assert state_line(Settings(workers=3)).startswith("admin changes: shared by the 3 workers")
    line = state_line(Settings(state="redis://:secret@cache:6380/2", overlay_max_customers=5))
    assert "shared through redis://cache:6380/2 by every replica" in line
    assert "secret" not in line and "at most 5 customers" in line
    # The workers' own file is the workers' line, not a URL.
    assert "shared by the 2 workers" in state_line(Settings(workers=2, state="sqlite:/x"))
    assert state_line(Settings(overlay_max_bytes=1536)).endswith("1.5 KiB)")
    assert state_line(Settings(overlay_max_bytes=3 * 1024**3)).endswith("3 GiB)")


def test_workers_get_a_fresh_sqlite_file_unless_redis_is_given(tmp_path: Path):
    (tmp_path / "state.sqlite").write_bytes(b"an old run")
    given = shared_by_workers(Settings(workers=2), str(tmp_path))
    assert given.state == f"sqlite:{tmp_path / 'state.sqlite'}"
    assert (tmp_path / "state.sqlite").read_bytes()[:15] == b"SQLite format 3"
    redis = Settings(workers=2, state="redis://cache/0")
    assert shared_by_workers(redis, str(tmp_path)) is redis


def test_a_version_is_ordered_text():
    assert Version(1, 2, 3).text() == "1:2:3"
