"""What the parameters file says about checks, applied in one place: severity overrides
and checks declared not applicable (with the reason). The notebook display and the
report builder both call `apply`, so they always agree."""

from __future__ import annotations

from .model import Check, Evidence, Status
from .params import Params


def apply(check: Check, params: Params) -> Check:
    update: dict[str, object] = {}
    severity = params.severity.get(check.id)
    if severity is not None and severity is not check.severity:
        update["severity"] = severity
    reason = params.not_applicable.get(check.id)
    if reason is not None and check.status is not Status.NA:
        update["status"] = Status.NA
        update["summary"] = f"not applicable: {reason}"
        update["evidence"] = (
            Evidence(label="declared not applicable in the parameters", value=reason),
            Evidence(label="evaluated anyway", value=f"{check.status.value}: {check.summary}"),
            *check.evidence,
        )
    return check.model_copy(update=update) if update else check
