"""Sign-off and verify on a real rendered report folder."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import minirun
import pytest
from conftest import ROOT
from sshkeys import allowed_line, make_key, trusted

from golive_lib.errors import ReportError
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


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Ann (sre) and Bob (service-owner): real ssh-keygen keys, made once per module."""
    base = tmp_path_factory.mktemp("keys")
    return {name: make_key(base, name) for name in ("ann", "bob")}


@pytest.fixture
def trust(keys: dict[str, Path], tmp_path: Path) -> so.Trust:
    return trusted(
        tmp_path / "allowed_signers",
        allowed_line("ann@example.com", keys["ann"], "sre"),
        allowed_line("bob@example.com", keys["bob"], "service-owner,sre"),
    )


def ann(folder: Path, keys, trust, decision=so.SignDecision.GO, comment: str = "") -> dict:
    return so.sign(folder, keys["ann"], "ann@example.com", "sre", decision, comment, trust)


def bob(folder: Path, keys, trust, decision=so.SignDecision.GO, comment: str = "") -> dict:
    return so.sign(
        folder, keys["bob"], "bob@example.com", "service-owner", decision, comment, trust
    )


def golive(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def test_a_signoff_is_a_signed_in_toto_statement_over_every_file(folder, keys, trust):
    envelope = ann(folder, keys, trust, comment="ship it")
    [line] = (folder / "signoffs.jsonl").read_text().splitlines()
    assert json.loads(line) == envelope
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    [sig] = envelope["signatures"]
    assert sig["keyid"].startswith("SHA256:")
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://golive.dev/attestation/signoff/v1"
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert {"results.json", "index.html", "report.html", "junit.xml", "02_cicd.html"} <= set(
        subjects
    )
    assert "00_summary.html" in subjects and "02_cicd.ipynb" in subjects
    assert "signoffs.jsonl" not in subjects and "signoffs.html" not in subjects
    results_sha = hashlib.sha256((folder / "results.json").read_bytes()).hexdigest()
    assert subjects["results.json"] == results_sha
    p = statement["predicate"]
    assert (p["signer"], p["role"], p["decision"], p["comment"]) == (
        "ann@example.com",
        "sre",
        "go",
        "ship it",
    )
    assert p["reportDecision"] == "go" and p["resultsDigest"] == {"sha256": results_sha}
    assert (p["service"], p["report"]) == ("svc", folder.name)


def test_the_state_needs_every_required_role_to_sign_go(folder, keys, trust):
    assert so.state(folder, trust=trust).label == "not signed yet (needs service-owner, sre)"
    ann(folder, keys, trust)
    st = so.state(folder, trust=trust)
    assert not st.complete and st.missing_roles == ["service-owner"]
    assert st.label == "awaiting service-owner"
    bob(folder, keys, trust, so.SignDecision.NO_GO, "not before Monday")
    assert so.state(folder, trust=trust).label == "signed no-go by service-owner"
    bob(folder, keys, trust, comment="ok now")
    st = so.state(folder, trust=trust)
    assert st.complete and st.records == 3 and st.unverified == 0
    assert st.label == "signed go by service-owner, sre"
    page = (folder / "signoffs.html").read_text()
    assert "not before Monday" in page and "signed go by service-owner, sre" in page
    assert page.count(">verified</td>") == 3
    # the signed index page shows that live page in place (it is never rewritten itself)
    assert '<object data="signoffs.html"' in (folder / "index.html").read_text()


def test_verify_passes_on_an_untouched_signed_report(folder, keys, trust):
    ann(folder, keys, trust)
    result = golive("verify", str(folder), "--trusted-signers", str(trust.source))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "line 1: verified: ann@example.com signed go as sre" in result.stdout
    assert "every sign-off verified" in result.stderr


def test_verify_detects_one_changed_byte_in_any_signed_file(folder, keys, trust):
    ann(folder, keys, trust)
    names = so.signed_files(folder)
    assert len(names) >= 8
    for name in names:
        path = folder / name
        original = path.read_bytes()
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))
        result = so.verify(folder, trust)
        assert not result.ok, name
        [entry] = result.entries
        assert f"files differ from what was signed: changed: {name}" in entry.reasons, name
        path.write_bytes(original)
    assert so.verify(folder, trust).ok
    (folder / "report.html").write_bytes((folder / "report.html").read_bytes() + b" ")
    cli = golive("verify", str(folder), "--trusted-signers", str(trust.source))
    assert cli.returncode == 1 and "UNVERIFIED" in cli.stdout
    assert "changed: report.html" in cli.stdout


