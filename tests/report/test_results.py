"""results.json, junit.xml and index.html built from checks: pure functions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from conftest import assert_valid_results

from golive_lib import catalog
from golive_lib.model import Evidence, SectionResult, Status
from golive_lib.report import index, results

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def doc_with(statuses: dict[str, Status], summary: str = "summary") -> dict:
    checks = tuple(
        catalog.make(
            cid,
            status,
            summary,
            [Evidence(label="file", value=summary, location="ci.yml:3")],
            "do this",
        )
        for cid, status in statuses.items()
    )
    section = SectionResult(
        section="cicd", title="CI/CD", notebook="02_cicd.ipynb", checks=checks, duration_s=1.5
    )
    return results.build_results(
        service="svc",
        run_date=date(2026, 5, 6),
        generated_at=datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC),
        params_file="svc.yaml",
        params_sha256="0" * 64,
        sections=[section],
        rendered={"cicd": "02_cicd.html"},
    )


def test_results_document_follows_the_schema_and_decides():
    doc = doc_with({"cicd.docker-build": Status.FAIL, "cicd.code-lint": Status.PASS})
    assert_valid_results(doc)
    assert doc["decision"] == "no-go"
    assert doc["blocking"] == ["cicd.docker-build"]
    assert doc["counts"]["fail"] == 1 and doc["counts"]["pass"] == 1
    assert doc["sections"][0]["counts"]["fail"] == 1
    assert results.load_checks(doc)[0].id == "cicd.docker-build"


def test_an_advisory_failure_does_not_block():
    doc = doc_with({"cicd.pinned-dependencies": Status.FAIL, "cicd.code-lint": Status.PASS})
    assert doc["decision"] == "go" and doc["blocking"] == []


@pytest.mark.parametrize(
    ("status", "element"),
    [
        (Status.FAIL, "failure"),
        (Status.PENDING, "failure"),
        (Status.ERROR, "error"),
        (Status.NA, "skipped"),
        (Status.WAIVED, "skipped"),
        (Status.PASS, "system-out"),
        (Status.WARN, "system-out"),
    ],
)
def test_junit_maps_each_status(status, element):
    root = ET.fromstring(results.build_junit(doc_with({"cicd.docker-build": status})))
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "cicd.docker-build"
    assert case.find(element) is not None
    suite = root.find("testsuite")
    expected = {"failure": "failures", "error": "errors", "skipped": "skipped"}.get(element)
    if expected:
        assert suite.get(expected) == "1" and root.get(expected) == "1"


def test_junit_escapes_outside_text():
    xml = results.build_junit(doc_with({"cicd.docker-build": Status.FAIL}, PAYLOAD))
    root = ET.fromstring(xml)  # still well-formed
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and PAYLOAD in (failure.text or "")


def test_index_escapes_outside_text_and_shows_the_decision():
    page = index.render(doc_with({"cicd.docker-build": Status.FAIL}, PAYLOAD))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "NO-GO" in page and 'href="02_cicd.html"' in page


def test_the_index_timeline_shows_the_latest_runs_of_a_long_history():
    day = date(2026, 1, 1).toordinal()
    history = [
        {
            "folder": date.fromordinal(day + i).isoformat(),
            "date": date.fromordinal(day + i).isoformat(),
            "decision": "go",
            "counts": {"pass": 10, "fail": i % 2},
        }
        for i in range(40)
    ]
    doc = {"service": "nightly", "date": "2026-02-10", "decision": "no-go", "counts": {"fail": 2}}
    page = index.timeline_html({**doc, "history": history})
    assert page.count("<tr><td>") == index.TIMELINE_RUNS
    assert "2026-02-10 (this run)" in page and history[-29]["folder"] in page
    assert history[-30]["folder"] not in page and history[0]["folder"] not in page
    assert f"The latest {index.TIMELINE_RUNS} of 41 runs" in page
    assert "golive history nightly" in page
    short = index.timeline_html({**doc, "history": history[:3]})
    assert short.count("<tr><td>") == 4 and "The latest" not in short
