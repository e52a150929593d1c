"""security.secrets-in-repo: the secret scan of the repository (redacted findings).

Findings are grouped by type and file; the groups most likely to be real secrets come
first (the engine's likelihood, then how many), those in test, example and documentation
files are reported apart, and past the first few the rest is counted by type. A finding
accepted in `.secrets.baseline` is named and not counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ... import catalog
from ...model import Check, Evidence, Status
from ...params import Params
from ...sources.secret_engines import RANK
from ...sources.secrets import SecretFinding, SecretScan
from ..base import check
from .evidence import SecurityEvidence

SHOWN = 10  # groups listed one by one in the evidence; the rest as counts


@dataclass(frozen=True)
class Group:
    type: str
    path: str
    findings: tuple[SecretFinding, ...]

    @property
    def confidence(self) -> str:
        return min((f.confidence for f in self.findings), key=lambda c: RANK.get(c, 3))

    @property
    def lines(self) -> str:
        shown = ", ".join(str(f.line) for f in self.findings[:8])
        return shown + (f" and {len(self.findings) - 8} more" if len(self.findings) > 8 else "")

    @property
    def text(self) -> str:
        return f"{self.type} in {self.path}:{self.findings[0].line} ({self.confidence})"


def groups(findings: tuple[SecretFinding, ...] | list[SecretFinding]) -> list[Group]:
    """By type and file; most likely first, then most findings, then by path."""
    by: dict[tuple[str, str], list[SecretFinding]] = {}
    for f in findings:
        by.setdefault((f.type, f.path), []).append(f)
    out = [Group(t, p, tuple(sorted(fs, key=lambda f: f.line))) for (t, p), fs in by.items()]
    out.sort(key=lambda g: (RANK.get(g.confidence, 3), -len(g.findings), g.path, g.type))
    return out


def _evidence(gs: list[Group], apart: str) -> list[Evidence]:
    out = [
        Evidence(
            label=f"{apart}{g.type} ({g.confidence})",
            value=f"{len(g.findings)} at line(s) {g.lines}; {g.findings[0].redacted}",
            location=g.path,
        )
        for g in gs[:SHOWN]
    ]
    rest = gs[SHOWN:]
    if rest:
        kinds = Counter(g.type for g in rest for _ in g.findings)
        out.append(
            Evidence(
                label=f"{apart}and {sum(len(g.findings) for g in rest)} more",
                value=f"in {len({g.path for g in rest})} files: "
                + ", ".join(f"{k} {n}" for k, n in kinds.most_common()),
            )
        )
    return out


def _scan_evidence(scan: SecretScan, main: list[Group], apart: list[Group]) -> list[Evidence]:
    evidence = [
        Evidence(
            label="engine", value=scan.engine + (f"; {scan.engine_note}" * bool(scan.engine_note))
        )
    ]
    evidence += _evidence(main, "")
    evidence += _evidence(apart, "test/example/docs: ")
    evidence += [
        Evidence(label="accepted (.secrets.baseline)", value=f.type, location=f.location)
        for f in scan.accepted
    ]
    evidence += [
        Evidence(label="not scanned", value=f"{n} files: {rule}") for rule, n in scan.skipped
    ]
    evidence += [Evidence(label="not scanned", value=u) for u in scan.unreadable]
    return evidence


def _scan_data(scan: SecretScan) -> dict[str, Any]:
    return {
        "files_scanned": scan.files_scanned,
        "engine": scan.engine,
        "rescanned": scan.rescanned,
        "skipped": dict(scan.skipped),
        "accepted": len(scan.accepted),
        "findings": [
            {
                "type": f.type,
                "path": f.path,
                "line": f.line,
                "confidence": f.confidence,
                "test_or_example": f.in_tests,
            }
            for f in scan.findings
        ],
    }


@check("security.secrets-in-repo")
def secrets_in_repo(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.secrets-in-repo"
    if ev.secrets is None:
        return catalog.error(check_id, f"secret scan: {ev.secrets_error}")
    scan = ev.secrets
    main = [f for f in scan.findings if not f.in_tests]
    apart = [f for f in scan.findings if f.in_tests]
    main_groups, apart_groups = groups(main), groups(apart)
    evidence = _scan_evidence(scan, main_groups, apart_groups)
    data = _scan_data(scan)
    excluded = params.security.secrets.exclude
    note = f" (excluded: {', '.join(excluded)})" if excluded else ""
    if scan.accepted:
        note += f"; {len(scan.accepted)} accepted in .secrets.baseline"
    fix = (
        "Revoke and rotate each secret first (it is in the history), then remove it and load "
        "it from the environment or a secret manager; a false positive gets a "
        "`# pragma: allowlist secret` comment, an entry in .secrets.baseline "
        "(`detect-secrets scan > .secrets.baseline`, then `detect-secrets audit`) or an "
        "exclude glob in security.secrets.exclude."
    )
    files = len({f.path for f in main})
    if main:
        top = "; ".join(g.text for g in main_groups[:5])
        also = f"; {len(apart)} more in test/example/docs paths" if apart else ""
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(main)} potential secret(s) in {files} of {scan.files_scanned} files "
            f"({len(main_groups)} by type and file){also}{note}: {top}",
            evidence,
            fix,
            **data,
        )
    if apart:
        top = "; ".join(g.text for g in apart_groups[:5])
        return catalog.make(
            check_id,
            Status.WARN,
            f"{len(apart)} potential secret(s) only in test/example/docs paths "
            f"({len({f.path for f in apart})} of {scan.files_scanned} files){note}: {top}; "
            "confirm each is a fake",
            evidence,
            "A fixture's or sample's key must be a fake that no system accepts: " + fix,
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"{scan.engine} found nothing in {scan.files_scanned} files{note}",
        evidence,
        **data,
    )
