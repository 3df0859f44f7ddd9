"""The recent requests, for `/__admin/journal`. No bodies and no header values (not even
`Client-Session-Id`): the journal is readable by whoever reaches the admin API."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    at: float
    method: str
    path: str
    status: int
    duration_ms: float
    trace_id: str


class Journal:
    def __init__(self, size: int = 500) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)

    def record(
        self,
        method: str,
        path: str,
        status: int,
        started: float,
        trace_id: str,
    ) -> None:
        self._entries.append(
            Entry(
                time.time(),
                method,
                path,
                status,
                round((time.perf_counter() - started) * 1000, 2),
                trace_id,
            )
        )

    def recent(self, limit: int) -> list[dict[str, Any]]:
        return [asdict(e) for e in list(self._entries)[-limit:]][::-1]

    def clear(self) -> None:
        self._entries.clear()
