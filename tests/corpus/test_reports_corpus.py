"""Every file of the reports corpus (tests/corpus/reports/) read by golive against its truth.

Each truth was computed by the producing tool or by hand (the expected file's ``about``
says which), never by golive. One parametrized test: a difference fails it, and a false
pass is named as one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "reports"))

import conformance  # noqa: E402

CASES = conformance.cases()


def test_the_corpus_spans_every_format_with_at_least_80_files() -> None:
    kinds = {c.report.parent.name for c in CASES}
    assert len(CASES) >= 80
    assert kinds >= {
        "sarif", "trivy", "grype", "osv-scanner", "pip-audit", "cyclonedx",
        "cobertura", "jacoco", "lcov", "junit", "locust", "k6", "jmeter",
    }  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golive_reads_the_file_as_its_truth_says(case: conformance.Case) -> None:
    outcome = conformance.check(case)
    assert outcome.error is None, f"{case.name}: could not be read: {outcome.error}"
    assert not outcome.false_passes, f"{case.name}: FALSE PASS: {outcome.false_passes}"
    assert outcome.agrees, f"{case.name}: {outcome.differences}"
