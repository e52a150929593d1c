"""09 Testing: coverage and JUnit files of the example and of realistic samples, and the
continuous e2e probe against the real demo stack (blackbox exporter + Prometheus)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from golive_lib.demo.processes import free_port
from golive_lib.model import Check, Status
from golive_lib.params import Params, load_params
from golive_lib.sections import testing

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PARAMS = ROOT / "parameters" / "ingest-api.yaml"
EXAMPLE_REPO = ROOT / "examples" / "ingest-api"
DATA = ROOT / "tests" / "data" / "testing"


def params_with(tmp_path: Path, prometheus: str | None = None, **over: Any) -> Params:
    data = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    data["repository"] = str(over.pop("repository", EXAMPLE_REPO))
    data["testing"] = {**data["testing"], **over}
    if prometheus is not None:
        data["observability"]["prometheus"] = {"url": prometheus, "timeout_s": 5}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_params(path)


def repo_of(tmp_path: Path, *files: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "results").mkdir(parents=True)
    for f in files:
        shutil.copy(DATA / f, repo / "results" / f)
    return repo


def checks(params: Params) -> dict[str, Check]:
    ev = testing.collect(params)
    return {c.id.removeprefix("testing."): c for c in (fn(ev, params) for fn in testing.CHECKS)}


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_the_example_files_pass_and_e2e_is_an_error_without_prometheus(tmp_path: Path) -> None:
    url = closed_port_url()
    got = checks(params_with(tmp_path, url))
    assert got["coverage"].status is Status.PASS
    assert got["coverage"].summary == "lines 90.6%, branches 88.8%"
    assert got["unit-and-integration"].status is Status.PASS
    assert got["unit-and-integration"].summary == (
        "unit: 109 tests, integration: 7 tests, no failures"
    )
    e2e = got["e2e-continuous"]
    assert e2e.status is Status.ERROR and url in e2e.summary and "unreachable" in e2e.summary


def test_coverage_below_the_thresholds_fails_with_the_least_covered_files(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, "cobertura-branches.xml")
    c = checks(
        params_with(
            tmp_path,
            repository=repo,
            coverage=[{"path": "results/*.xml"}],
            line_threshold=0.8,
            branch_threshold=0.8,
        )
    )["coverage"]
    assert c.status is Status.FAIL
    assert c.summary == "line coverage 75.0% < 80%; branch coverage 75.0% < 80%"
    assert "billing/tax.py 60.0%" in str(c.evidence)


def test_jacoco_and_lcov_reports_are_combined(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, "jacoco.xml", "lcov.info")
    c = checks(
        params_with(
            tmp_path,
            repository=repo,
            coverage=[{"path": "results/jacoco.xml"}, {"path": "results/lcov.info"}],
            line_threshold=0.7,
            branch_threshold=0.5,
        )
    )["coverage"]
    assert c.status is Status.PASS
    assert c.data["line_rate"] == pytest.approx(30 / 42)
    assert c.data["branch_rate"] == pytest.approx(7 / 12)


def test_no_branches_measured_warns_and_never_reads_as_zero(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, "cobertura-no-branches.xml")
    c = checks(params_with(tmp_path, repository=repo, coverage=[{"path": "results/*.xml"}]))[
        "coverage"
    ]
    assert c.status is Status.WARN
    assert "branches not measured" in c.summary and "branches 0" not in c.summary
    assert c.data["branch_rate"] is None


def test_a_malformed_report_is_an_error_naming_file_and_position(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, "cobertura-truncated.xml", "junit-malformed.xml")
    got = checks(
        params_with(
            tmp_path,
            repository=repo,
            coverage=[{"path": "results/cobertura-truncated.xml"}],
            junit=["results/junit-*.xml"],
        )
    )
    assert got["coverage"].status is Status.ERROR
    assert "results/cobertura-truncated.xml: malformed XML at line 9, column 6" in (
        got["coverage"].summary
    )
    assert got["unit-and-integration"].status is Status.ERROR
    assert "results/junit-malformed.xml: malformed XML at line 5" in (
        got["unit-and-integration"].summary
    )


def test_failing_integration_tests_fail_and_are_named(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, "surefire-unit.xml", "failsafe-it-failing.xml")
    c = checks(
        params_with(
            tmp_path,
            repository=repo,
            junit=["results/*.xml"],
            unit_patterns=["*Test"],
            integration_patterns=["*IT"],
        )
    )["unit-and-integration"]
    assert c.status is Status.FAIL
    assert c.summary == "2 failing tests in results/failsafe-it-failing.xml"
    assert "OrderRepositoryIT.enforcesUniqueReference" in str(c.evidence)


def test_a_missing_suite_fails(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, "surefire-unit.xml")
    c = checks(
        params_with(tmp_path, repository=repo, junit=["results/*.xml"], unit_patterns=["*Test"])
    )["unit-and-integration"]
    assert c.status is Status.FAIL and c.summary == "no integration suite found"
    none = checks(params_with(tmp_path, repository=repo, junit=["nothing/*.xml"]))
    assert "no unit suite found" in none["unit-and-integration"].summary


def _wait_for_probe(prometheus: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = httpx.get(
            f"{prometheus}/api/v1/query", params={"query": 'probe_success{job="blackbox"}'}
        )
        if r.json()["data"]["result"]:
            return
        time.sleep(0.5)
    pytest.fail("the demo stack's blackbox probe never reached Prometheus")


def test_e2e_probe_on_the_demo_stack_passes(demo_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert demo_stack.blackbox_url, "prometheus-blackbox-exporter is not installed"
    _wait_for_probe(demo_stack.prometheus_url)
    c = checks(params_with(tmp_path, demo_stack.prometheus_url))["e2e-continuous"]
    assert c.status is Status.PASS, c.summary
    assert "IngestApiProbeFailing" in c.data["alerts"]  # type: ignore[operator]
    assert c.data["success_rate"] == 1.0
    assert c.data["age_s"] < 60  # type: ignore[operator]
    assert f"{demo_stack.service_url}/readyz" in str(c.evidence)


def test_e2e_without_a_probe_or_alert_fails(demo_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = checks(
        params_with(tmp_path, demo_stack.prometheus_url, e2e_selector='job="no-such-probe"')
    )["e2e-continuous"]
    assert c.status is Status.FAIL
    assert c.summary.startswith('no probe_success{job="no-such-probe"} series')


CORPUS_JUNIT = ROOT / "tests" / "corpus" / "reports" / "junit"


def _junit_repo(tmp_path: Path, unit: str, integration: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "results").mkdir(parents=True)
    shutil.copy(CORPUS_JUNIT / unit, repo / "results" / "unit.xml")
    shutil.copy(CORPUS_JUNIT / integration, repo / "results" / "integration.xml")
    return repo


def _unit_and_integration(tmp_path: Path, unit: str, integration: str) -> Check:
    repo = _junit_repo(tmp_path, unit, integration)
    params = params_with(
        tmp_path,
        repository=repo,
        junit=["results/*.xml"],
        unit_patterns=["*unit*"],
        integration_patterns=["*integration*"],
    )
    return checks(params)["unit-and-integration"]


def test_a_failure_inside_a_suite_that_says_failures_0_fails_and_names_the_contradiction(
    tmp_path: Path,
) -> None:
    c = _unit_and_integration(tmp_path, "suite-says-no-failures.xml", "gradle-test-results.xml")
    assert c.status is Status.FAIL
    assert c.summary.startswith("2 failing tests in results/integration.xml, results/unit.xml")
    assert "says failures=0 but holds 1 <failure> element(s)" in str(c.evidence)


def test_counts_that_contradict_passing_cases_warn_and_never_pass(tmp_path: Path) -> None:
    c = _unit_and_integration(
        tmp_path, "root-counts-more-than-it-holds.xml", "pytest-all-pass-xunit2.xml"
    )
    assert c.status is Status.WARN
    assert "<testsuites> says tests=40 but holds 4 <testcase> element(s)" in c.summary


def test_a_flaky_surefire_test_passes_and_is_counted_as_flaky(tmp_path: Path) -> None:
    c = _unit_and_integration(
        tmp_path, "pytest-all-pass-xunit2.xml", "surefire-flaky-and-rerun.xml"
    )
    # one test failed every rerun: it fails; the one that passed on a rerun is flaky
    assert c.status is Status.FAIL and c.summary.startswith("1 failing tests")
    assert "1 flaky (passed on a rerun)" in str(c.evidence)


def test_coverage_totals_that_overstate_the_lines_warn_and_the_lines_win(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "results").mkdir(parents=True)
    corpus = ROOT / "tests" / "corpus" / "reports" / "cobertura"
    shutil.copy(corpus / "root-totals-overstate.xml", repo / "results" / "coverage.xml")
    params = params_with(
        tmp_path,
        repository=repo,
        coverage=[{"path": "results/coverage.xml"}],
        line_threshold=0.5,
        branch_threshold=0.2,
    )
    c = checks(params)["coverage"]
    # the root claims 95 %; its <line> elements count 3 of 5 (60 %)
    assert c.status is Status.WARN
    assert c.summary.startswith("lines 60.0%, branches 25.0% (counted from the report's elements)")
    assert "lines-valid: 95/100 covered, but the elements count 3/5" in c.summary
