"""Faults of `golive signoff`'s append: nothing half-written, nothing followed, no traceback.

The report folder here is a minimal one made by hand (`sshkeys.minimal_report`): the
append does not depend on what the pages hold. Keys are real ssh-keygen keys.

A full disk is the kernel's own file-size limit (RLIMIT_FSIZE) set on the golive process:
a write crossing it writes what fits and returns short, exactly as on a disk that fills
mid-write; a real full filesystem would need a mount, which tests do not make.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultkit import assert_no_secret, golive_env
from sshkeys import allowed_line, make_key, minimal_report, trusted

from golive_lib.report import signoff as so

LIMIT_S = 30  # loose: a sign-off takes well under a second


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_key(tmp_path_factory.mktemp("keys"), "ann")


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return minimal_report(tmp_path / "reports" / "svc" / "2026-12-03")


@pytest.fixture
def allowed(key: Path, tmp_path: Path) -> Path:
    path = tmp_path / "allowed_signers"
    trusted(path, allowed_line("ann@example.com", key, "sre"))
    return path


def signoff(
    folder: Path, key: Path, allowed: Path, fsize: int | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "golive_lib", "signoff", str(folder), "--key", str(key)]
        + ["--signer", "ann@example.com", "--role", "sre", "--decision", "go"]
        + ["--trusted-signers", str(allowed)],
        cwd=folder,
        env=golive_env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
    )
    took = time.monotonic() - started
    assert took < LIMIT_S
    assert "Traceback" not in result.stderr
    if result.returncode:  # one line saying what and that nothing was signed
        assert result.stderr.count("\n") == 1 and "nothing was signed." in result.stderr
    assert_no_secret(folder, texts=(result.stdout, result.stderr))
    return result, took


def test_a_signoff_on_a_full_disk_appends_nothing(report, key, allowed):
    first, _ = signoff(report, key, allowed)
    assert first.returncode == 0, first.stderr
    log = report / "signoffs.jsonl"
    before = log.read_bytes()
    page = (report / "signoffs.html").read_bytes()
    full, _ = signoff(report, key, allowed, fsize=len(before) + 100)
    assert full.returncode == 3
    assert full.stderr.startswith(f"error: cannot append to {log}: [Errno 28] No space left")
    assert "nothing was signed." in full.stderr
    assert log.read_bytes() == before  # not even the 100 bytes that fitted
    assert (report / "signoffs.html").read_bytes() == page
    assert [p.name for p in report.iterdir() if p.name.startswith(".")] == []
    trust = so.trusted_for("svc", explicit=allowed)
    assert so.verify(report, trust).ok  # the earlier sign-off still verifies


def test_a_symlinked_signoff_log_is_refused_and_its_target_untouched(report, key, allowed):
    elsewhere = report.parent / "elsewhere.txt"
    elsewhere.write_text("not a sign-off log\n")
    (report / "signoffs.jsonl").symlink_to(elsewhere)
    result, _ = signoff(report, key, allowed)
    assert result.returncode == 2
    assert "signoffs.jsonl is a symbolic link; refused" in result.stderr
    assert elsewhere.read_text() == "not a sign-off log\n"
    assert not (report / "signoffs.html").exists()


def test_a_fifo_or_a_folder_in_place_of_the_log_is_refused_without_hanging(report, key, allowed):
    log = report / "signoffs.jsonl"
    os.mkfifo(log)
    fifo, _ = signoff(report, key, allowed)
    assert fifo.returncode == 2 and "is not a regular file" in fifo.stderr
    log.unlink()
    log.mkdir()
    folder, _ = signoff(report, key, allowed)
    assert folder.returncode == 3 and "Is a directory" in folder.stderr
    assert list(log.iterdir()) == []


def test_a_hard_linked_log_is_refused(report, key, allowed):
    other = report.parent / "other-log.jsonl"
    other.write_text("")
    os.link(other, report / "signoffs.jsonl")
    result, _ = signoff(report, key, allowed)
    assert result.returncode == 2 and "not a regular file of its own" in result.stderr
    assert other.read_text() == ""


def test_after_a_torn_line_the_next_signoff_starts_a_line_of_its_own(report, key, allowed):
    (report / "signoffs.jsonl").write_text('{"name": "half a li')
    result, _ = signoff(report, key, allowed)
    assert result.returncode == 0, result.stderr
    entries = so.verify(report, so.trusted_for("svc", explicit=allowed)).entries
    assert [x.verified for x in entries] == [False, True]
    assert entries[0].reasons[0].startswith("malformed: not JSON")


def test_a_log_that_may_not_be_written_appends_nothing(report, key, allowed):
    """Permission denied: the tests run as root, whom file modes do not stop; an immutable
    file (chattr +i) refuses root too."""
    first, _ = signoff(report, key, allowed)
    assert first.returncode == 0, first.stderr
    log = report / "signoffs.jsonl"
    before = log.read_bytes()
    if subprocess.run(["chattr", "+i", str(log)], capture_output=True).returncode != 0:
        pytest.skip("this file system cannot make a file immutable (chattr +i)")
    try:
        denied, _ = signoff(report, key, allowed)
    finally:
        subprocess.run(["chattr", "-i", str(log)], check=True)
    assert denied.returncode == 3
    assert denied.stderr.startswith(f"error: cannot append to {log}: [Errno 1]")
    assert "nothing was signed." in denied.stderr
    assert log.read_bytes() == before
