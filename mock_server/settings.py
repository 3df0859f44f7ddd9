"""The mock's settings: flags and environment become this one frozen value at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ndt_fixtures import DEFAULT_COUNT, DEFAULT_SEED
from ndt_fixtures.files import DEFAULT_MAX_FILE_BYTES

from mock_server.faults import LatencyRange

MAX_OVERLAY_CUSTOMERS = 10_000  # decision: twenty developers' hand-made customers, many times over
MAX_OVERLAY_BYTES = 64 * 1024 * 1024  # decision: every process holds a copy of the overlay


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    seed: int = DEFAULT_SEED
    customers: int = DEFAULT_COUNT
    dataset: Path | None = None
    workers: int = 1
    latency: LatencyRange | None = None
    error_rate: float = 0.0
    cors_origins: tuple[str, ...] = ("*",)
    validate_responses: bool = False
    max_body_bytes: int = 64 * 1024
    journal_size: int = 500
    spec: Path | None = None
    admin_enabled: bool = True
    admin_token: str | None = None
    access_log: str | None = None  # "plain" or "json"
    read_timeout: float = 10.0  # seconds to receive a whole request (line, headers, body)
    max_header_bytes: int = 32 * 1024  # request line and headers; more is a 431
    max_dataset_bytes: int = DEFAULT_MAX_FILE_BYTES  # per --dataset file, checked before reading
    # Where admin changes and the journal live (overlay.open_state): None for this process
    # alone, `redis://...` for replicas; the parent of --workers sets `sqlite:PATH`.
    state: str | None = None
    overlay_max_customers: int = MAX_OVERLAY_CUSTOMERS
    overlay_max_bytes: int = MAX_OVERLAY_BYTES

    @property
    def uses_default_dataset(self) -> bool:
        return (
            self.dataset is None and self.seed == DEFAULT_SEED and self.customers == DEFAULT_COUNT
        )
