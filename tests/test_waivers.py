"""Waivers: applied on the review date, expire, never silent, never without an expiry."""

from __future__ import annotations

from datetime import date

import pytest

from golive_lib import catalog
from golive_lib.errors import ParamsError
from golive_lib.model import Evidence, Status, decide
from golive_lib.params import load_params
from golive_lib.policy import apply

BASE = """\
schema_version: 1
service: {name: svc}
repository: repo
"""

WAIVERS = (
    BASE
    + """\
waivers:
  - check: cicd.deploy-environments
    reason: production deploys by the platform pipeline until Q3
    approver: Jane Doe (VP Eng)
    expires: 2026-06-30
  - check: "architecture.*"
    reason: architecture docs move to the wiki
    approver: Bob
    expires: 2026-01-31
not_applicable:
  cicd.image-release: released elsewhere
"""
)


def failing(check_id: str, status: Status = Status.FAIL):
    return catalog.make(check_id, status, "it failed", [Evidence(label="found", value="x")])


@pytest.fixture
def params(write_params):
    return load_params(write_params(WAIVERS))


def test_a_waived_check_shows_the_waiver_and_keeps_what_was_found(params):
    original = failing("cicd.deploy-environments")
    assert decide([original]).value == "no-go"
    check = apply(original, params, today=date(2026, 6, 30))  # the expiry day still counts
    assert check.status is Status.WAIVED and not check.blocks
    assert decide([check]).value == "go"
    assert check.evidence[0].label == "waived"
    assert "Jane Doe" in check.evidence[0].value and "2026-06-30" in check.evidence[0].value
    assert check.evidence[1].value == "fail: it failed"
    assert check.evidence[-1] == Evidence(label="found", value="x")
    assert check.data["waived_status"] == "fail"
    assert check.data["waiver"]["approver"] == "Jane Doe (VP Eng)"


def test_an_expired_waiver_no_longer_applies_and_says_so(params):
    check = apply(failing("cicd.deploy-environments"), params, today=date(2026, 7, 1))
    assert check.status is Status.FAIL and check.blocks
    assert "waiver expired on 2026-06-30" in check.evidence[0].value
    assert check.data["waiver_expired"]["expires"] == "2026-06-30"


def test_the_same_waiver_across_dates(params):
    seen = [
        apply(failing("architecture.doc-present", Status.ERROR), params, today=d).status
        for d in (date(2025, 12, 1), date(2026, 1, 31), date(2026, 2, 1))
    ]
    assert seen == [Status.WAIVED, Status.WAIVED, Status.ERROR]


@pytest.mark.parametrize("status", [Status.FAIL, Status.ERROR, Status.PENDING, Status.WARN])
def test_every_finding_status_can_be_waived(params, status):
    check = apply(failing("architecture.diagram", status), params, today=date(2026, 1, 1))
    assert check.status is Status.WAIVED and check.data["waived_status"] == status.value


@pytest.mark.parametrize("status", [Status.PASS, Status.NA])
def test_a_pass_or_na_is_not_waived(params, status):
    check = failing("architecture.diagram", status)
    assert apply(check, params, today=date(2026, 1, 1)) is check


def test_not_applicable_wins_over_a_glob_waiver(write_params):
    params = load_params(
        write_params(
            BASE
            + "waivers: [{check: 'cicd.*', reason: r, approver: a, expires: 2030-01-01}]\n"
            + "not_applicable: {cicd.image-release: released elsewhere}\n"
        )
    )
    check = apply(failing("cicd.image-release"), params, today=date(2026, 1, 1))
    assert check.status is Status.NA
    other = apply(failing("cicd.code-lint"), params, today=date(2026, 1, 1))
    assert other.status is Status.WAIVED


def problems(path) -> str:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return "\n".join(info.value.problems)


def test_a_waiver_without_expiry_is_refused(write_params):
    msg = problems(
        write_params(BASE + "waivers: [{check: cicd.code-lint, reason: r, approver: a}]\n")
    )
    assert "waivers.0.expires: required field is missing" in msg


def test_a_waiver_of_an_unknown_check_is_reported(write_params):
    msg = problems(
        write_params(
            BASE
            + "waivers: [{check: cicd.code-lnt, reason: r, approver: a, expires: 2030-01-01}]\n"
        )
    )
    assert "unknown check id 'cicd.code-lnt'" in msg and "cicd.code-lint" in msg


def test_a_glob_matching_nothing_is_reported(write_params):
    msg = problems(
        write_params(
            BASE + "waivers: [{check: 'cicdx.*', reason: r, approver: a, expires: 2030-01-01}]\n"
        )
    )
    assert "matches no check id" in msg


def test_a_waiver_needs_an_approver_and_a_reason(write_params):
    msg = problems(
        write_params(
            BASE
            + "waivers: [{check: cicd.code-lint, reason: ' ', approver: a, expires: 2030-01-01}]\n"
        )
    )
    assert "waivers.0.reason: must not be empty" in msg


def test_a_bad_expiry_date_is_refused(write_params):
    msg = problems(
        write_params(
            BASE + "waivers: [{check: cicd.code-lint, reason: r, approver: a, expires: soon}]\n"
        )
    )
    assert "waivers.0.expires" in msg
