"""security.secrets-in-repo: the secret scan of the repository (redacted findings)."""

from __future__ import annotations

from typing import Any

from ... import catalog
from ...model import Check, Evidence, Status
from ...params import Params
from ..base import check
from .evidence import SecurityEvidence


@check("security.secrets-in-repo")
def secrets_in_repo(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.secrets-in-repo"
    if ev.secrets is None:
        return catalog.error(check_id, f"detect-secrets: {ev.secrets_error}")
    scan = ev.secrets
    evidence = [
        Evidence(label=f.type, value=f.redacted, location=f.location) for f in scan.findings
    ]
    evidence += [Evidence(label="not scanned", value=u) for u in scan.unreadable]
    data: dict[str, Any] = {
        "files_scanned": scan.files_scanned,
        "findings": [{"type": f.type, "path": f.path, "line": f.line} for f in scan.findings],
    }
    excluded = params.security.secrets.exclude
    note = f" (excluded: {', '.join(excluded)})" if excluded else ""
    if scan.findings:
        where = ", ".join(f"{f.type} at {f.location}" for f in scan.findings[:5])
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(scan.findings)} potential secret(s) in {scan.files_scanned} files: {where}",
            evidence,
            "Revoke and rotate each secret first (it is in the history), then remove it and load "
            "it from the environment or a secret manager; a false positive gets a "
            "`# pragma: allowlist secret` comment or an exclude glob in security.secrets.exclude.",
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"detect-secrets found nothing in {scan.files_scanned} files{note}",
        evidence,
        **data,
    )