def test_verify_names_missing_and_added_files(folder, keys, trust):
    ann(folder, keys, trust)
    (folder / "junit.xml").unlink()
    (folder / "extra.html").write_text("<p>slipped in</p>")
    cli = golive("verify", str(folder), "--trusted-signers", str(trust.source))
    assert cli.returncode == 1
    assert "missing: junit.xml" in cli.stdout and "added: extra.html" in cli.stdout


def test_every_signoff_must_match_the_folder_not_only_the_last(folder, keys, trust):
    ann(folder, keys, trust)
    (folder / "junit.xml").write_text("<testsuites/>")
    assert not so.verify(folder, trust).ok
    bob(folder, keys, trust, comment="re-signed after junit fix")
    result = so.verify(folder, trust)
    assert [x.verified for x in result.entries] == [False, True] and not result.ok
    assert "changed: junit.xml" in result.entries[0].reasons[0]


def test_verify_of_an_unsigned_or_missing_folder_is_bad_input(folder, tmp_path, trust):
    result = golive("verify", str(folder), "--trusted-signers", str(trust.source))
    assert result.returncode == 2 and "no sign-off yet" in result.stderr
    result = golive("verify", str(tmp_path / "nope"))
    assert result.returncode == 2 and "no such report folder" in result.stderr


def test_verify_without_trusted_signers_is_bad_input(folder, keys, trust):
    ann(folder, keys, trust)
    result = golive("verify", str(folder), cwd=folder)
    assert result.returncode == 2 and "no trusted signers" in result.stderr
    assert "--trusted-signers" in result.stderr


def test_signoff_cli_signs_and_rebuilds_the_portfolio(folder, keys, trust):
    result = golive(
        "signoff", str(folder), "--key", str(keys["ann"]), "--signer", "ann@example.com",
        "--role", "sre", "--decision", "go", "--trusted-signers", str(trust.source),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "awaiting service-owner" in result.stderr and "warning" not in result.stderr
    assert so.verify(folder, trust).ok
    page = (folder.parents[1] / "index.html").read_text()
    # no parameters/svc.yaml here, nor $GOLIVE_TRUSTED_SIGNERS: nothing can verify
    assert "svc" in page and "not signed yet (needs service-owner, sre); 1 unverified" in page
    bob_signs = golive(
        "signoff", str(folder), "--key", str(keys["bob"]), "--signer", "bob@example.com",
        "--role", "service-owner", "--decision", "go",
        env={"GOLIVE_TRUSTED_SIGNERS": str(trust.source)},
    )  # fmt: skip
    assert bob_signs.returncode == 0, bob_signs.stderr
    page = (folder.parents[1] / "index.html").read_text()
    assert "signed go by service-owner, sre" in page and "unverified" not in page


def test_the_signer_is_warned_when_the_signoff_does_not_verify(folder, keys, trust):
    result = golive(
        "signoff", str(folder), "--key", str(keys["ann"]), "--signer", "ann@example.com",
        "--role", "service-owner", "--decision", "go", "--trusted-signers", str(trust.source),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warning: this sign-off does not verify: role not allowed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--decision", "maybe"], "'maybe' is not one of"),
        (["--decision", "go", "--signer", " "], "give the signer's --signer and --role"),
        (["--decision", "go", "--key", "/nonexistent/key"], "no such key file"),
    ],
)
def test_bad_signoff_input_is_refused(folder, keys, args, message):
    base = ["signoff", str(folder), "--key", str(keys["ann"]), "--signer", "a@b", "--role", "sre"]
    result = golive(*base, *args)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "signoffs.jsonl").exists()


