"""Real OpenSSH keys for the sign-off tests: made by ssh-keygen in a temporary folder."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from golive_lib.report import signoff as so


def make_key(folder: Path, name: str) -> Path:
    """A fresh ed25519 key pair without passphrase; returns the private key's path."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key


def allowed_line(principal: str, key: Path, roles: str) -> str:
    """One trusted-signers line: principal, namespace restriction, the key, its roles."""
    key_type, key_b64 = (key.parent / f"{key.name}.pub").read_text().split()[:2]
    return f'{principal} namespaces="golive-signoff" {key_type} {key_b64} roles={roles}\n'


def trusted(path: Path, *lines: str, service: str = "svc") -> so.Trust:
    """Write a trusted-signers file; the trust it gives for ``service``'s reports."""
    path.write_text("# who may sign golive reports\n" + "".join(lines))
    return so.trusted_for(service, explicit=path)


def minimal_report(folder: Path, decision: str = "go") -> Path:
    """A report folder made by hand: results.json and the four files every report has.
    Enough to sign and verify (what the pages hold does not matter to a signature); a
    real render costs seconds."""
    folder.mkdir(parents=True)
    results = {
        "service": folder.parent.name,
        "date": folder.name[:10],
        "decision": decision,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sections": [],
        "checks": [],
    }
    (folder / "results.json").write_text(json.dumps(results))
    for name in ("index.html", "report.html"):
        (folder / name).write_text(f"<html><body>{name}</body></html>")
    (folder / "junit.xml").write_text("<testsuites/>")
    return folder
