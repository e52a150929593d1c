"""Fault knobs for drills and demos, read from the environment at start.

INGEST_ERROR_RATE        fraction (0..1) of API requests answered 500
INGEST_EXTRA_LATENCY_MS  milliseconds added to every API request
INGEST_FAULT_SEED        seed of the RNG deciding which requests fail (default 0),
                         so a drill is reproducible
INGEST_WRITE_SYNC_MS     milliseconds each batch write waits inside the storage's
                         one-writer lock, as for a synchronous standby acknowledging it
                         (the demo sets it: its live load test then finds the write
                         path's ceiling, 1000 / INGEST_WRITE_SYNC_MS batches a second,
                         and the latency SLO breaks under load)

Faults apply to the /v1 API only: /healthz, /readyz and /metrics stay truthful,
so Prometheus keeps scraping and the alerts can fire.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Mapping


class Faults:
    def __init__(
        self,
        error_rate: float = 0.0,
        extra_latency_ms: float = 0.0,
        seed: int = 0,
        write_sync_ms: float = 0.0,
    ):
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError(f"INGEST_ERROR_RATE must be between 0 and 1; got {error_rate}")
        if not 0.0 <= extra_latency_ms <= 60_000:
            raise ValueError(
                f"INGEST_EXTRA_LATENCY_MS must be between 0 and 60000; got {extra_latency_ms}"
            )
        if not 0.0 <= write_sync_ms <= 10_000:
            raise ValueError(f"INGEST_WRITE_SYNC_MS must be between 0 and 10000; got {write_sync_ms}")
        self.error_rate = error_rate
        self.extra_latency_ms = extra_latency_ms
        self.write_sync_ms = write_sync_ms
        self.seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not cryptography
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Faults:
        env = os.environ if env is None else env

        def number(name: str, default: str, kind: type[float] | type[int]) -> float | int:
            raw = env.get(name, "").strip() or default
            try:
                return kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number; got {raw!r}") from None

        return cls(
            error_rate=float(number("INGEST_ERROR_RATE", "0", float)),
            extra_latency_ms=float(number("INGEST_EXTRA_LATENCY_MS", "0", float)),
            seed=int(number("INGEST_FAULT_SEED", "0", int)),
            write_sync_ms=float(number("INGEST_WRITE_SYNC_MS", "0", float)),
        )

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or self.extra_latency_ms > 0

    def delay(self) -> None:
        if self.extra_latency_ms > 0:
            time.sleep(self.extra_latency_ms / 1000)

    def write_sync(self) -> None:
        """Called by the storage inside its write lock, once per batch."""
        if self.write_sync_ms > 0:
            time.sleep(self.write_sync_ms / 1000)

    def should_fail(self) -> bool:
        if self.error_rate <= 0:
            return False
        if self.error_rate >= 1:
            return True
        with self._lock:
            return self._rng.random() < self.error_rate
