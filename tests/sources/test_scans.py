"""Each scan format parsed from a realistic report into the one finding model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT

from golive_lib.errors import SourceError
from golive_lib.sources import scans
from golive_lib.sources.scans import Level, ScanFormatError

DATA = ROOT / "tests" / "data" / "security" / "scans"


def by_id(report: scans.ScanReport) -> dict[str, scans.Finding]:
    return {f.id: f for f in report.findings}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("trivy.sarif", "sarif"),
        ("bandit.sarif", "sarif"),
        ("pip-audit-vulns.json", "pip-audit"),
        ("pip-audit-legacy.json", "pip-audit"),
        ("trivy.json", "trivy"),
        ("grype.json", "grype"),
        ("osv-scanner.json", "osv-scanner"),
        ("cyclonedx.json", "cyclonedx"),
    ],
)
def test_the_format_is_detected_from_the_content(name, fmt):
    assert scans.load(DATA / name).format == fmt


def test_trivy_sarif_severity_comes_from_the_score_not_the_level():
    report = scans.load(DATA / "trivy.sarif")
    found = by_id(report)
    # both are level "error" in Trivy's SARIF; the security-severity score tells them apart
    assert found["CVE-2023-45853"].severity is Level.CRITICAL
    assert found["CVE-2024-6345"].severity is Level.HIGH
    assert found["CVE-2011-3374"].severity is Level.LOW
    setuptools = found["CVE-2024-6345"]
    assert (setuptools.package, setuptools.installed, setuptools.fixed) == (
        "setuptools",
        "65.5.1",
        "70.0.0",
    )
    assert found["CVE-2023-45853"].fixed is None
    assert found["CVE-2023-45853"].link == "https://avd.aquasec.com/nvd/cve-2023-45853"
    assert report.tool == "Trivy"
    assert report.scanned_at == datetime(2026, 11, 20, 8, 14, 9, 500000, tzinfo=UTC)
    assert report.scanned_at_source == "report"


def test_sarif_without_score_uses_the_level_and_a_missing_level_means_warning():
    findings = scans.load(DATA / "bandit.sarif").findings
    levels = [(f.id, f.severity, f.target) for f in findings]
    assert levels == [
        ("B105", Level.MEDIUM, "app/settings.py:12"),  # no level, no rule default: warning
        ("B602", Level.HIGH, "app/run.py:40"),  # the rule's defaultConfiguration.level error
        ("B105", Level.LOW, ""),  # level note
    ]


def test_pip_audit_findings_carry_fix_versions_and_aliases_and_no_severity():
    report = scans.load(DATA / "pip-audit-vulns.json")
    found = by_id(report)
    assert set(found) == {"GHSA-h5c8-rqwp-cp95", "GHSA-h75v-3vvj-5mfj", "GHSA-34jh-p97f-mpxf"}
    urllib3 = found["GHSA-34jh-p97f-mpxf"]
    assert urllib3.package == "urllib3" and urllib3.installed == "2.2.1"
    assert urllib3.fixed == "1.26.19, 2.2.2"
    assert urllib3.aliases == ("CVE-2024-37891",)
    assert urllib3.severity is Level.UNKNOWN
    assert urllib3.link == "https://osv.dev/vulnerability/GHSA-34jh-p97f-mpxf"
    assert report.skipped == () and report.packages_scanned == 3
    assert report.scanned_at is None  # pip-audit writes no date; its file time is not one


def test_pip_audit_skipped_dependencies_are_data_not_a_clean_scan():
    report = scans.load(DATA / "pip-audit-all-skipped.json")
    assert report.findings == ()
    assert [s.package for s in report.skipped] == ["prometheus-client", "pyyaml", "requests"]
    assert "could not be audited" in report.skipped[0].reason
    assert report.packages_scanned == 0


def test_pip_audit_before_2_wrote_a_bare_list():
    report = scans.load(DATA / "pip-audit-legacy.json")
    assert [(f.id, f.package, f.fixed) for f in report.findings] == [
        ("PYSEC-2021-98", "django", "2.2.24, 3.1.12, 3.2.4")
    ]


def test_trivy_json_keeps_targets_and_drops_not_affected():
    report = scans.load(DATA / "trivy.json")
    found = by_id(report)
    assert set(found) == {"CVE-2024-2511", "CVE-2024-9143", "CVE-2024-35195"}
    assert found["CVE-2024-35195"].severity is Level.CRITICAL
    assert found["CVE-2024-35195"].target == "app/requirements.txt"
    assert found["CVE-2024-35195"].aliases == ("GHSA-9wx4-h78v-vm56",)
    assert found["CVE-2024-9143"].fixed is None
    assert report.target == "ghcr.io/acme/worker:2.3.0"
    assert report.scanned_at == datetime(2026, 11, 25, 9, 31, 7, 431258, tzinfo=UTC)
    assert any("not_affected" in n for n in report.notes)


def test_grype_maps_negligible_to_low_and_only_fixed_states_have_a_fix():
    report = scans.load(DATA / "grype.json")
    found = by_id(report)
    assert found["GHSA-9wx4-h78v-vm56"].severity is Level.MEDIUM
    assert found["GHSA-9wx4-h78v-vm56"].aliases == ("CVE-2024-35195",)
    assert found["GHSA-9wx4-h78v-vm56"].fixed == "2.32.0"
    assert found["CVE-2023-45853"].severity is Level.LOW
    assert found["CVE-2023-45853"].fixed is None  # wont-fix
    assert found["CVE-2024-45490"].severity is Level.CRITICAL
    assert report.target == "ghcr.io/acme/api:1.9.2"
    assert report.scanned_at is not None and report.scanned_at.year == 2026


def test_osv_scanner_groups_aliases_into_one_finding_with_the_group_score():
    report = scans.load(DATA / "osv-scanner.json")
    assert [f.id for f in report.findings] == ["GHSA-3ww4-gg4f-jr7f", "GHSA-jjg7-2v4v-x38h"]
    crypto, idna = report.findings
    assert crypto.severity is Level.HIGH  # max_severity 7.5
    assert set(crypto.aliases) == {"PYSEC-2024-225", "CVE-2023-50782"}
    assert crypto.fixed == "42.0.0"
    assert idna.severity is Level.MEDIUM  # database_specific MODERATE
    assert idna.fixed == "3.7" and idna.target == "/src/app/poetry.lock"


def test_cyclonedx_vulnerabilities_by_affected_component():
    report = scans.load(DATA / "cyclonedx.json")
    found = by_id(report)
    assert set(found) == {"CVE-2024-34064", "CVE-2020-14343"}  # not_affected is dropped
    jinja = found["CVE-2024-34064"]
    assert (jinja.package, jinja.installed, jinja.fixed) == ("jinja2", "3.1.2", "3.1.4")
    assert jinja.severity is Level.MEDIUM and jinja.aliases == ("GHSA-h75v-3vvj-5mfj",)
    assert found["CVE-2020-14343"].severity is Level.CRITICAL  # from the score 9.8
    assert report.tool == "trivy" and report.target == "ingest-worker"


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (10.0, Level.CRITICAL),
        (9.0, Level.CRITICAL),
        (8.9, Level.HIGH),
        (7.0, Level.HIGH),
        (6.9, Level.MEDIUM),
        (4.0, Level.MEDIUM),
        (3.9, Level.LOW),
        (0.0, Level.LOW),
    ],
)
def test_scores_map_to_levels_at_the_documented_bounds(score, level):
    assert scans.level_from_score(score) is level


def test_a_truncated_file_names_the_file_and_the_position():
    with pytest.raises(ScanFormatError) as info:
        scans.load(DATA / "truncated.json")
    assert "truncated.json" in str(info.value) and "not valid JSON" in str(info.value)
    assert "line 2" in str(info.value)


def test_a_wrong_structure_names_the_json_path():
    with pytest.raises(ScanFormatError) as info:
        scans.load(DATA / "sarif-bad-results.sarif")
    assert info.value.json_path == "$.runs[0].results"
    assert "expected array, got object" in str(info.value)


def test_an_unknown_format_says_which_formats_are_known():
    with pytest.raises(ScanFormatError) as info:
        scans.load(DATA / "unknown.json")
    assert "unknown scan report format" in str(info.value) and "pip-audit" in str(info.value)


def test_a_missing_file_is_a_source_error_naming_it(tmp_path: Path):
    with pytest.raises(SourceError, match="nope.json: file not found"):
        scans.load(tmp_path / "nope.json")


def test_a_named_format_that_does_not_fit_names_the_path(tmp_path: Path):
    path = tmp_path / "x.json"
    path.write_text('{"dependencies": [{"name": "a", "vulns": {"id": 1}}]}')
    with pytest.raises(ScanFormatError) as info:
        scans.load(path, "pip-audit")
    assert info.value.json_path == "$.dependencies[0].vulns"
