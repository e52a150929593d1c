"""Sign-off and verify on a real rendered report folder."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import minirun
import pytest
from conftest import ROOT

from golive_lib.errors import ReportError
from golive_lib.report import portfolio
from golive_lib.report import signoff as so

WAIVED = """\
waivers:
  - {check: cicd.deploy-environments, reason: prod deploy by hand, approver: CTO,
     expires: 2026-12-31}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real go report (its only failing check is waived), rendered once per module."""
    base = tmp_path_factory.mktemp("signed")
    (base / "repo").mkdir()
    params = base / "svc.yaml"
    params.write_text(minirun.PARAMS.format(name="svc") + WAIVED)
    outcome = minirun.review(
        params, base / "reports", minirun.notebooks(base / "nb"), date(2026, 5, 1)
    )
    assert outcome.decision.value == "go"
    return outcome.folder


@pytest.fixture
def folder(rendered: Path, tmp_path: Path) -> Path:
    """A private copy under reports/svc/<date>, so each test may sign and tamper."""
    copy = tmp_path / "reports" / "svc" / rendered.name
    shutil.copytree(rendered, copy)
    return copy


def golive(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_a_signoff_records_who_when_and_every_files_hash(folder):
    when = datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
    record = so.sign(folder, "Ann", "sre", so.SignDecision.GO, "ship it", now=when)
    [line] = (folder / "signoffs.jsonl").read_text().splitlines()
    assert json.loads(line) == record
    assert record["name"] == "Ann" and record["role"] == "sre" and record["decision"] == "go"
    assert record["comment"] == "ship it" and record["time"].startswith("2026-05-02T09:30:00")
    files = record["files"]
    assert {"results.json", "index.html", "report.html", "junit.xml", "02_cicd.html"} <= set(files)
    assert "00_summary.html" in files and "02_cicd.ipynb" in files
    assert "signoffs.jsonl" not in files and "signoffs.html" not in files
    import hashlib

    assert (
        files["results.json"] == hashlib.sha256((folder / "results.json").read_bytes()).hexdigest()
    )


def test_the_state_needs_every_required_role_to_sign_go(folder):
    assert so.state(folder).label == "not signed yet (needs service-owner, sre)"
    so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    st = so.state(folder)
    assert not st.complete and st.missing_roles == ["service-owner"]
    assert st.label == "awaiting service-owner"
    so.sign(folder, "Bob", "service-owner", so.SignDecision.NO_GO, "not before Monday")
    assert so.state(folder).label == "signed no-go by service-owner"
    so.sign(folder, "Bob", "service-owner", so.SignDecision.GO, "ok now")
    st = so.state(folder)
    assert st.complete and st.records == 3
    assert st.label == "signed go by service-owner, sre"
    page = (folder / "signoffs.html").read_text()
    assert "not before Monday" in page and "signed go by service-owner, sre" in page


def test_verify_passes_on_an_untouched_signed_report(folder):
    so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    result = golive("verify", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unchanged since the last sign-off" in result.stderr


def test_verify_detects_one_changed_byte_in_any_signed_file(folder):
    so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    names = so.signed_files(folder)
    assert len(names) >= 8
    for name in names:
        path = folder / name
        original = path.read_bytes()
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))
        result = so.verify(folder)
        assert not result.ok and result.changed == [name], name
        path.write_bytes(original)
    assert so.verify(folder).ok
    (folder / "report.html").write_bytes((folder / "report.html").read_bytes() + b" ")
    cli = golive("verify", str(folder))
    assert cli.returncode == 1 and "changed: report.html" in cli.stdout


def test_verify_names_missing_and_added_files(folder):
    so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    (folder / "junit.xml").unlink()
    (folder / "extra.html").write_text("<p>slipped in</p>")
    cli = golive("verify", str(folder))
    assert cli.returncode == 1
    assert "missing: junit.xml" in cli.stdout and "added: extra.html" in cli.stdout


def test_verify_compares_with_the_last_signoff(folder):
    so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    (folder / "junit.xml").write_text("<testsuites/>")
    assert not so.verify(folder).ok
    so.sign(folder, "Bob", "service-owner", so.SignDecision.GO, "re-signed after junit fix")
    assert so.verify(folder).ok


def test_verify_of_an_unsigned_or_missing_folder_is_bad_input(folder, tmp_path):
    result = golive("verify", str(folder))
    assert result.returncode == 2 and "no sign-off yet" in result.stderr
    result = golive("verify", str(tmp_path / "nope"))
    assert result.returncode == 2 and "no such report folder" in result.stderr


def test_signoff_cli_records_and_rebuilds_the_portfolio(folder):
    result = golive("signoff", str(folder), "--name", "Ann", "--role", "sre", "--decision", "go")
    assert result.returncode == 0, result.stderr
    assert "awaiting service-owner" in result.stderr
    page = (folder.parents[1] / "index.html").read_text()
    assert "svc" in page and "awaiting service-owner" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--decision", "maybe"], "'maybe' is not one of"),
        (["--decision", "go", "--name", " "], "give the signer's --name and --role"),
    ],
)
def test_bad_signoff_input_is_refused(folder, args, message):
    base = ["signoff", str(folder), "--name", "Ann", "--role", "sre"]
    result = golive(*base, *args)
    assert result.returncode == 2 and message in result.stderr
    assert not (folder / "signoffs.jsonl").exists()


def test_a_missing_or_incomplete_report_cannot_be_signed(folder, tmp_path):
    result = golive(
        "signoff", str(tmp_path / "nope"), "--name", "a", "--role", "b", "--decision", "go"
    )
    assert result.returncode == 2 and "no such report folder" in result.stderr
    (folder / "02_cicd.html").unlink()
    with pytest.raises(ReportError, match="incomplete .* missing: 02_cicd.html"):
        so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    (folder / "results.json").unlink()
    with pytest.raises(ReportError, match="results.json is missing"):
        so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    assert not (folder / "signoffs.jsonl").exists()


def test_go_is_refused_on_a_no_go_report_but_no_go_is_recorded(folder):
    doc = json.loads((folder / "results.json").read_text())
    doc["decision"], doc["blocking"] = "no-go", ["cicd.deploy-environments"]
    (folder / "results.json").write_text(json.dumps(doc))
    with pytest.raises(ReportError, match="decision is no-go.*cicd.deploy-environments"):
        so.sign(folder, "Ann", "sre", so.SignDecision.GO)
    so.sign(folder, "Ann", "sre", so.SignDecision.NO_GO)
    assert so.state(folder).no_go_roles == ["sre"]


def _sign_many(folder: str, who: int, barrier: object, times: int) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    for n in range(times):
        so.sign(Path(folder), f"signer-{who}", f"role-{who}", so.SignDecision.GO, f"#{n}")


def test_concurrent_signoffs_from_real_processes_are_all_kept(folder):
    ctx = multiprocessing.get_context("spawn")
    workers, times = 6, 15
    barrier = ctx.Barrier(workers)
    procs = [
        ctx.Process(target=_sign_many, args=(str(folder), i, barrier, times))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    records, problems = so.read_records(folder)
    assert problems == []
    assert len(records) == workers * times
    assert {(r["name"], r["comment"]) for r in records} == {
        (f"signer-{i}", f"#{n}") for i in range(workers) for n in range(times)
    }


def test_two_signoff_commands_at_the_same_moment_are_both_kept(folder):
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "golive_lib",
                "signoff",
                str(folder),
                "--name",
                name,
                "--role",
                role,
                "--decision",
                "go",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name, role in (("Ann", "sre"), ("Bob", "service-owner"))
    ]
    for p in procs:
        assert p.wait(120) == 0
    assert so.state(folder).complete
    assert portfolio.rows(folder.parents[1])[0].signoff == "signed go by service-owner, sre"
