"""What the parameters file says about checks, applied in one place: severity overrides,
checks declared not applicable (with the reason) and waivers (with their expiry). The
notebook display and the report builder both call `apply`, so they always agree."""

from __future__ import annotations

from datetime import date

from .model import Check, Evidence, Status
from .params import Params, Waiver

# Only a finding can be waived: a pass, n/a or already waived check is left alone.
WAIVABLE = frozenset({Status.FAIL, Status.ERROR, Status.PENDING, Status.WARN})


def waivers_for(check_id: str, params: Params) -> list[Waiver]:
    """The waivers whose id or glob matches ``check_id``, exact ids first."""
    found = [w for w in params.waivers if w.matches(check_id)]
    return sorted(found, key=lambda w: (w.check != check_id, -w.expires.toordinal()))


def active_waiver(check_id: str, params: Params, today: date) -> Waiver | None:
    """The waiver that applies on ``today`` (it expires at the end of its expiry day)."""
    return next((w for w in waivers_for(check_id, params) if today <= w.expires), None)


def waiver_evidence(waiver: Waiver) -> Evidence:
    return Evidence(
        label="waived",
        value=f"by {waiver.approver} until {waiver.expires.isoformat()}: {waiver.reason}",
        location=f"waivers: {waiver.check}",
    )


def _waive(check: Check, params: Params, today: date) -> dict[str, object]:
    if check.status not in WAIVABLE:
        return {}
    matching = waivers_for(check.id, params)
    if not matching:
        return {}
    waiver = active_waiver(check.id, params, today)
    if waiver is None:
        expired = max(matching, key=lambda w: w.expires)
        note = (
            f"waiver expired on {expired.expires.isoformat()} (approved by {expired.approver}: "
            f"{expired.reason}); renew it or fix the finding"
        )
        return {
            "evidence": (Evidence(label="waiver expired", value=note), *check.evidence),
            "data": {
                **check.data,
                "waiver_expired": {
                    "check": expired.check,
                    "approver": expired.approver,
                    "reason": expired.reason,
                    "expires": expired.expires.isoformat(),
                },
            },
        }
    return {
        "status": Status.WAIVED,
        "summary": f"waived until {waiver.expires.isoformat()}: {check.summary}",
        "evidence": (
            waiver_evidence(waiver),
            Evidence(label="evaluated", value=f"{check.status.value}: {check.summary}"),
            *check.evidence,
        ),
        "data": {
            **check.data,
            "waived_status": check.status.value,
            "waiver": {
                "check": waiver.check,
                "approver": waiver.approver,
                "reason": waiver.reason,
                "expires": waiver.expires.isoformat(),
            },
        },
    }


def apply(check: Check, params: Params, today: date | None = None) -> Check:
    """The check as the parameters file has it on ``today`` (the review date).

    ``today`` decides whether a waiver still applies; None means the machine's date
    (notebooks and the report builder always pass the review date).
    """
    today = today or date.today()
    update: dict[str, object] = {}
    severity = params.severity.get(check.id)
    if severity is not None and severity is not check.severity:
        update["severity"] = severity
    reason = params.not_applicable.get(check.id)
    if reason is not None:
        # the declared reason is the one shown, also when the check found itself n/a
        update["status"] = Status.NA
        update["summary"] = f"not applicable: {reason}"
        update["evidence"] = (
            Evidence(label="declared not applicable in the parameters", value=reason),
            Evidence(label="evaluated anyway", value=f"{check.status.value}: {check.summary}"),
            *check.evidence,
        )
    else:
        update.update(_waive(check, params, today))
    return check.model_copy(update=update) if update else check
