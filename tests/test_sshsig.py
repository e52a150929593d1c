"""The trusted-signers file: OpenSSH allowed_signers lines (ssh-keygen(1), ALLOWED SIGNERS)
with golive's roles= in the comment."""

from __future__ import annotations

from pathlib import Path

from sshkeys import make_key, minimal_report

from golive_lib import sshsig
from golive_lib.report import signoff as so

KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE"
FILE = f"""\
# comments and blank lines are skipped

ann@example.com ssh-ed25519 {KEY} roles=sre
bob@example.com,*@ops.example.com namespaces="golive-signoff",valid-after="20260101" \
ssh-ed25519 {KEY} bob's laptop roles=service-owner,sre
"cara@example.com" cert-authority,namespaces="git,golive-signoff" ssh-ed25519 {KEY}
dan@example.com namespaces="a b" ecdsa-sha2-nistp256 {KEY} roles=sre
not a signer line at all
"""


def test_lines_are_read_with_their_options_and_roles(tmp_path: Path) -> None:
    path = tmp_path / "allowed_signers"
    path.write_text(FILE)
    ts = sshsig.load_trusted(path)
    ann, bob, cara, dan = ts.signers
    assert (ann.principals, ann.options, ann.roles) == (("ann@example.com",), "", ("sre",))
    assert bob.principals == ("bob@example.com", "*@ops.example.com")
    assert bob.roles == ("service-owner", "sre") and bob.key_b64 == KEY
    assert bob.names("eve@ops.example.com") and not bob.names("eve@example.com")
    assert cara.principals == ("cara@example.com",) and cara.roles == ()
    assert cara.allows("golive-signoff") and not cara.allows("file")
    assert dan.key_type == "ecdsa-sha2-nistp256" and not dan.allows("golive-signoff")
    assert ts.problems == (f"{path} line 7: not an allowed_signers line",)


def test_roles_of_a_line_for_another_namespace_do_not_count(tmp_path: Path) -> None:
    key = make_key(tmp_path, "ann")
    key_type, key_b64 = (tmp_path / "ann.pub").read_text().split()[:2]
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(
        f'ann@example.com namespaces="git" {key_type} {key_b64} roles=service-owner\n'
        f'ann@example.com namespaces="golive-signoff" {key_type} {key_b64} roles=sre\n'
    )
    trust = so.trusted_for("svc", explicit=allowed)
    folder = minimal_report(tmp_path / "reports" / "svc" / "2026-12-03")
    so.sign(folder, key, "ann@example.com", "service-owner", so.SignDecision.GO, "", trust)
    so.sign(folder, key, "ann@example.com", "sre", so.SignDecision.GO, "", trust)
    owner, sre = so.verify(folder, trust).entries
    assert owner.reasons == ("role not allowed: ann@example.com may sign sre, not service-owner",)
    assert sre.verified
