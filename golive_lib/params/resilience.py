"""Parameters of the pre-mortem, rollout and disaster-recovery sections: drills."""

from __future__ import annotations

import datetime
import re
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from .base import Strict, to_timedelta
from .security import SqlDatabase


class Scenario(Strict):
    """A failure the team rehearsed on paper: what it is and the playbook that handles it."""

    name: str
    kind: str = Field(description="e.g. impaired-dependency, overload, degraded-mode")
    playbook: str = Field(description="repository path or http(s) URL of the playbook")


class FaultDrill(Strict):
    """A scripted fault: inject, watch the alert fire in Prometheus, recover, watch it resolve."""

    inject: str = Field(
        description="command run in the repository, e.g. python ops/fault.py freeze"
    )
    recover: str = Field(description="command that undoes the fault; it always runs")
    alert: str = Field(description="the alert name expected to fire")
    detect_deadline_s: float = Field(120.0, gt=0, le=3600, description="inject -> firing")
    recover_deadline_s: float = Field(120.0, gt=0, le=3600, description="recover -> resolved")
    command_timeout_s: float = Field(
        60.0, gt=0, le=3600, description="each command is killed after"
    )
    poll_interval_s: float = Field(2.0, gt=0, le=60)
    required_variables: list[str] = Field(
        default_factory=list,
        description="variables that must be set or nothing runs (e.g. the demo stack's control)",
    )


class Premortem(Strict):
    scenarios: list[Scenario] = Field(default_factory=list)
    required_kinds: list[str] = Field(
        default_factory=lambda: ["impaired-dependency", "overload", "degraded-mode"]
    )
    gameday_max_age_days: int = Field(365, gt=0, description="unless the attestation sets its own")
    fault_drill: FaultDrill | None = None
    alert_labels: dict[str, str] = Field(
        default_factory=dict, description="label matchers selecting the service's alerting rules"
    )
    runbook_annotation: str = "runbook_url"


class RolloutPhase(Strict):
    name: str
    accounts: list[str] = Field(default_factory=list, description="accounts added in this phase")


class RollbackDrill(Strict):
    command: str
    timeout_s: float = Field(300.0, gt=0, le=86400)


class Rollout(Strict):
    plan: list[str] = Field(
        default_factory=lambda: ["docs/rollout-plan.md", "ROLLOUT.md"],
        description="candidate paths of the rollout plan, first found wins",
    )
    phases: list[RolloutPhase] = Field(default_factory=list)
    current_phase: str | None = None
    database: SqlDatabase | None = None
    routing_query: str | None = Field(
        None, description="SQL returning ACCOUNT_ID of every account routed to the new pipeline"
    )
    routing_file: str | None = Field(
        None, description="YAML/JSON file: account -> pipeline, or a list of routed accounts"
    )
    new_pipeline: str = Field("snowflake", description="the pipeline value meaning routed")
    backfill_query: str | None = Field(
        None, description="SQL returning ACCOUNT_ID, SOURCE_ROWS, TARGET_ROWS (and/or STATUS)"
    )
    rollback_drill: RollbackDrill | None = None
    rollback_max_age_days: int = Field(365, gt=0)

    @model_validator(mode="after")
    def _phase_known(self) -> Rollout:
        names = [p.name for p in self.phases]
        if self.current_phase is not None and self.current_phase not in names:
            raise ValueError(
                f"current_phase {self.current_phase!r} is not one of the phases {names}"
            )
        return self


class Drill(Strict):
    """A drill golive runs itself (cwd = the service repository, no shell, bounded)."""

    command: str | list[str] = Field(description="e.g. python ops/restore.py --backup ...")
    verify: str | list[str] = Field(
        description="run after the command; exit 0 = the drill's result is right"
    )
    timeout_s: float | None = Field(
        None, gt=0, le=86_400, description="per command; default: the RTO (restore) or 600 s"
    )
    enabled: bool = Field(True, description="false: the attestation stands in")

    @field_validator("command", "verify")
    @classmethod
    def _not_empty(cls, v: str | list[str] | None) -> str | list[str] | None:
        if v is not None and not (v.strip() if isinstance(v, str) else v):
            raise ValueError("must not be empty")
        return v


DR_PLAN_SECTIONS: dict[str, list[str]] = {
    "RTO": [r"\bRTO\b", r"recovery time"],
    "RPO": [r"\bRPO\b", r"recovery point"],
    "backups": [r"backup"],
    "restore steps": [r"restor", r"recover(y)? (steps|procedure)"],
    "contacts": [r"contact", r"escalation", r"who to call"],
}


class DisasterRecovery(Strict):
    plan: str = Field("docs/dr-plan.md", description="the DR plan, in the repository")
    plan_sections: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DR_PLAN_SECTIONS.items()},
        description="required section -> heading regexes (case-insensitive, any matches)",
    )
    rto: datetime.timedelta | None = Field(None, description="recovery time objective, e.g. 1h")
    restore: Drill | None = None
    replay: Drill | None = None
    drill_max_age_days: int = Field(365, gt=0, description="attestations of drills")
    scenario_max_age_days: int = Field(365, gt=0)
    restore_doc: str = Field("docs/restore.md", description="procedure and last result")
    procedure_headings: list[str] = Field(
        default_factory=lambda: [r"procedure", r"steps", r"how to restore"]
    )
    result_headings: list[str] = Field(
        default_factory=lambda: [r"last result", r"results?\b", r"history", r"last restore"]
    )
    result_max_age_days: int = Field(365, gt=0, description="older last results warn")

    @model_validator(mode="after")
    def _rto_for_restore(self) -> DisasterRecovery:
        if self.restore is not None and self.rto is None:
            raise ValueError("a restore drill needs the rto it must finish within (e.g. rto: 1h)")
        return self

    @field_validator("rto", mode="before")
    @classmethod
    def _rto(cls, v: Any) -> Any:
        return to_timedelta(v)

    @field_validator("plan_sections", "procedure_headings", "result_headings")
    @classmethod
    def _regexes(cls, v: Any) -> Any:
        pats = [p for ps in v.values() for p in ps] if isinstance(v, dict) else v
        for p in pats:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"not a regular expression: {p!r}: {e}") from e
        return v
