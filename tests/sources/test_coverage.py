"""Coverage reports in each format, read from realistic files (tests/data/testing/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import coverage

DATA = Path(__file__).resolve().parents[1] / "data" / "testing"


@pytest.mark.parametrize(
    ("name", "fmt", "lines", "branches"),
    [
        ("cobertura-branches.xml", "cobertura", (15, 20), (6, 8)),
        ("jacoco.xml", "jacoco", (24, 34), (5, 8)),
        ("lcov.info", "lcov", (6, 8), (2, 4)),
        ("lcov-no-totals.info", "lcov", (3, 4), (0, 0)),
    ],
)
def test_each_format_gives_its_totals(name: str, fmt: str, lines: tuple, branches: tuple) -> None:
    got = coverage.parse(DATA / name)
    assert got.format == fmt
    assert (got.lines_covered, got.lines_valid) == lines
    assert (got.branches_covered, got.branches_valid) == branches


@pytest.mark.parametrize(
    "name", ["cobertura-no-branches.xml", "jacoco-no-branches.xml", "lcov-no-totals.info"]
)
def test_no_branches_measured_is_not_measured_rather_than_zero(name: str) -> None:
    got = coverage.parse(DATA / name)
    assert got.branch_rate is None
    assert got.line_rate is not None and got.line_rate > 0


def test_per_file_coverage_is_kept_for_the_least_covered_list() -> None:
    got = coverage.parse(DATA / "cobertura-branches.xml")
    rates = {f.name: f.line_rate for f in got.files}
    assert rates == {"billing/invoice.py": pytest.approx(0.9), "billing/tax.py": pytest.approx(0.6)}
    jac = coverage.parse(DATA / "jacoco.xml")
    assert {f.name for f in jac.files} == {
        "com/acme/orders/OrderService.java",
        "com/acme/orders/Money.java",
    }


def test_the_example_service_report_is_read() -> None:
    repo = Path(__file__).resolve().parents[2] / "examples" / "ingest-api"
    got = coverage.parse(repo / "results" / "coverage" / "coverage.xml")
    assert got.line_rate == pytest.approx(576 / 636)
    assert got.branch_rate == pytest.approx(103 / 116)


def test_combining_reports_adds_the_counts() -> None:
    both = coverage.combine(
        [coverage.parse(DATA / "jacoco.xml"), coverage.parse(DATA / "lcov.info")]
    )
    assert both is not None
    assert (both.lines_covered, both.lines_valid) == (30, 42)
    assert coverage.combine([]) is None


def test_malformed_xml_names_the_file_and_position() -> None:
    with pytest.raises(SourceError) as e:
        coverage.parse(DATA / "cobertura-truncated.xml")
    assert "cobertura-truncated.xml" in e.value.source
    assert e.value.message == "malformed XML at line 9, column 6: unclosed token"


def test_a_bad_lcov_record_names_its_line() -> None:
    with pytest.raises(SourceError, match=r"line 3: LF 'oops' is not a number"):
        coverage.parse(DATA / "lcov-bad.info")


def test_missing_and_unknown_files_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        coverage.parse(tmp_path / "nope.xml")
    other = tmp_path / "other.xml"
    other.write_text("<html><body/></html>")
    with pytest.raises(SourceError, match="not a Cobertura, JaCoCo or LCOV"):
        coverage.parse(other)
    with pytest.raises(SourceError, match=r"not a JaCoCo report \(root element <html>\)"):
        coverage.parse(other, "jacoco")


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE coverage [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><coverage lines-valid="&b;"/>'
    )
    with pytest.raises(SourceError, match="refused XML"):
        coverage.parse(bomb, "cobertura")
