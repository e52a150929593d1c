"""A hostile reviewer against signed sign-offs: every forgery fails `verify`, with its reason.

Keys are real ssh-keygen keys made here; the reports are real renders (one no-go, one
go). Forged lines are written as an attacker would: by hand, with golive's own statement
builder and a key of the attacker's choice, appended straight to signoffs.jsonl.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import minirun
import pytest
from conftest import ROOT
from sshkeys import allowed_line, make_key, trusted

from golive_lib import intoto, sshsig
from golive_lib.report import history, portfolio
from golive_lib.report import signoff as so

WAIVED = """\
waivers:
  - {check: cicd.deploy-environments, reason: prod deploy by hand, approver: CTO,
     expires: 2026-12-31}
"""
GO, NO_GO = so.SignDecision.GO, so.SignDecision.NO_GO


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """svc reviewed twice: 2026-05-01 no-go (a blocking check fails), 2026-05-02 go."""
    base = tmp_path_factory.mktemp("forgery")
    (base / "repo").mkdir()
    nbdir = minirun.notebooks(base / "nb")
    out = base / "reports"
    folders = {}
    for name, extra, day in (("no-go", "", 1), ("go", WAIVED, 2)):
        params = base / f"{name}.yaml"
        params.write_text(minirun.PARAMS.format(name="svc") + extra)
        outcome = minirun.review(params, out, nbdir, date(2026, 5, day))
        assert outcome.decision is not None and outcome.decision.value == name
        folders[name] = outcome.folder
    return folders


@pytest.fixture
def reports(rendered: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """Private copies of both reports under reports/svc/, so each test may tamper."""
    copies = {}
    for name, folder in rendered.items():
        copies[name] = tmp_path / "reports" / "svc" / folder.name
        shutil.copytree(folder, copies[name])
    return copies


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("keys")
    return {name: make_key(base, name) for name in ("ann", "bob", "mallory")}


@pytest.fixture
def trust(keys: dict[str, Path], tmp_path: Path) -> so.Trust:
    """Ann may sign sre, Bob service-owner; Mallory's key is not trusted."""
    return trusted(
        tmp_path / "allowed_signers",
        allowed_line("ann@example.com", keys["ann"], "sre"),
        allowed_line("bob@example.com", keys["bob"], "service-owner"),
    )


def forge(
    folder: Path,
    key: Path,
    signer: str,
    role: str,
    decision: so.SignDecision,
    now: datetime | None = None,
    **predicate: Any,
) -> dict[str, Any]:
    """Sign a statement as an attacker would (sign()'s refusals bypassed), binding the log
    as it stands, and append it."""
    doc = so.load_results(folder)
    statement = so.statement(
        folder, doc, signer, role, decision, "forged", now or datetime.now(UTC)
    )
    log = folder / "signoffs.jsonl"
    before = log.read_bytes() if log.exists() else b""
    statement["predicate"]["log"] = {"sha256": hashlib.sha256(before).hexdigest()}
    statement["predicate"].update(predicate)
    envelope = intoto.sign_envelope(statement, key, "golive-signoff")
    with (folder / "signoffs.jsonl").open("a") as fh:
        fh.write(json.dumps(envelope) + "\n")
    return envelope


def reasons(folder: Path, trust: so.Trust) -> list[tuple[str, ...]]:
    result = so.verify(folder, trust)
    return [x.reasons for x in result.entries]


def verify_cli(folder: Path, trust: so.Trust) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", "verify", str(folder)]
        + ["--trusted-signers", trust.source],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def edit_to_go(folder: Path) -> None:
    """The attack of the issue: a NO-GO report's results.json and index.html say GO."""
    doc = json.loads((folder / "results.json").read_text())
    doc["decision"], doc["blocking"] = "go", []
    (folder / "results.json").write_text(json.dumps(doc, indent=2))
    index = (folder / "index.html").read_text()
    index = index.replace("golive-no-go", "golive-go").replace("Decision: NO-GO", "Decision: GO")
    (folder / "index.html").write_text(index)


