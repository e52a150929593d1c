"""Attestations: the newest one counts, a stale one counts as missing."""

from __future__ import annotations

from datetime import date

import pytest

from golive_lib import attestations
from golive_lib.errors import ParamsError
from golive_lib.params import load_params

PARAMS = """\
schema_version: 1
service: {name: svc}
repository: repo
attestations:
  - {check: security.gdpr, item: processor-agreements, by: Ann, date: 2025-01-10,
     link: "https://wiki.example/dpa", outcome: all processors signed, max_age_days: 90}
  - {check: security.gdpr, item: processor-agreements, by: Ben, date: 2024-12-01,
     link: "TICKET-1"}
  - {check: security.gdpr, by: Cid, date: 2025-01-01, link: "TICKET-2"}
"""


@pytest.fixture
def params(write_params):
    return load_params(write_params(PARAMS))


def test_the_newest_matching_attestation_counts(params):
    state = attestations.find(
        params, "security.gdpr", "processor-agreements", today=date(2025, 2, 1)
    )
    assert state.attestation is not None and state.attestation.by == "Ann"
    assert state.valid and not state.stale
    assert state.age_days == 22 and state.max_age_days == 90
    ev = attestations.to_evidence(state)
    assert ev[0].location == "https://wiki.example/dpa" and ev[0].link == ev[0].location
    assert "all processors signed" in ev[0].value and "Ann" in ev[0].value


def test_an_attestation_goes_stale_across_dates(params):
    def stale(day: date) -> bool:
        return attestations.find(params, "security.gdpr", "processor-agreements", today=day).stale

    assert [stale(date(2025, 4, 10)), stale(date(2025, 4, 11))] == [False, True]
    state = attestations.find(
        params, "security.gdpr", "processor-agreements", today=date(2025, 4, 11)
    )
    assert not state.valid and "stale" in state.summary
    assert "STALE" in attestations.to_evidence(state)[1].value


def test_the_default_allowed_age_applies_without_max_age_days(params):
    find = attestations.find
    assert not find(params, "security.gdpr", today=date(2026, 1, 1)).stale
    assert find(params, "security.gdpr", today=date(2026, 1, 2)).stale
    assert find(params, "security.gdpr", today=date(2025, 3, 1), default_max_age_days=30).stale


def test_items_are_told_apart_and_a_missing_one_is_said(params):
    state = attestations.find(params, "security.gdpr", "dpia", today=date(2025, 2, 1))
    assert state.attestation is None and not state.valid
    assert "no attestation of security.gdpr (dpia)" in state.summary
    assert attestations.to_evidence(state)[0].value == state.summary
    plain = attestations.find(params, "security.gdpr", today=date(2025, 2, 1))
    assert plain.attestation is not None and plain.attestation.by == "Cid"


def test_an_attestation_of_an_unknown_check_is_refused(write_params):
    text = """\
schema_version: 1
service: {name: svc}
repository: repo
attestations: [{check: security.gdrp, by: a, date: 2025-01-01, link: x}]
"""
    with pytest.raises(ParamsError) as info:
        load_params(write_params(text))
    assert "did you mean 'security.gdpr'" in str(info.value)


def test_an_attestation_needs_who_when_and_where(write_params):
    text = """\
schema_version: 1
service: {name: svc}
repository: repo
attestations: [{check: security.gdpr, by: a}]
"""
    with pytest.raises(ParamsError) as info:
        load_params(write_params(text))
    msg = str(info.value)
    assert "attestations.0.date: required field is missing" in msg
    assert "attestations.0.link: required field is missing" in msg


def test_an_attestation_dated_after_the_review_does_not_count(params):
    only_later = attestations.find(params, "security.gdpr", today=date(2024, 12, 31))
    assert only_later.attestation is not None and only_later.attestation.by == "Cid"
    assert not only_later.valid and only_later.future and not only_later.stale
    assert "after the review date 2024-12-31: does not count" in only_later.summary
    assert "counts as missing" in attestations.to_evidence(only_later)[1].value
    # an earlier attestation of the same item counts instead of the later one
    earlier = attestations.find(
        params, "security.gdpr", "processor-agreements", today=date(2025, 1, 9)
    )
    assert earlier.valid and earlier.attestation is not None and earlier.attestation.by == "Ben"