def test_a_missing_or_incomplete_report_cannot_be_signed(folder, tmp_path, keys, trust):
    result = golive(
        "signoff", str(tmp_path / "nope"), "--key", str(keys["ann"]), "--signer", "a",
        "--role", "b", "--decision", "go",
    )  # fmt: skip
    assert result.returncode == 2 and "no such report folder" in result.stderr
    (folder / "02_cicd.html").unlink()
    with pytest.raises(ReportError, match="incomplete .* missing: 02_cicd.html"):
        ann(folder, keys, trust)
    (folder / "results.json").unlink()
    with pytest.raises(ReportError, match="results.json is missing"):
        ann(folder, keys, trust)
    assert not (folder / "signoffs.jsonl").exists()


def test_go_is_refused_on_a_no_go_report_but_no_go_is_recorded(folder, keys, trust):
    doc = json.loads((folder / "results.json").read_text())
    doc["decision"], doc["blocking"] = "no-go", ["cicd.deploy-environments"]
    (folder / "results.json").write_text(json.dumps(doc))
    with pytest.raises(ReportError, match="decision is no-go.*cicd.deploy-environments"):
        ann(folder, keys, trust)
    ann(folder, keys, trust, so.SignDecision.NO_GO)
    assert so.state(folder, trust=trust).no_go_roles == ["sre"]


def _sign_many(folder: str, key: str, allowed: str, who: int, barrier: object, n: int) -> None:
    trust = so.trusted_for("svc", explicit=Path(allowed))
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(n):
        so.sign(Path(folder), Path(key), "bob@example.com", "sre", so.SignDecision.GO,
                f"{who}#{i}", trust)  # fmt: skip


def test_concurrent_signoffs_from_real_processes_are_all_kept(folder, keys, trust):
    ctx = multiprocessing.get_context("spawn")
    workers, times = 3, 4
    barrier = ctx.Barrier(workers)
    args = (str(folder), str(keys["bob"]), str(trust.source))
    procs = [
        ctx.Process(target=_sign_many, args=(*args, i, barrier, times)) for i in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    result = so.verify(folder, trust)
    assert len(result.entries) == workers * times and result.ok
    assert {x.comment for x in result.entries} == {
        f"{i}#{n}" for i in range(workers) for n in range(times)
    }


def test_two_signoff_commands_at_the_same_moment_are_both_kept(folder, keys, trust):
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "golive_lib",
                "signoff",
                str(folder),
                "--key",
                str(keys[who]),
                "--signer",
                f"{who}@example.com",
                "--role",
                role,
                "--decision",
                "go",
                "--trusted-signers",
                str(trust.source),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for who, role in (("ann", "sre"), ("bob", "service-owner"))
    ]
    for p in procs:
        assert p.wait(120) == 0
    assert so.state(folder, trust=trust).complete
    assert so.verify(folder, trust).ok


def test_the_trusted_signers_come_from_the_parameters(folder, keys, trust, tmp_path):
    ann(folder, keys, trust)
    work = tmp_path / "work"
    (work / "parameters").mkdir(parents=True)
    (work / "repo").mkdir()
    (work / "parameters" / "svc.yaml").write_text(
        "schema_version: 1\nservice: {name: svc}\nrepository: ../repo\n"
        f"signoff: {{trusted_signers: {trust.source}}}\n"
    )
    by_name = golive("verify", str(folder), cwd=work)  # parameters/svc.yaml found here
    assert by_name.returncode == 0, by_name.stdout + by_name.stderr
    assert "(signoff.trusted_signers of parameters/svc.yaml)" in by_name.stderr
    given = golive("verify", str(folder), "--params", str(work / "parameters" / "svc.yaml"))
    assert given.returncode == 0, given.stdout + given.stderr
    (work / "parameters" / "svc.yaml").write_text(
        "schema_version: 1\nservice: {name: svc}\nrepository: ../repo\n"
        "signoff: {trusted_signers: nowhere}\n"
    )
    broken = golive("verify", str(folder), cwd=work)
    assert broken.returncode == 2 and "signoff.trusted_signers" in broken.stderr
    assert "no such file" in broken.stderr and "Traceback" not in broken.stderr
