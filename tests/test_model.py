from __future__ import annotations

import pytest
from pydantic import ValidationError

from golive_lib import catalog
from golive_lib.model import Decision, Severity, Status, count_statuses, decide, worst_status


def make(check_id: str, status: Status, severity: Severity | None = None):
    check = catalog.make(check_id, status, "summary")
    return check if severity is None else check.model_copy(update={"severity": severity})


@pytest.mark.parametrize(
    ("status", "severity", "expected"),
    [
        (Status.PASS, Severity.BLOCKING, Decision.GO),
        (Status.FAIL, Severity.BLOCKING, Decision.NO_GO),
        (Status.ERROR, Severity.BLOCKING, Decision.NO_GO),
        (Status.PENDING, Severity.BLOCKING, Decision.NO_GO),
        (Status.WARN, Severity.BLOCKING, Decision.GO),
        (Status.WAIVED, Severity.BLOCKING, Decision.GO),
        (Status.NA, Severity.BLOCKING, Decision.GO),
        (Status.FAIL, Severity.ADVISORY, Decision.GO),
        (Status.ERROR, Severity.ADVISORY, Decision.GO),
        (Status.PENDING, Severity.ADVISORY, Decision.GO),
    ],
    ids=lambda v: str(v),
)
def test_one_check_decides_as_the_rule_says(status, severity, expected):
    others = [make("cicd.unit-tests", Status.PASS)]
    assert decide([*others, make("cicd.docker-build", status, severity)]) is expected


def test_no_checks_at_all_is_go():
    assert decide([]) is Decision.GO


def test_counts_and_worst_status():
    checks = [
        make("cicd.unit-tests", Status.PASS),
        make("cicd.docker-build", Status.FAIL),
        make("cicd.code-lint", Status.WARN),
        make("cicd.image-release", Status.FAIL),
    ]
    counts = count_statuses(checks)
    assert counts["fail"] == 2 and counts["pass"] == 1 and counts["warn"] == 1
    assert set(counts) == {s.value for s in Status}
    assert worst_status(checks) is Status.FAIL
    assert worst_status([]) is None


def test_catalog_make_fills_title_section_and_default_severity():
    check = catalog.make("dr.plan-documented", Status.PASS, "ok")
    assert check.section == "disaster_recovery"
    assert check.title == catalog.CHECKS["dr.plan-documented"].title
    assert check.severity is Severity.BLOCKING
    assert catalog.make("cicd.pinned-dependencies", Status.PASS, "ok").severity is Severity.ADVISORY


def test_catalog_covers_every_section_of_the_checklist():
    for section in catalog.SECTIONS:
        assert catalog.checks_of(section.id), section.id
    assert len(catalog.checks_of("architecture")) == 5
    assert len(catalog.checks_of("cicd")) == 11


def test_checks_are_frozen():
    check = make("cicd.unit-tests", Status.PASS)
    with pytest.raises(ValidationError):
        check.status = Status.FAIL  # type: ignore[misc]


def test_check_decorator_turns_exceptions_into_error_checks():
    from golive_lib.errors import SourceError
    from golive_lib.sections.base import check

    @check("cicd.code-lint")
    def broken_source() -> object:
        raise SourceError(".gitlab-ci.yml", "line 3: mapping values are not allowed")

    @check("cicd.code-lint")
    def bug() -> object:
        raise ZeroDivisionError("division by zero")

    a, b = broken_source(), bug()
    assert a.status is Status.ERROR and ".gitlab-ci.yml: line 3" in a.summary
    assert b.status is Status.ERROR and "ZeroDivisionError" in b.summary and "bug" in b.summary


def test_check_decorator_refuses_unknown_ids():
    from golive_lib.sections.base import check

    with pytest.raises(KeyError):
        check("cicd.no-such-check")
