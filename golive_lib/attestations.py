"""Attestations: what no system can prove, stated by a person in the parameters file.

A check that needs a human statement (a DPA signed, a game day held) looks it up with
`find(params, check_id, item, today=...)`: the newest matching attestation, and whether
it is stale (older than its own `max_age_days`, else the default). A stale attestation
counts as missing: the check stays `pending`. `to_evidence(state)` is what the check
shows either way, so a reviewer sees who attested, when and where it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import Evidence
from .params import Attestation, Params

DEFAULT_MAX_AGE_DAYS = 365


@dataclass(frozen=True)
class AttestationState:
    attestation: Attestation | None
    stale: bool
    age_days: int | None
    max_age_days: int
    summary: str

    @property
    def valid(self) -> bool:
        """True when an attestation exists and is not stale (it counts)."""
        return self.attestation is not None and not self.stale


def _what(check_id: str, item: str | None) -> str:
    return f"{check_id} ({item})" if item else check_id


def find(
    params: Params,
    check_id: str,
    item: str | None = None,
    *,
    today: date,
    default_max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> AttestationState:
    """The newest attestation of ``check_id`` (and ``item``, when given) and its state."""
    matching = [a for a in params.attestations if a.check == check_id and a.item == item]
    what = _what(check_id, item)
    if not matching:
        return AttestationState(
            attestation=None,
            stale=False,
            age_days=None,
            max_age_days=default_max_age_days,
            summary=f"no attestation of {what} in the parameters",
        )
    newest = max(matching, key=lambda a: a.date)
    max_age = newest.max_age_days or default_max_age_days
    age = (today - newest.date).days
    if age < 0:
        summary = (
            f"attested by {newest.by} on {newest.date.isoformat()}, after the review date "
            f"{today.isoformat()}"
        )
        return AttestationState(newest, False, age, max_age, summary)
    stale = age > max_age
    summary = f"attested by {newest.by} on {newest.date.isoformat()}, {age} days ago" + (
        f": stale, older than {max_age} days; attest it again" if stale else ""
    )
    return AttestationState(newest, stale, age, max_age, summary)


def to_evidence(state: AttestationState) -> list[Evidence]:
    """The evidence a check shows for its attestation (or for its absence)."""
    a = state.attestation
    if a is None:
        return [Evidence(label="attestation", value=state.summary)]
    value = f"{a.by} on {a.date.isoformat()}"
    if a.outcome:
        value += f": {a.outcome}"
    evidence = [
        Evidence(
            label=f"attestation of {_what(a.check, a.item)}",
            value=value,
            location=a.link,
            link=a.link if a.link.startswith(("http://", "https://")) else None,
        ),
        Evidence(
            label="attestation age",
            value=(
                f"{state.age_days} days (allowed {state.max_age_days})"
                + ("; STALE: counts as missing" if state.stale else "")
            ),
        ),
    ]
    return evidence
