"""The recent requests, for `/__admin/journal`. No bodies and no header values (not even
`Client-Session-Id`): the journal is readable by whoever reaches the admin API.

Entries are stored in the mock's shared state (overlay.SharedState), so every worker or
replica answers the same journal. Where storing costs a write (SQLite, Redis), a process
gathers its entries and stores them together at most FLUSH_SECONDS after the first (one
write per batch instead of one per request); reading the journal stores this process's own
first, so another process's requests show within FLUSH_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from mock_server.overlay import Entry, MemoryState, SharedState

log = logging.getLogger("ndt.mock")
FLUSH_SECONDS = 0.05
BATCH = 500  # entries per stored batch (bounds one Redis script's arguments)


class Journal:
    def __init__(
        self,
        size: int = 500,
        shared: SharedState | None = None,
        epoch: Callable[[], int] = lambda: 0,
    ) -> None:
        self._owned = shared is None  # a journal without a mock's state (tests)
        if shared is None:
            memory = MemoryState()
            shared, epoch = memory, lambda: memory.version.epoch
        self.size = size
        self._shared = shared
        self._epoch = epoch  # the reset count this process has seen (a reset drops older)
        self._pending: list[tuple[int, Entry]] = []
        self._flush_due = False

    def record(
        self,
        method: str,
        path: str,
        status: int,
        started: float,
        trace_id: str,
    ) -> None:
        entry = Entry(
            time.time(),
            method,
            path,
            status,
            round((time.perf_counter() - started) * 1000, 2),
            trace_id,
        )
        if not self._shared.buffered_journal:
            self._shared.journal_append(self._epoch(), [entry], self.size)
            return
        self._pending.append((self._epoch(), entry))
        if not self._flush_due:
            self._flush_due = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush_quietly)
            except RuntimeError:  # no event loop (a direct call): store it now
                self.flush()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # a lost journal batch is logged, never a crash
            log.warning("journal entries not stored: %s", exc)

    def flush(self) -> None:
        """Store the entries this process holds (in order; epochs never go back)."""
        pending, self._pending, self._flush_due = self._pending, [], False
        while pending:
            epoch = pending[0][0]
            same = next((n for n, (e, _) in enumerate(pending) if e != epoch), len(pending))
            size = min(same, BATCH)
            self._shared.journal_append(epoch, [e for _, e in pending[:size]], self.size)
            pending = pending[size:]

    def recent(self, limit: int) -> list[dict[str, Any]]:
        self.flush()
        return [asdict(e) for e in self._shared.journal_recent(limit)][::-1]

    def clear(self) -> None:
        """Drop this process's unstored entries (the shared state's reset drops the stored
        ones, for every process); a journal of its own is emptied."""
        self._pending.clear()
        if self._owned:
            self._shared.reset()
