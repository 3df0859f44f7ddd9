"""Which backend a mock's state lives in, from its settings' `state`: the one place that picks
one, so the interface (`overlay`) never imports its backends."""

from __future__ import annotations

from urllib.parse import urlsplit

from mock_server.overlay import REDIS_SCHEMES, MemoryState, SharedState, StateError


def open_state(url: str | None, space: str) -> SharedState:
    """The backend a settings' `state` names: None (memory), `sqlite:PATH`, `redis://...`."""
    if url is None:
        return MemoryState()
    if url.startswith("sqlite:"):
        from mock_server.overlay_sqlite import SqliteState

        return SqliteState(url.removeprefix("sqlite:"))
    if urlsplit(url).scheme in REDIS_SCHEMES:
        from mock_server.overlay_redis import RedisState

        return RedisState(url, space)
    raise StateError(f"{url!r}: the state is redis://HOST:PORT/DB")
