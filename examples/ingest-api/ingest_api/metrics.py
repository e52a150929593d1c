"""Prometheus metrics of the service, on a registry of its own (one per app instance).

The latency buckets bracket the latency SLO threshold (250 ms: the `le="0.25"`
bucket) so the SLO can be computed exactly from the histogram.
"""

from __future__ import annotations

import platform

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from . import __version__

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SLO_LATENCY_THRESHOLD_S = 0.25
# The classic text format, understood by every Prometheus version; all our metric
# names are legacy-valid, so generate_latest's output is the same in either version.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by route template, method and status code.",
            ["handler", "method", "code"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["handler", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "ingest_events_total",
            "Events accepted and stored, by account.",
            ["account"],
            registry=self.registry,
        )
        self.storage_errors = Counter(
            "ingest_storage_errors_total",
            "Storage operations that failed (batch writes, count reads, readiness checks).",
            registry=self.registry,
        )
        self.build_info = Gauge(
            "ingest_api_build_info",
            "Always 1; labels carry the running version.",
            ["version", "python_version"],
            registry=self.registry,
        )
        self.build_info.labels(__version__, platform.python_version()).set(1)

    def observe_request(self, handler: str, method: str, code: int, seconds: float) -> None:
        self.requests.labels(handler, method, str(code)).inc()
        self.duration.labels(handler, method).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
