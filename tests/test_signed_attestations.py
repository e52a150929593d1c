"""Signed attestations (`golive attest`): "signed by" when they verify, else not counted;
attestations in the parameters are "claimed by" and count only where the parameters allow."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT
from sshkeys import allowed_line, make_key

from golive_lib import attestations
from golive_lib.params import load_params
from golive_lib.report import index, results
from golive_lib.sections import premortem

PARAMS = """\
schema_version: 1
service: {{name: svc}}
repository: repo
signoff: {{trusted_signers: allowed_signers, unsigned_attestations: {unsigned}}}
attestations:
  - {{check: security.gdpr, item: dpia, by: Cid, date: 2026-11-01, link: TICKET-2}}
"""
TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("keys")
    return {name: make_key(base, name) for name in ("ann", "mallory")}


@pytest.fixture
def params_path(write_params, keys, tmp_path) -> Path:
    (tmp_path / "allowed_signers").write_text(allowed_line("ann@example.com", keys["ann"], "sre"))
    (tmp_path / "repo" / "docs").mkdir()
    (tmp_path / "repo" / "docs" / "gameday.md").write_text("# Game day 2026-11-20\nAll good.\n")
    return write_params(PARAMS.format(unsigned="true"))


def attest(params: Path, key: Path, signer: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", "attest", str(params), "--key", str(key)]
        + ["--signer", signer, "--check", "premortem.gameday", "--link", "docs/gameday.md"]
        + ["--outcome", "failover drill passed", "--on", "2026-11-20", *extra],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_a_signed_attestation_is_said_signed_and_counts(params_path, keys):
    result = attest(params_path, keys["ann"], "ann@example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("repo/.golive/attestations.intoto.jsonl")
    assert "warning" not in result.stderr
    params = load_params(params_path)
    state = attestations.find(params, "premortem.gameday", today=TODAY)
    assert state.valid and state.signed
    assert state.summary == "signed by ann@example.com on 2026-11-20, 13 days ago"
    assert "signed (golive attest) by ann@example.com" in attestations.to_evidence(state)[0].value
    check = premortem.gameday(
        premortem.PremortemEvidence(today=TODAY, repository=params.repository), params
    )
    assert check.status.value == "pass" and "signed by ann@example.com" in check.summary
    claimed = attestations.find(params, "security.gdpr", "dpia", today=TODAY)
    assert claimed.valid and not claimed.signed
    assert claimed.summary.startswith("claimed by Cid on 2026-11-01")


def test_an_untrusted_key_or_changed_evidence_does_not_count(params_path, keys, tmp_path):
    result = attest(params_path, keys["mallory"], "ann@example.com")
    assert result.returncode == 0, result.stderr
    assert "warning: this attestation does not verify: untrusted: key SHA256:" in result.stderr
    state = attestations.find(load_params(params_path), "premortem.gameday", today=TODAY)
    assert not state.valid
    assert "does not count: untrusted: key SHA256:" in state.summary
    assert attest(params_path, keys["ann"], "ann@example.com").returncode == 0
    (tmp_path / "repo" / "docs" / "gameday.md").write_text("# Game day\nnever happened\n")
    state = attestations.find(load_params(params_path), "premortem.gameday", today=TODAY)
    assert not state.valid and "docs/gameday.md changed since it was signed" in state.summary


def test_claimed_attestations_do_not_count_where_the_parameters_say_so(params_path, write_params):
    strict = write_params(PARAMS.format(unsigned="false"), "strict.yaml")
    state = attestations.find(load_params(strict), "security.gdpr", "dpia", today=TODAY)
    assert not state.valid
    assert "only claimed by Cid on 2026-11-01" in state.summary
    assert "sign it with golive attest" in state.summary


def test_a_bad_attestation_is_refused_without_writing(params_path, keys, tmp_path):
    result = attest(params_path, keys["ann"], "ann@example.com", "--check", "premortem.gamedya")
    assert result.returncode == 2 and "did you mean 'premortem.gameday'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "repo" / ".golive").exists()


def test_results_and_the_index_page_say_signed_or_claimed(params_path, keys):
    assert attest(params_path, keys["ann"], "ann@example.com").returncode == 0
    block = results.policy_block(load_params(params_path), TODAY, [])
    by_check = {a["check"]: a for a in block["attestations"]}
    assert by_check["premortem.gameday"]["signed"] is True
    assert by_check["security.gdpr"]["signed"] is False
    page = index.attestations_html(block)
    assert "<b>signed by</b> ann@example.com" in page and "claimed by Cid" in page
