"""Parameters of the capacity section: load-test results, a live load test, the peak."""

from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from .base import Strict


class LoadTestFile(Strict):
    path: str = Field(
        description="result file, or a Locust --csv prefix, relative to the repository"
    )
    format: Literal["auto", "locust", "k6", "k6-summary", "jmeter"] = "auto"


class LiveLoadTest(Strict):
    """Run Locust headless now against ``host`` (instead of reading a result file)."""

    enabled: bool = True
    locustfile: str = Field(description="relative to the service repository")
    host: str | None = Field(None, description="base URL of the target, e.g. http://127.0.0.1:8080")
    host_env: str | None = Field(
        None,
        description="a variable holding the base URL; when set it overrides host. Without "
        "either, the run is skipped and capacity.load_test is read",
    )
    users: int = Field(gt=0, le=100_000)
    spawn_rate: float = Field(gt=0, description="users started per second (the ramp)")
    run_time_s: int = Field(gt=0, le=86_400)
    grace_s: float = Field(30.0, gt=0, description="beyond run_time_s before the run is killed")
    probe_path: str = Field("/healthz", description="asked once before the run: is it up?")

    @field_validator("host")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @model_validator(mode="after")
    def _a_target(self) -> LiveLoadTest:
        if self.host is None and self.host_env is None:
            raise ValueError("give host (a URL) or host_env (the variable holding it)")
        return self

    def target(self) -> str | None:
        """The URL to load: ``host_env``'s value when that variable is set, else ``host``."""
        if self.host_env and os.environ.get(self.host_env, "").strip():
            return os.environ[self.host_env].strip()
        return self.host


class LatencySlo(Strict):
    percentile: Literal[50, 95, 99] = 95
    threshold_ms: float = Field(250.0, gt=0)


class PeakLoad(Strict):
    """Today's peak request rate: from Prometheus (``query``) or given (``rps``)."""

    rps: float | None = Field(None, ge=0, description="today's peak, requests per second")
    query: str | None = Field(None, description="PromQL of the request rate, e.g. sum(rate(...))")
    lookback_days: int = Field(30, gt=0, le=400)
    step: str = Field("5m", pattern=r"^[0-9]+[smhd]$")


class SliQuery(Strict):
    """An SLI evaluated over the load test's window: ``{window}`` becomes its length."""

    name: str
    query: str = Field(description="PromQL ratio of good to total events over [{window}]")
    objective: float = Field(gt=0, lt=1)

    @field_validator("query")
    @classmethod
    def _window(cls, v: str) -> str:
        if "{window}" not in v:
            raise ValueError("must contain {window}, e.g. increase(x[{window}])")
        return v


class Capacity(Strict):
    load_test: LoadTestFile | None = None
    live: LiveLoadTest | None = None
    max_age_days: int = Field(90, gt=0, description="older results fail load-test-present")
    latency_slo: LatencySlo = LatencySlo()
    max_error_ratio: float = Field(0.01, ge=0, le=1)
    sustain_s: float = Field(10.0, gt=0, description="how long the knee must be held")
    interval_s: float = Field(1.0, gt=0, le=3600, description="k6/JMeter time bucket")
    peak: PeakLoad = PeakLoad()
    growth_per_year: float = Field(0.0, gt=-1, description="0.4 = +40 % a year")
    horizon_years: float = Field(2.0, ge=0, le=20)
    event_multiplier: float = Field(1.0, gt=0, description="e.g. Black Friday over a usual peak")
    safety_margin: float = Field(1.2, ge=1)
    slis: list[SliQuery] = Field(default_factory=list)
    prometheus_url: str | None = Field(
        None, description="the Prometheus to ask; default: the review's prometheus.url"
    )
    prometheus_timeout_s: float = Field(10.0, gt=0, le=300)
