"""The load-test model: what every load-test reader (`sources.loadtest`) returns and the
capacity maths (`capacity`) reads, whatever tool produced the results.

Units as everywhere: times are UTC `datetime`s, latencies milliseconds, throughput
requests per second, error ratios 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

Format = Literal["locust", "k6", "k6-summary", "jmeter"]


@dataclass(frozen=True)
class Sample:
    """One interval of the test (Locust: one history row; k6/JMeter: one time bucket)."""

    time: datetime  # end of the interval, UTC
    interval_s: float
    users: float | None  # concurrency (virtual users / threads) during the interval
    requests: int
    failures: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None

    @property
    def throughput(self) -> float:
        """Requests per second over the interval."""
        return self.requests / self.interval_s if self.interval_s > 0 else 0.0

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def latency(self, percentile: int) -> float | None:
        return {50: self.p50_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]


@dataclass(frozen=True)
class Endpoint:
    """Totals of one request name (or of the whole test, ``name == "Aggregated"``)."""

    name: str
    method: str
    requests: int
    failures: int
    throughput: float | None = None  # requests per second over the test
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def latency(self, percentile: int) -> float | None:
        return {50: self.p50_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]


@dataclass(frozen=True)
class FailureKind:
    method: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True)
class LoadTest:
    """A load test's results, whatever tool produced them."""

    format: Format
    files: tuple[Path, ...]
    total: Endpoint
    samples: tuple[Sample, ...] = ()  # ordered by time; empty for a summary-only result
    endpoints: tuple[Endpoint, ...] = ()
    failures: tuple[FailureKind, ...] = ()
    started: datetime | None = None  # from the file's content; None when it holds no time
    ended: datetime | None = None
    max_users: float | None = None

    @property
    def duration(self) -> timedelta | None:
        if self.started is None or self.ended is None:
            return None
        return self.ended - self.started

    @property
    def where(self) -> str:
        return ", ".join(str(f) for f in self.files)