def test_a_no_go_edited_to_go_with_a_recomputed_plain_line_fails(reports, keys, trust):
    folder = reports["no-go"]
    so.sign(folder, keys["ann"], "ann@example.com", "sre", NO_GO, "blocking check", trust)
    edit_to_go(folder)
    hashes = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in so.hashes(folder)}
    forged = {
        "name": "Bob",
        "role": "service-owner",
        "decision": "go",
        "time": datetime.now(UTC).isoformat(),
        "service": "svc",
        "report": folder.name,
        "report_decision": "go",
        "files": hashes,
    }
    with (folder / "signoffs.jsonl").open("a") as fh:
        fh.write(json.dumps(forged) + "\n")
    honest, plain = reasons(folder, trust)
    assert honest == (
        "files differ from what was signed: changed: index.html, results.json",
        "the report decision it signed (no-go) is not the report's (go)",
    )
    assert plain == ("unsigned: a plain JSON record that anyone could write",)
    cli = verify_cli(folder, trust)
    assert cli.returncode == 1
    assert "line 2: UNVERIFIED: Bob signed go as service-owner" in cli.stdout
    assert "2 of 2 sign-offs do not verify" in cli.stderr
    [row] = [
        r for r in history.table(history.runs(folder.parent), trust) if r["run"] == "2026-05-01"
    ]
    assert row["signoff"] == "not signed yet (needs service-owner, sre); 2 unverified"


def test_a_no_go_edited_to_go_and_signed_by_an_untrusted_key_fails(reports, keys, trust):
    folder = reports["no-go"]
    edit_to_go(folder)
    forge(folder, keys["mallory"], "bob@example.com", "service-owner", GO)
    [why] = reasons(folder, trust)
    fp = sshsig.fingerprint(
        base64.b64decode((keys["mallory"].parent / "mallory.pub").read_text().split()[1])
    )
    assert why == (f"untrusted: key {fp} is not in the trusted signers ({trust.source})",)


def test_a_future_dated_line_fails_and_never_wins_over_later_lines(reports, keys, trust):
    folder = reports["go"]
    forge(folder, keys["ann"], "ann@example.com", "sre", GO, datetime(9999, 1, 1, tzinfo=UTC))
    so.sign(folder, keys["ann"], "ann@example.com", "sre", NO_GO, "found a problem", trust)
    future, real = reasons(folder, trust)
    assert len(future) == 1 and future[0].startswith("dated in the future (9999-01-01")
    assert real == ()
    assert so.state(folder, trust=trust).label == "signed no-go by sre; 1 unverified"


def test_the_log_order_decides_not_the_declared_time(reports, keys, trust):
    folder = reports["go"]
    so.sign(folder, keys["ann"], "ann@example.com", "sre", NO_GO, "", trust)
    # a later line declaring an earlier time (the report's own) still comes later
    earlier = datetime.fromisoformat(so.load_results(folder)["generated_at"])
    forge(folder, keys["ann"], "ann@example.com", "sre", GO, earlier)
    assert reasons(folder, trust) == [(), ()]
    assert so.state(folder, trust=trust).latest_by_role["sre"].decision == "go"


def test_a_key_trusted_for_someone_else_fails(reports, keys, trust):
    folder = reports["go"]
    forge(folder, keys["bob"], "ann@example.com", "sre", GO)
    [why] = reasons(folder, trust)
    assert len(why) == 1
    assert why[0].startswith("untrusted: key SHA256:")
    assert why[0].endswith("is trusted for bob@example.com, not for ann@example.com")


def test_a_role_the_principal_may_not_sign_fails(reports, keys, trust):
    folder = reports["go"]
    so.sign(folder, keys["ann"], "ann@example.com", "service-owner", GO, "", trust)
    [why] = reasons(folder, trust)
    assert why == ("role not allowed: ann@example.com may sign sre, not service-owner",)
    assert so.state(folder, trust=trust).label.startswith("not signed yet")


def test_a_tampered_results_json_fails(reports, keys, trust):
    folder = reports["go"]
    so.sign(folder, keys["ann"], "ann@example.com", "sre", GO, "", trust)
    doc = json.loads((folder / "results.json").read_text())
    doc["counts"]["fail"] = 0
    (folder / "results.json").write_text(json.dumps(doc))
    [why] = reasons(folder, trust)
    assert why == ("files differ from what was signed: changed: results.json",)


def test_an_envelope_replayed_from_another_report_fails(reports, keys, trust):
    go, no_go = reports["go"], reports["no-go"]
    so.sign(go, keys["ann"], "ann@example.com", "sre", GO, "", trust)
    line = (go / "signoffs.jsonl").read_bytes()
    (no_go / "signoffs.jsonl").write_bytes(line)
    [why] = reasons(no_go, trust)
    assert why[0] == "replayed: signed for report svc/2026-05-02, not svc/2026-05-01"
    assert "go signed on a no-go report" in why
    # a byte-for-byte copy of the signed folder under another name: the same files
    twin = go.parent / "2026-05-03"
    shutil.copytree(go, twin)
    assert reasons(twin, trust) == [
        ("replayed: signed for report svc/2026-05-02, not svc/2026-05-03",)
    ]


