"""Attestations: what no system can prove, stated by a person.

Two kinds: *signed* (`golive attest`: an in-toto Statement signed with the person's SSH
key, kept in the service's repository and verified against the trusted signers, see
`signed_attestations`) and *claimed* (written in the parameters file: anyone who can edit
it can write one). Claimed ones count only while ``signoff.unsigned_attestations`` is
true (the default). A check that needs a human statement (a DPA signed, a game day held)
looks it up with `find(params, check_id, item, today=...)`: the newest matching
attestation (signed wins a tie), and whether it is stale (older than its own
`max_age_days`, else the default). A stale attestation counts as missing: the check stays
`pending`. `to_evidence(state)` is what the check shows either way: "signed by" or
"claimed by", when, and where it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import signed_attestations
from .errors import GoliveError
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
    signed: bool = False  # verified signature (golive attest), not merely claimed
    future: bool = False  # dated after the review date: not evidence on that date

    @property
    def valid(self) -> bool:
        """True when an attestation exists, is not stale and not dated after the review
        (it counts)."""
        return self.attestation is not None and not self.stale and not self.future


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
    claimed = [a for a in params.attestations if a.check == check_id and a.item == item]
    what = _what(check_id, item)
    try:
        signed_all = [
            s for s in signed_attestations.read(params)
            if s.attestation.check == check_id and s.attestation.item == item
        ]  # fmt: skip
        unreadable = ""
    except (GoliveError, OSError) as exc:
        signed_all, unreadable = [], f"; signed attestations unreadable: {exc}"
    signed = [s.attestation for s in signed_all if s.verified]
    rejected = [s for s in signed_all if not s.verified]
    note = unreadable + "".join(
        f"; a signed attestation by {s.attestation.by} does not count: {'; '.join(s.reasons)}"
        for s in rejected
    )
    allowed = claimed if params.signoff.unsigned_attestations else []
    matching = [(a, True) for a in signed] + [(a, False) for a in allowed]
    if not matching:
        if claimed:
            last = max(claimed, key=lambda a: a.date)
            summary = (
                f"{what} is only claimed by {last.by} on {last.date.isoformat()} in the "
                "parameters; signoff.unsigned_attestations is false: sign it with golive attest"
            )
        else:
            summary = f"no attestation of {what} in the parameters nor signed"
        return AttestationState(
            attestation=None,
            stale=False,
            age_days=None,
            max_age_days=default_max_age_days,
            summary=summary + note,
        )
    past = [m for m in matching if m[0].date <= today]  # a later one is no evidence yet
    newest, is_signed = max(past or matching, key=lambda m: (m[0].date, m[1]))
    verb = "signed" if is_signed else "claimed"
    max_age = newest.max_age_days or default_max_age_days
    age = (today - newest.date).days
    if age < 0:
        summary = (
            f"{verb} by {newest.by} on {newest.date.isoformat()}, after the review date "
            f"{today.isoformat()}: does not count until that date"
        )
        return AttestationState(newest, False, age, max_age, summary + note, is_signed, True)
    stale = age > max_age
    summary = f"{verb} by {newest.by} on {newest.date.isoformat()}, {age} days ago" + (
        f": stale, older than {max_age} days; attest it again" if stale else ""
    )
    return AttestationState(newest, stale, age, max_age, summary + note, is_signed)


def to_evidence(state: AttestationState) -> list[Evidence]:
    """The evidence a check shows for its attestation (or for its absence)."""
    a = state.attestation
    if a is None:
        return [Evidence(label="attestation", value=state.summary)]
    how = "signed (golive attest)" if state.signed else "claimed in the parameters"
    value = f"{how} by {a.by} on {a.date.isoformat()}"
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
                + ("; dated after the review: counts as missing" if state.future else "")
            ),
        ),
    ]
    return evidence
