"""Parameters of the service, architecture, CI/CD and testing sections."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
)

from .base import SLUG_RE, Strict, to_timedelta


class Service(Strict):
    name: str = Field(description="slug: lowercase letters, digits and hyphens")
    description: str = ""
    owner_team: str | None = None
    escalation: str | None = Field(None, description="pager rota, channel or e-mail")
    tier: int | None = Field(None, ge=0, le=4, description="criticality tier, 0 (highest) to 4")

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.fullmatch(v):
            raise ValueError(
                "must be a slug of 1-63 lowercase letters, digits and inner hyphens "
                "(e.g. ingest-api); it names the folder under reports/"
            )
        return v


class Component(Strict):
    name: str
    link: str | None = Field(None, description="repository path or URL the overview must link to")


class Architecture(Strict):
    docs: list[str] = Field(
        default_factory=lambda: ["docs/architecture.md", "ARCHITECTURE.md"],
        description="candidate paths of the overview, first found wins",
    )
    components: list[Component] = Field(default_factory=list)
    check_external_links: bool = False
    link_timeout_s: float = Field(5.0, gt=0, le=60)


class CiCd(Strict):
    pipeline_files: list[str] = Field(
        default_factory=list, description="pipeline files; empty = detect the usual ones"
    )
    environments: list[str] = Field(default_factory=list)
    dockerfiles: list[str] = Field(
        default_factory=list, description="Dockerfiles; empty = every Dockerfile* found"
    )
    readme: str = "README.md"
    hadolint_threshold: Literal["error", "warning", "info", "style"] = "error"
    hadolint_timeout_s: float = Field(60.0, gt=0)


class CoverageReport(Strict):
    path: str = Field(description="relative to the repository; a glob may match several")
    format: Literal["auto", "cobertura", "jacoco", "lcov"] = "auto"


class Testing(Strict):
    coverage: list[CoverageReport] = Field(default_factory=list)
    line_threshold: float = Field(0.8, ge=0, le=1, description="ratio, 0.8 = 80 %")
    branch_threshold: float | None = Field(0.7, ge=0, le=1, description="None: not judged")
    junit: list[str] = Field(
        default_factory=lambda: ["results/junit/*.xml"], description="globs of JUnit XML"
    )
    unit_patterns: list[str] = Field(
        default_factory=lambda: ["*unit*"],
        description="fnmatch globs on the suite name or file path (case-insensitive)",
    )
    integration_patterns: list[str] = Field(
        default_factory=lambda: ["*integration*", "*.it.*", "*IT"]
    )
    e2e_selector: str = Field('job="blackbox"', description="label matchers of probe_success")
    e2e_window: datetime.timedelta = Field(
        datetime.timedelta(hours=1), description="success rate window, e.g. 1h"
    )
    e2e_min_success: float = Field(0.99, ge=0, le=1)
    e2e_max_age_s: float = Field(300.0, gt=0, description="newest probe sample at most this old")

    @field_validator("e2e_window", mode="before")
    @classmethod
    def _window(cls, v: Any) -> Any:
        return to_timedelta(v)
