"""Server-wide fault injection (`--latency MIN-MAX`, `--error-rate P`), seeded and repeatable."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LatencyRange:
    min_ms: int
    max_ms: int

    @classmethod
    def parse(cls, text: str) -> LatencyRange:
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
        if not match:
            raise ValueError(
                f"latency {text!r}: expected MS or MIN-MAX in milliseconds, e.g. 50-200"
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low or high > 60_000:
            raise ValueError(f"latency {text!r}: need MIN <= MAX <= 60000")
        return cls(low, high)


class FaultInjector:
    def __init__(self, latency: LatencyRange | None, error_rate: float, seed: int) -> None:
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError(f"error rate {error_rate} is outside 0..1")
        self.latency = latency
        self.error_rate = error_rate
        self._rng = random.Random(f"faults:{seed}")

    @property
    def active(self) -> bool:
        return self.latency is not None or self.error_rate > 0

    def delay_seconds(self) -> float:
        if self.latency is None:
            return 0.0
        return self._rng.uniform(self.latency.min_ms, self.latency.max_ms) / 1000

    def should_fail(self) -> bool:
        return self.error_rate > 0 and self._rng.random() < self.error_rate
