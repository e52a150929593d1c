"""Trivy JSON (``trivy image|fs|repo --format json``, schema version 2).

Severity is Trivy's own (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN). The timestamp is
``CreatedAt`` (Trivy >= 0.48); older reports have none and use the file time. Findings
whose ``Status`` is ``not_affected`` or ``fix_deferred``/``will_not_fix`` are kept (the
package is still vulnerable); ``FixedVersion`` empty means no fix is published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import (
    Finding,
    ScanFormatError,
    ScanReport,
    advisory_link,
    expect,
    items,
    level_from_name,
    parse_time,
    text,
)

FORMAT = "trivy"


def parse(doc: Any, path: Path) -> ScanReport:
    expect(doc, dict, path, "$")
    schema = doc.get("SchemaVersion")
    if schema not in (2, None):
        raise ScanFormatError(
            path, "$.SchemaVersion", f"Trivy schema {schema!r} is not supported; expected 2"
        )
    findings: list[Finding] = []
    packages = 0
    notes: list[str] = []
    for i, result in enumerate(items(doc, "Results", path, "$")):
        rp = f"$.Results[{i}]"
        expect(result, dict, path, rp)
        target = text(result.get("Target"))
        packages += len(result.get("Packages") or [])
        for j, vuln in enumerate(items(result, "Vulnerabilities", path, rp)):
            vp = f"{rp}.Vulnerabilities[{j}]"
            expect(vuln, dict, path, vp)
            vid = expect(vuln.get("VulnerabilityID"), str, path, f"{vp}.VulnerabilityID")
            status = text(vuln.get("Status"))
            if status == "not_affected":
                notes.append(f"{vid} in {vuln.get('PkgName')}: marked not_affected by the vendor")
                continue
            findings.append(
                Finding(
                    id=vid,
                    package=text(vuln.get("PkgName")),
                    installed=text(vuln.get("InstalledVersion")),
                    fixed=text(vuln.get("FixedVersion")) or None,
                    severity=level_from_name(vuln.get("Severity")),
                    source="Trivy",
                    link=text(vuln.get("PrimaryURL")) or advisory_link(vid),
                    aliases=tuple(text(a) for a in vuln.get("VendorIDs") or []),
                    title=text(vuln.get("Title"))[:200],
                    target=target,
                )
            )
    return ScanReport(
        path=path,
        format=FORMAT,
        tool="Trivy",
        findings=tuple(findings),
        scanned_at=parse_time(doc.get("CreatedAt")),
        target=text(doc.get("ArtifactName")),
        packages_scanned=packages or None,
        notes=tuple(notes),
    )
