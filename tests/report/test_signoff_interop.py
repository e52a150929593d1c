"""golive's sign-offs read and verified by code that is not golive's.

- securesystemslib's DSSE implementation parses the envelope, computes the PAE and checks
  the signature through a Key whose verification is OpenSSH's `ssh-keygen -Y verify`
  (securesystemslib has no SSHSIG scheme; the DSSE part is all its own);
- docs/signoff.md's verify-by-hand recipe, run as printed, with ssh-keygen, jq and coreutils;
- a sign-off made with a PEM key (securesystemslib's signer) verified by securesystemslib's
  Envelope and SSlibKey alone.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import UnverifiedSignatureError, VerificationError
from securesystemslib.signer import Key, Signature
from sshkeys import allowed_line, make_key, minimal_report, trusted

from golive_lib.report import signoff as so


class SshKey(Key):
    """A securesystemslib Key that verifies with `ssh-keygen -Y verify` (namespace
    golive-signoff) for one principal of an allowed_signers file."""

    def __init__(self, keyid: str, allowed: Path, principal: str) -> None:
        super().__init__(keyid, "ssh", "sshsig", {"allowed": str(allowed), "id": principal})

    @classmethod
    def from_dict(cls, keyid: str, key_dict: dict[str, Any]) -> SshKey:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"keytype": self.keytype, "scheme": self.scheme, "keyval": self.keyval}

    def verify_signature(self, signature: Signature, data: bytes) -> None:
        raw = bytes.fromhex(signature.signature)
        b64 = base64.b64encode(raw).decode()
        armored = "\n".join(
            ["-----BEGIN SSH SIGNATURE-----"]
            + [b64[i : i + 70] for i in range(0, len(b64), 70)]
            + ["-----END SSH SIGNATURE-----", ""]
        )
        with tempfile.NamedTemporaryFile("w", suffix=".sig") as fh:
            fh.write(armored)
            fh.flush()
            proc = subprocess.run(
                ["ssh-keygen", "-Y", "verify", "-f", self.keyval["allowed"]]
                + ["-I", self.keyval["id"], "-n", "golive-signoff", "-s", fh.name],
                input=data,
                capture_output=True,
                check=False,
            )
        if proc.returncode != 0:
            raise UnverifiedSignatureError(proc.stderr.decode())


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A report folder signed by Ann (sre); returns (folder, key, allowed_signers)."""
    key = make_key(tmp_path / "keys", "ann")
    allowed = tmp_path / "allowed_signers"
    trust = trusted(allowed, allowed_line("ann@example.com", key, "sre"))
    folder = minimal_report(tmp_path / "reports" / "svc" / "2026-12-03")
    so.sign(folder, key, "ann@example.com", "sre", so.SignDecision.GO, "ship it", trust)
    return folder, key, allowed


def fingerprint(key: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", f"{key}.pub"], capture_output=True, text=True, check=True
    ).stdout
    return out.split()[1]


def test_securesystemslib_verifies_the_envelope(signed):
    folder, key, allowed = signed
    line = json.loads((folder / "signoffs.jsonl").read_text())
    envelope = Envelope.from_dict(line)
    assert envelope.payload_type == "application/vnd.in-toto+json"
    ann = SshKey(fingerprint(key), allowed, "ann@example.com")
    assert list(envelope.verify([ann], 1)) == [ann.keyid]
    statement = json.loads(envelope.payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicate"]["signer"] == "ann@example.com"
    # another principal, or a payload changed by one byte, does not verify
    with pytest.raises(VerificationError):
        envelope.verify([SshKey(ann.keyid, allowed, "bob@example.com")], 1)
    envelope.payload = envelope.payload.replace(b"ship it", b"ship It")
    with pytest.raises(VerificationError):
        envelope.verify([ann], 1)


def readme_recipe() -> str:
    page = (ROOT / "docs" / "signoff.md").read_text()
    block = re.search(r"## Verify one sign-off by hand.*?```bash\n(.*?)```", page, re.S)
    assert block, "docs/signoff.md lost its verify-by-hand recipe"
    return block.group(1)


def test_the_readme_recipe_verifies_a_signoff_with_ssh_keygen_alone(signed, tmp_path):
    folder, _key, allowed = signed
    recipe = readme_recipe()
    first, rest = recipe.split("\n", 1)
    assert first.startswith("DIR=")
    script = f"set -e\nDIR={folder} N=1 ALLOWED={allowed}\n{rest}"
    work = tmp_path / "by-hand"
    work.mkdir()
    ok = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert 'Good "golive-signoff" signature for ann@example.com' in ok.stdout + ok.stderr
    (folder / "report.html").write_text("<p>changed after signing</p>")
    changed = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True)
    assert changed.returncode != 0
    assert "report.html: FAILED" in changed.stdout + changed.stderr


def pem_key(path: Path) -> tuple[Path, str]:
    """An Ed25519 PEM (PKCS#8) private key made by cryptography; (path, OpenSSH public)."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(
        private.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    )
    public = private.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH)
    return path, public.decode()


def test_a_pem_key_signs_through_securesystemslib_and_verifies_with_it_alone(tmp_path):
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key
    from securesystemslib.signer import SSlibKey

    key, public = pem_key(tmp_path / "carol.pem")
    other, _ = pem_key(tmp_path / "other.pem")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'carol@example.com namespaces="golive-signoff" {public} roles=sre\n')
    trust = so.trusted_for("svc", explicit=allowed)
    folder = minimal_report(tmp_path / "reports" / "svc" / "2026-12-03")
    envelope = so.sign(folder, key, "carol@example.com", "sre", so.SignDecision.GO, "", trust)
    so.sign(folder, key, "carol@example.com", "service-owner", so.SignDecision.GO, "", trust)
    so.sign(folder, other, "carol@example.com", "sre", so.SignDecision.GO, "", trust)
    good, role, untrusted = so.verify(folder, trust).entries
    assert good.verified and good.keyid == envelope["signatures"][0]["keyid"]
    assert role.reasons == ("role not allowed: carol@example.com may sign sre, not service-owner",)
    assert untrusted.reasons[0].startswith("untrusted: no key the trusted signers")
    # securesystemslib alone: its DSSE envelope and its key, no golive code
    line = json.loads((folder / "signoffs.jsonl").read_text().splitlines()[0])
    sslib_key = SSlibKey.from_crypto(load_ssh_public_key(public.encode()), keyid=good.keyid)
    assert list(Envelope.from_dict(line).verify([sslib_key], 1)) == [good.keyid]
