"""The second provider on a free loopback port, for tests that only need it running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.other import ThreadedProvider


@pytest.fixture(scope="module")
def other_provider() -> Iterator[ThreadedProvider]:
    """The correct provider (no bug), served by uvicorn in a thread."""
    with ThreadedProvider() as server:
        yield server
