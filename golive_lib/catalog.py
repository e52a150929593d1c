"""The go-live checklist as data: sections, check ids, titles, default severities.

Ids are stable: they appear in results.json, waivers and attestations.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Check, Evidence, Severity, Status

B = Severity.BLOCKING
A = Severity.ADVISORY


@dataclass(frozen=True)
class SectionSpec:
    number: int
    id: str
    title: str

    @property
    def notebook(self) -> str:
        return f"{self.number:02d}_{self.id}.ipynb"


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    severity: Severity
    evidence_kind: str

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]


SUMMARY = SectionSpec(0, "summary", "Summary")

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(1, "architecture", "Architecture"),
    SectionSpec(2, "cicd", "CI/CD"),
    SectionSpec(3, "disaster_recovery", "Disaster recovery"),
    SectionSpec(4, "premortem", "Pre-mortem and game day"),
    SectionSpec(5, "observability", "Observability"),
    SectionSpec(6, "rollout", "Rollout"),
    SectionSpec(7, "capacity", "Capacity"),
    SectionSpec(8, "security", "Security"),
    SectionSpec(9, "testing", "Testing"),
)

# Sections whose notebook disturbs the service on purpose (the pre-mortem's fault drill
# freezes it). A review runs them after every other section of that service has ended,
# so live evidence (SLOs, probes, alerts) is never read while the fault is in place.
DISRUPTIVE: frozenset[str] = frozenset({"premortem"})

# Check-id prefix of each section (disaster recovery's checks are "dr.*").
SECTION_PREFIX = {
    "architecture": "architecture",
    "cicd": "cicd",
    "disaster_recovery": "dr",
    "premortem": "premortem",
    "observability": "observability",
    "rollout": "rollout",
    "capacity": "capacity",
    "security": "security",
    "testing": "testing",
}

_CHECKS: tuple[CheckSpec, ...] = (
    # 01 Architecture
    CheckSpec("architecture.doc-present", "Architecture overview present", B, "repo"),
    CheckSpec(
        "architecture.components-linked", "Every component linked from the overview", B, "repo"
    ),
    CheckSpec("architecture.links-resolve", "Links in the overview resolve", A, "repo"),
    CheckSpec("architecture.diagram", "Overview holds a diagram", A, "repo"),
    CheckSpec("architecture.ownership", "Owner, escalation contact and tier recorded", B, "params"),
    # 02 CI/CD
    CheckSpec("cicd.pipeline-present", "A CI/CD pipeline is defined", B, "repo"),
    CheckSpec("cicd.docker-build", "Pipeline builds the Docker image", B, "repo"),
    CheckSpec("cicd.dockerfile-lint", "Pipeline lints the Dockerfile", B, "repo"),
    CheckSpec("cicd.code-lint", "Pipeline lints the code", B, "repo"),
    CheckSpec("cicd.unit-tests", "Pipeline runs unit tests", B, "repo"),
    CheckSpec("cicd.integration-tests", "Pipeline runs integration tests", B, "repo"),
    CheckSpec("cicd.image-release", "Pipeline releases the image", B, "repo"),
    CheckSpec("cicd.deploy-environments", "Pipeline deploys to every environment", B, "repo"),
    CheckSpec("cicd.dockerfile-clean", "Dockerfiles pass hadolint", B, "live"),
    CheckSpec("cicd.release-documented", "README documents the release process", B, "repo"),
    CheckSpec("cicd.pinned-dependencies", "Base images and CI actions are pinned", A, "repo"),
    # 03 Disaster recovery
    CheckSpec("dr.plan-documented", "DR plan documented", B, "repo"),
    CheckSpec("dr.scenario-played", "DR scenario played out", B, "attest"),
    CheckSpec("dr.restore-tested", "Restore tested within the RTO", B, "drill"),
    CheckSpec("dr.restore-documented", "Restore procedure and result documented", B, "repo"),
    CheckSpec("dr.event-replay", "Event replay exercised", B, "drill"),
    # 04 Pre-mortem
    CheckSpec("premortem.scenarios", "Failure scenarios have playbooks", B, "repo"),
    CheckSpec("premortem.gameday", "Game day held", B, "attest"),
    CheckSpec("premortem.fault-drill", "Fault drill detected and recovered", A, "drill"),
    CheckSpec("premortem.alerts-have-runbooks", "Alerts carry runbook links", A, "live"),
    # 05 Observability
    CheckSpec("observability.sli-metrics-present", "SLI metrics present and fresh", B, "live"),
    CheckSpec("observability.slo-compliance", "SLOs met over their window", B, "live"),
    CheckSpec("observability.slo-alerting", "Multi-window burn-rate alerts exist", B, "live"),
    CheckSpec("observability.alert-routing", "Alerts routed to a real receiver", B, "live"),
    CheckSpec("observability.dashboards", "Dashboards show SLOs and KPIs", B, "repo"),
    CheckSpec("observability.logging", "Logs are structured and PII-free", A, "file"),
    CheckSpec("observability.watchdog", "Dead-man's-switch alert exists", A, "live"),
    CheckSpec("observability.retention", "Metrics retention covers the SLO window", A, "live"),
    # 06 Rollout
    CheckSpec("rollout.plan-documented", "Rollout plan documented", B, "repo"),
    CheckSpec("rollout.phase-progress", "Current phase's accounts routed", B, "live"),
    CheckSpec("rollout.backfill-complete", "Backfill complete for routed accounts", B, "live"),
    CheckSpec("rollout.rollback-tested", "Rollback exercised", A, "attest"),
    # 07 Capacity
    CheckSpec("capacity.load-test-present", "Recent load test present", B, "file"),
    CheckSpec("capacity.peak-projection", "Peak load projected", A, "live"),
    CheckSpec("capacity.headroom", "Capacity covers the projected peak", B, "file"),
    CheckSpec("capacity.slo-during-load-test", "SLOs held during the load test", B, "live"),
    CheckSpec("capacity.scalability-model", "Scalability model fitted", A, "file"),
    # 08 Security
    CheckSpec("security.dependency-scan", "Dependency scan clean", B, "file"),
    CheckSpec("security.image-scan", "Image scan clean", B, "file"),
    CheckSpec("security.secrets-in-repo", "No secrets in the repository", A, "live"),
    CheckSpec("security.snowflake-rbac", "Snowflake RBAC is sound", B, "live"),
    CheckSpec("security.data-segregation", "Tenant data segregated", B, "live"),
    CheckSpec("security.s3-encryption", "S3 buckets encrypted and locked down", B, "live"),
    CheckSpec("security.gdpr", "GDPR obligations met", B, "attest"),
    # 09 Testing
    CheckSpec("testing.coverage", "Test coverage meets the thresholds", B, "file"),
    CheckSpec("testing.unit-and-integration", "Unit and integration suites pass", B, "file"),
    CheckSpec("testing.e2e-continuous", "Continuous end-to-end probe alerted on", B, "live"),
)

CHECKS: dict[str, CheckSpec] = {c.id: c for c in _CHECKS}
SECTIONS_BY_ID: dict[str, SectionSpec] = {s.id: s for s in SECTIONS}


def checks_of(section: str) -> list[CheckSpec]:
    prefix = SECTION_PREFIX[section] + "."
    return [c for c in _CHECKS if c.id.startswith(prefix)]


def section_of(check_id: str) -> str:
    prefix = check_id.split(".", 1)[0]
    for section, p in SECTION_PREFIX.items():
        if p == prefix:
            return section
    raise KeyError(check_id)


def make(
    check_id: str,
    status: Status,
    summary: str,
    evidence: list[Evidence] | tuple[Evidence, ...] = (),
    remediation: str = "",
    **data: object,
) -> Check:
    """Build a check of the catalog; title, section and default severity come from it."""
    spec = CHECKS[check_id]
    return Check(
        id=check_id,
        section=section_of(check_id),
        title=spec.title,
        status=status,
        severity=spec.severity,
        summary=summary,
        evidence=tuple(evidence),
        remediation=remediation,
        data=dict(data),
    )


def error(check_id: str, summary: str, remediation: str = "") -> Check:
    """A check that could not be evaluated; the summary says what and where."""
    return make(check_id, Status.ERROR, summary, remediation=remediation)
