"""Parameters of the observability section: Prometheus, Alertmanager, Grafana, SLOs, logs."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from .. import slo
from .base import Strict


class HttpAuth(Strict):
    """Credentials by environment variable NAME only: bearer token, basic, or one header."""

    kind: Literal["bearer", "basic", "header"]
    token_env: str | None = None  # bearer
    username_env: str | None = None  # basic
    password_env: str | None = None  # basic
    header: str | None = None  # header: its name, e.g. X-Scope-OrgID
    value_env: str | None = None  # header: the variable holding its value

    @model_validator(mode="after")
    def _complete(self) -> HttpAuth:
        need = {
            "bearer": ["token_env"],
            "basic": ["username_env", "password_env"],
            "header": ["header", "value_env"],
        }[self.kind]
        missing = [n for n in need if not getattr(self, n)]
        if missing:
            raise ValueError(f"auth kind {self.kind} needs {', '.join(missing)}")
        return self


class Server(Strict):
    """A live source. ``url_env`` names a variable that, when set, overrides ``url``."""

    url: str | None = None
    url_env: str | None = None
    timeout_s: float = Field(10.0, gt=0, le=300)
    connect_timeout_s: float = Field(2.0, gt=0, le=60)
    max_answer_mb: float = Field(
        10.0, gt=0, le=2048, description="a larger answer is not read (the check is an error)"
    )
    auth: HttpAuth | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an http:// or https:// URL")
        return v.rstrip("/") if v else v


class RatioSLI(Strict):
    bad: str | None = Field(None, description="PromQL of bad events/s with {{.window}}")
    good: str | None = None
    total: str


class LatencySLI(Strict):
    histogram: str = Field(description="histogram base name, e.g. http_request_duration_seconds")
    selector: str = Field("", description='label matchers, e.g. job="api",handler=~"/v1/.+"')
    threshold_s: float = Field(gt=0, description="a bucket bound (le) of the histogram")


class SLOParams(Strict):
    name: str
    objective: float | str = Field(description='ratio 0.995, or "99.5%"')
    window: str = "28d"
    description: str = ""
    ratio: RatioSLI | None = None
    latency: LatencySLI | None = None

    @model_validator(mode="after")
    def _valid(self) -> SLOParams:
        self.to_slo()  # units and PromQL checked once, here, before anything runs
        return self

    def to_slo(self) -> slo.SLO:
        where = f"slo {self.name}"
        try:
            objective = slo.objective_ratio(self.objective, "objective")
            window = slo.window_delta(self.window, "window")
            if (self.ratio is None) == (self.latency is None):
                raise slo.SLOSpecError("give exactly one SLI: ratio (bad|good, total) or latency")
            if self.ratio is not None:
                return slo.ratio_slo(
                    self.name,
                    objective,
                    window,
                    total=self.ratio.total,
                    bad=self.ratio.bad,
                    good=self.ratio.good,
                    where="ratio",
                    description=self.description,
                )
            assert self.latency is not None
            return slo.latency_slo(
                self.name,
                objective,
                window,
                histogram=self.latency.histogram,
                selector=self.latency.selector,
                threshold_s=self.latency.threshold_s,
                where="latency",
                description=self.description,
            )
        except slo.SLOSpecError as e:
            raise ValueError(f"{where}: {e}") from None


class Observability(Strict):
    prometheus: Server = Server()
    alertmanager: Server = Server()
    grafana: Server | None = None
    slos: list[SLOParams] = Field(default_factory=list)
    slo_files: list[str] = Field(
        default_factory=list, description="Sloth or OpenSLO files in the repository"
    )
    sloth_period: str = Field(
        "30d", description="SLO period of Sloth files (Sloth's --default-slo-period)"
    )
    sloth_windows: list[str] = Field(
        default_factory=list, description="Sloth AlertWindows files in the repository"
    )

    @field_validator("sloth_period")
    @classmethod
    def _period(cls, v: str) -> str:
        try:
            slo.window_delta(v, "sloth_period")
        except slo.SLOSpecError as e:
            raise ValueError(str(e)) from None
        return v

    dashboards: list[str] = Field(
        default_factory=lambda: ["dashboards/**/*.json"], description="globs in the repository"
    )
    log_sample: str | None = Field(None, description="a log sample file in the repository")
    log_command: list[str] | None = Field(None, description="a command printing log lines")
    log_command_timeout_s: float = Field(60.0, gt=0, le=3600)
    freshness_max_age_s: float = Field(300.0, gt=0)
    structured_min_share: float = Field(0.95, ge=0, le=1)
    min_window_coverage: float = Field(
        0.9, ge=0, le=1, description="below this share of the SLO window with data: warn"
    )
    paging_severities: list[str] = Field(
        default_factory=lambda: ["page", "critical"],
        description="severity label values that page (Sloth's sloth_severity when absent)",
    )
    paging_receivers: list[str] = Field(
        default_factory=list,
        description="Alertmanager receivers that page; when set, page alerts must reach one",
    )
