"""End to end: `golive run` on the bundled example service, through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from conftest import EXAMPLE_PARAMS, EXAMPLE_REPO, ROOT, assert_valid_results

from golive_lib import catalog
from golive_lib.params import load_params


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("reports")
    result = subprocess.run(
        [sys.executable, "-m", "golive_lib", "run", str(EXAMPLE_PARAMS), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "EXAMPLE_SECRET_TOKEN": "s3cr3t-value-never-written"},
    )
    folder = Path(result.stdout.strip().splitlines()[-1])
    return folder, result


def test_the_dated_folder_holds_every_file(report):
    folder, result = report
    assert result.returncode == 1, result.stderr  # the example is a no-go on purpose
    assert "unknown parameter" not in result.stderr  # only declared parameters are injected
    assert folder.parent.name == "ingest-api"
    names = {p.name for p in folder.iterdir()}
    for spec in [catalog.SUMMARY, *catalog.SECTIONS[:2]]:
        assert spec.notebook in names and spec.notebook.replace(".ipynb", ".html") in names
    assert {"index.html", "report.html", "results.json", "junit.xml"} <= names
    assert not any(n.startswith(".tmp") for n in os.listdir(folder.parent))


def test_results_list_every_architecture_and_cicd_check(report):
    folder, _ = report
    doc = json.loads((folder / "results.json").read_text())
    assert_valid_results(doc)
    ids = [c["id"] for c in doc["checks"]]
    present = [s.id for s in catalog.SECTIONS if (ROOT / "notebooks" / s.notebook).is_file()]
    expected = [c.id for section in present for c in catalog.checks_of(section)]
    assert ids == expected
    statuses = {c["status"] for c in doc["checks"]}
    assert {"pass", "fail", "error", "n/a"} <= statuses  # the demo shows every status
    by_id = {c["id"]: c for c in doc["checks"]}
    pinned = by_id["cicd.pinned-dependencies"]  # a warn, waived in the parameters until 2027
    [waiver] = [w for w in load_params(EXAMPLE_PARAMS).waivers if w.check == pinned["id"]]
    if date.fromisoformat(doc["date"]) <= waiver.expires:  # the review's date, not a fixed one
        assert "waived" in statuses
        assert pinned["status"] == "waived" and pinned["data"]["waived_status"] == "warn"
        assert pinned["evidence"][0]["label"] == "waived"
        assert doc["waivers"][0]["waived"] == ["cicd.pinned-dependencies"]
    else:  # past its expiry the warn shows again and the waiver is reported expired
        assert pinned["status"] == "warn"
        assert doc["waivers"][0]["expired"] is True and doc["waivers"][0]["waived"] == []
    assert doc["signoff"]["required_roles"] == ["service-owner", "sre"]
    assert doc["decision"] == "no-go" and "cicd.deploy-environments" in doc["blocking"]
    by_id = {c["id"]: c for c in doc["checks"]}
    broken = by_id["architecture.links-resolve"]
    assert broken["status"] == "fail" and broken["severity"] == "advisory"
    assert any(
        e["location"].startswith("docs/architecture.md:")
        for e in broken["evidence"]
        if e["location"]
    )
    assert "Dockerfile.backfill" in by_id["cicd.dockerfile-clean"]["summary"]


def test_junit_has_one_testcase_per_check(report):
    folder, _ = report
    root = ET.parse(folder / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    doc = json.loads((folder / "results.json").read_text())
    assert len(cases) == len(doc["checks"])
    assert int(root.get("failures", 0)) == sum(
        c["status"] in ("fail", "pending") for c in doc["checks"]
    )
    assert int(root.get("errors", 0)) == sum(c["status"] == "error" for c in doc["checks"])


def test_index_and_report_show_the_decision_and_the_checks(report):
    folder, _ = report
    index = (folder / "index.html").read_text()
    assert "NO-GO" in index and "cicd.deploy-environments" in index
    page = (folder / "report.html").read_text()
    assert page.count("plotly.js v") == 1
    assert "<script src=" not in page.replace('<script src="data:', "")
    for spec in catalog.checks_of("architecture") + catalog.checks_of("cicd"):
        assert spec.id in page
    assert "Why:" in page  # the narrative is kept, the code is hidden
    assert "review.show(" not in page


def test_no_secret_from_the_environment_reaches_any_file(report):
    folder, _ = report
    for path in folder.iterdir():
        assert b"s3cr3t-value-never-written" not in path.read_bytes(), path.name


def test_a_malformed_pipeline_file_is_an_error_result_not_bad_input(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE_REPO, repo)
    workflow = repo / ".github" / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text() + "\n  broken: [unclosed\n")
    params = EXAMPLE_PARAMS.read_text().replace("../examples/ingest-api", "repo")
    (tmp_path / "p.yaml").write_text(params)
    result = subprocess.run(
        [sys.executable, "-m", "golive_lib", "run", "p.yaml", "--out", "r", "--sections", "cicd"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    folder = Path(result.stdout.strip().splitlines()[-1])
    doc = json.loads((folder / "results.json").read_text())
    assert_valid_results(doc)
    by_id = {c["id"]: c for c in doc["checks"]}
    present = by_id["cicd.pipeline-present"]
    assert present["status"] == "error"
    assert ".github/workflows/ci.yml" in present["summary"] and "line" in present["summary"]
    assert len(doc["checks"]) == len(catalog.checks_of("cicd"))
    assert (folder / "report.html").is_file() and (folder / "index.html").is_file()


def test_without_the_demo_stack_the_live_observability_checks_are_errors(report):
    folder, _ = report
    doc = json.loads((folder / "results.json").read_text())
    by_id = {c["id"]: c for c in doc["checks"]}
    compliance = by_id["observability.slo-compliance"]
    assert compliance["status"] == "error" and "unreachable" in compliance["summary"]
    assert by_id["observability.dashboards"]["status"] == "pass"