def test_go_signed_on_a_no_go_report_fails(reports, keys, trust):
    folder = reports["no-go"]
    forge(folder, keys["ann"], "ann@example.com", "sre", GO)
    # ... and one that lies about the report's decision too
    forge(folder, keys["ann"], "ann@example.com", "sre", GO, reportDecision="go")
    honest_lie, lie = reasons(folder, trust)
    assert honest_lie == ("go signed on a no-go report",)
    assert lie == (
        "the report decision it signed (go) is not the report's (no-go)",
        "go signed on a no-go report",
    )
    assert so.state(folder, trust=trust).label.endswith("; 2 unverified")


def test_a_bad_signature_and_a_torn_line_fail(reports, keys, trust):
    folder = reports["go"]
    envelope = so.sign(folder, keys["ann"], "ann@example.com", "sre", GO, "", trust)
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["predicate"]["comment"] = "changed after signing"
    envelope["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    with (folder / "signoffs.jsonl").open("a") as fh:
        fh.write(json.dumps(envelope) + "\n" + '{"payload": "half a li')
    first, altered, torn = reasons(folder, trust)
    assert first == ()
    assert altered[0].startswith("bad signature: ssh-keygen:")
    assert torn[0].startswith("malformed: not JSON")


OUT_OF_PLACE = (
    "out of place: the lines before it are not those it was signed after "
    "(reordered, removed, edited, or a replayed copy)"
)


def test_lines_reordered_removed_or_copied_again_fail(reports, keys, trust):
    folder = reports["go"]
    log = folder / "signoffs.jsonl"
    so.sign(folder, keys["ann"], "ann@example.com", "sre", GO, "first", trust)
    so.sign(folder, keys["bob"], "bob@example.com", "service-owner", GO, "second", trust)
    so.sign(folder, keys["ann"], "ann@example.com", "sre", NO_GO, "third: found a problem", trust)
    one, two, three = log.read_bytes().splitlines(keepends=True)
    assert reasons(folder, trust) == [(), (), ()]
    # the earlier go copied after the later no-go, to make it the latest of sre
    log.write_bytes(one + two + three + one)
    assert reasons(folder, trust)[-1] == (OUT_OF_PLACE,)
    assert so.state(folder, trust=trust).latest_by_role["sre"].decision == "no-go"
    # the no-go moved before the go it overrode
    log.write_bytes(three + one + two)
    assert [OUT_OF_PLACE in r for r in reasons(folder, trust)] == [True, True, True]
    # the no-go's predecessor removed
    log.write_bytes(one + three)
    assert reasons(folder, trust) == [(), (OUT_OF_PLACE,)]


def test_hostile_lines_are_unverified_with_a_reason_never_a_crash(reports, keys, trust):
    folder = reports["go"]
    forge(folder, keys["ann"], "ann@example.com", "sre", GO, datetime(1, 1, 1, tzinfo=UTC))
    hostile = [
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"payload": "e30=", "payloadType": "application/vnd.in-toto+json",
                    "signatures": {"sig": "x"}}),
        json.dumps({"payload": 5, "payloadType": "application/vnd.in-toto+json",
                    "signatures": []}),
        "\x00\xff not even text",
    ]  # fmt: skip
    with (folder / "signoffs.jsonl").open("a") as fh:
        fh.write("\n".join(hostile) + "\n")
    first, *rest = reasons(folder, trust)
    assert first[0].startswith("dated before the report was generated (0001-01-01")
    assert rest[0] == ("malformed: nested too deep",)
    assert all(r and r[0].startswith(("malformed", "not a signed sign-off")) for r in rest)
    rows = history.table(history.runs(folder.parent), trust)
    assert any(r["signoff"].endswith("5 unverified") for r in rows)


def test_a_report_moved_under_another_service_fails_there(reports, keys, trust):
    """Ann may sign for both services: svc's signed go report, copied under other-svc/ as
    is, must not make other-svc look signed."""
    folder = reports["go"]
    so.sign(folder, keys["ann"], "ann@example.com", "sre", GO, "", trust)
    moved = folder.parents[1] / "other-svc" / folder.name
    shutil.copytree(folder, moved)
    both = Path(trust.source)
    rows = portfolio.rows(folder.parents[1], lambda s: so.trusted_for(s, explicit=both))
    [other] = [r for r in rows if r.service == "other-svc"]
    assert other.signoff.endswith("; 1 unverified") and other.attention == 0
    [entry] = so.verify(moved, so.trusted_for("other-svc", explicit=both)).entries
    assert entry.reasons == (
        "misplaced: signed for service svc, checked as a report of other-svc "
        "(with its trusted signers)",
    )
    # golive verify checks a folder as the report its results.json names: that still holds
    assert so.verify(moved, trust).ok
