"""The demo's sign-off: a throwaway SSH key, made now, signs the demo report.

The key pair is made by ssh-keygen in a temporary folder and its private half is deleted
once the report is signed: no private key is ever kept or committed. The public half is
kept as a trusted-signers file beside the reports (``.demo-signer/allowed_signers``) so
`golive verify DIR --trusted-signers reports/.demo-signer/allowed_signers` works after.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .. import process
from ..report import portfolio
from ..report import signoff as so
from ..sshsig import SshSigError

DEMO_SIGNER = "demo-sre@example.invalid"
DEMO_ROLE = "sre"


def sign(folder: Path, reports: Path) -> Path:
    """Sign ``folder`` as the demo's SRE (go on a go report, else no-go) and rewrite the
    portfolio; returns the trusted-signers file that verifies it."""
    keep = reports / ".demo-signer"
    keep.mkdir(parents=True, exist_ok=True)
    allowed = keep / "allowed_signers"
    with tempfile.TemporaryDirectory(prefix="golive-demo-key-") as tmp:
        key = Path(tmp) / "demo"
        argv = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "golive demo", "-f", str(key)]
        made = process.capture(argv, cwd=None, timeout_s=30)
        if made.returncode != 0:
            why = made.error or made.stderr_tail.strip() or f"exit {made.returncode}"
            raise SshSigError(f"ssh-keygen could not make the demo key: {why}")
        key_type, key_b64 = (Path(tmp) / "demo.pub").read_text().split()[:2]
        allowed.write_text(
            "# golive demo: a throwaway key made for this demo run (its private half is gone)\n"
            f'{DEMO_SIGNER} namespaces="golive-signoff" {key_type} {key_b64} roles={DEMO_ROLE}\n'
        )
        doc = so.load_results(folder)
        decision = so.SignDecision.GO if doc["decision"] == "go" else so.SignDecision.NO_GO
        trust = so.trusted_for(str(doc["service"]), explicit=allowed)
        # the trusted-signers file outlives the key: verify later with --trusted-signers
        so.sign(
            folder,
            key,
            DEMO_SIGNER,
            DEMO_ROLE,
            decision,
            "demo sign-off with a throwaway key",
            trust,
        )
    service = str(doc["service"])
    portfolio.write(reports, lambda s: trust if s == service else portfolio.default_trust(s))
    return allowed
