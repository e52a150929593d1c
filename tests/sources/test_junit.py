"""JUnit XML from Surefire, Failsafe, Jest and pytest, and unit/integration classification."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import junit

DATA = Path(__file__).resolve().parents[1] / "data" / "testing"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ingest-api" / "results" / "junit"


def test_surefire_suite_counts_skips() -> None:
    [s] = junit.parse(DATA / "surefire-unit.xml")
    assert (s.name, s.tests, s.failures, s.errors, s.skipped, s.ran) == (
        "com.acme.orders.OrderServiceTest",
        4,
        0,
        0,
        1,
        3,
    )
    assert s.ok


def test_failsafe_failures_and_errors_are_named() -> None:
    [s] = junit.parse(DATA / "failsafe-it-failing.xml")
    assert (s.failures, s.errors, s.ok) == (1, 1, False)
    assert s.failed == (
        "com.acme.orders.OrderRepositoryIT.enforcesUniqueReference: expected: <409> but was: <500>",
        "com.acme.orders.OrderRepositoryIT.migratesSchema: Connection refused: "
        "localhost/127.0.0.1:5432",
    )


def test_nested_testsuites_give_each_leaf_suite() -> None:
    suites = junit.parse(DATA / "pytest-nested.xml", "results/jest.xml")
    assert [(s.name, s.tests) for s in suites] == [
        ("integration/api.test.ts", 2),
        ("cart.test.ts", 1),
    ]
    assert all(s.file == "results/jest.xml" for s in suites)


@pytest.mark.parametrize(
    ("file", "label", "kind"),
    [
        ("surefire-unit.xml", "target/surefire-reports/TEST-x.xml", None),
        ("failsafe-it-failing.xml", "target/failsafe-reports/TEST-x.xml", "integration"),
    ],
)
def test_classification_by_name_file_or_classnames(file: str, label: str, kind: str | None) -> None:
    [s] = junit.parse(DATA / file, label)
    assert junit.classify(s, ["*unit*"], ["*IT", "*failsafe*"]) == kind


def test_classification_falls_back_to_class_names() -> None:
    _, cart = junit.parse(DATA / "pytest-nested.xml", "results/jest.xml")
    assert junit.classify(cart, ["tests.unit.*"], ["*integration*"]) == "unit"


def test_the_example_results_are_one_unit_and_one_integration_suite() -> None:
    kinds = {
        junit.classify(s, ["*unit*"], ["*integration*"]): s.tests
        for f in ("unit.xml", "integration.xml")
        for s in junit.parse(EXAMPLE / f, f"results/junit/{f}")
    }
    assert set(kinds) == {"unit", "integration"} and all(kinds.values())


def test_malformed_xml_names_file_and_position() -> None:
    with pytest.raises(SourceError) as e:
        junit.parse(DATA / "junit-malformed.xml")
    assert e.value.source.endswith("junit-malformed.xml")
    assert "malformed XML at line 5, column" in e.value.message


def test_not_junit_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "x.xml"
    p.write_text("<coverage/>")
    with pytest.raises(SourceError, match="not JUnit XML"):
        junit.parse(p)
