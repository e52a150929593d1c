"""The check model (docs/reports.md): what every section produces and every report reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    WAIVED = "waived"
    PENDING = "pending"  # needs a human attestation that is missing
    ERROR = "error"  # could not be evaluated; the summary says which source and why
    NA = "n/a"


class Severity(StrEnum):
    BLOCKING = "blocking"
    ADVISORY = "advisory"


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no-go"


# Statuses of a blocking check that make the decision no-go.
BLOCKING_STATUSES = frozenset({Status.FAIL, Status.ERROR, Status.PENDING})

# Order used when sorting and when picking the "worst" status.
STATUS_ORDER = (
    Status.ERROR,
    Status.FAIL,
    Status.PENDING,
    Status.WARN,
    Status.WAIVED,
    Status.PASS,
    Status.NA,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Frozen):
    """One piece of evidence: what was looked at and what was found.

    ``location`` is ``path:line`` inside the service repository, a PromQL query or a URL.
    """

    label: str
    value: str = ""
    location: str | None = None
    link: str | None = None


class Check(_Frozen):
    id: str  # "<section>.<name>", stable, as in golive_lib.catalog
    section: str
    title: str
    status: Status
    severity: Severity
    summary: str
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    data: dict[str, Any] = Field(default_factory=dict)  # machine-readable extras

    @property
    def blocks(self) -> bool:
        """True when this check alone makes the decision no-go."""
        return self.severity is Severity.BLOCKING and self.status in BLOCKING_STATUSES


class SectionResult(_Frozen):
    """The checks one section notebook produced, and how its execution went."""

    section: str
    title: str
    notebook: str
    checks: tuple[Check, ...]
    execution_error: str | None = None  # the cell error, when the notebook raised
    duration_s: float = 0.0


def decide(checks: Iterable[Check]) -> Decision:
    """Go only when no blocking check is fail, error or pending."""
    return Decision.NO_GO if any(c.blocks for c in checks) else Decision.GO


def count_statuses(checks: Iterable[Check]) -> dict[str, int]:
    counts = Counter(c.status for c in checks)
    return {s.value: counts.get(s, 0) for s in STATUS_ORDER}


def worst_status(checks: Iterable[Check]) -> Status | None:
    present = {c.status for c in checks}
    for status in STATUS_ORDER:
        if status in present:
            return status
    return None
