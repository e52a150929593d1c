"""Trivy JSON (``trivy image|fs|repo|config --format json``), schema version 2, and the bare
list of results Trivy wrote before 0.20 (schema "1", no top-level object).

Read, in each of ``Results``:
- ``Vulnerabilities``: one finding per entry; severity is Trivy's own (CRITICAL, HIGH,
  MEDIUM, LOW, UNKNOWN); ``FixedVersion`` empty means no fix is published. An entry whose
  ``Status`` is ``not_affected`` (a vendor's VEX statement) is a note, not a finding; every
  other status (affected, fixed, will_not_fix, fix_deferred, end_of_life,
  under_investigation) is a finding: the package is still the vulnerable one;
- ``Secrets``: one finding per secret (``RuleID``, ``Severity``, ``Title``, at
  ``Target:StartLine``); a secret has no fix version, it is removed;
- ``Misconfigurations``: one finding per entry whose ``Status`` is ``FAIL`` (``PASS`` and
  ``EXCEPTION``, a check excepted by policy, are not findings; they are counted in notes).
The timestamp is ``CreatedAt`` (Trivy >= 0.48); older reports have none: their age is
unknown (a file time is the checkout's).

Deliberately ignored: ``Licenses`` (a licence policy is not a vulnerability),
``MisconfSummary`` (the entries are counted themselves), ``Packages``' contents (only
counted), ``ExperimentalModifiedFindings`` (findings Trivy already removed), ``Metadata``.
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


def _vulnerability(vuln: dict[str, Any], vid: str, target: str) -> Finding:
    return Finding(
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


def _secret(secret: dict[str, Any], target: str) -> Finding:
    line = secret.get("StartLine")
    return Finding(
        id=text(secret.get("RuleID")) or "secret",
        package="",
        installed="",
        fixed=None,
        severity=level_from_name(secret.get("Severity")),
        source="Trivy secret scanner",
        title=f"secret: {text(secret.get('Title')) or text(secret.get('Category'))}"[:200],
        target=f"{target}:{line}" if line else target,
    )


def _misconfiguration(mis: dict[str, Any], target: str) -> Finding:
    line = (mis.get("CauseMetadata") or {}).get("StartLine")
    return Finding(
        id=text(mis.get("AVDID")) or text(mis.get("ID")) or "misconfiguration",
        package="",
        installed="",
        fixed=None,
        severity=level_from_name(mis.get("Severity")),
        source="Trivy misconfiguration scanner",
        link=text(mis.get("PrimaryURL")) or None,
        aliases=tuple(a for a in (text(mis.get("ID")),) if a and a != text(mis.get("AVDID"))),
        title=(text(mis.get("Title")) or text(mis.get("Message")))[:200],
        target=f"{target}:{line}" if line else target,
    )


def parse(doc: Any, path: Path) -> ScanReport:
    if isinstance(doc, list):  # before Trivy 0.20: the Results array alone
        results, base, top = doc, "$", {}
    else:
        expect(doc, dict, path, "$")
        schema = doc.get("SchemaVersion")
        if schema not in (2, None):
            raise ScanFormatError(
                path, "$.SchemaVersion", f"Trivy schema {schema!r} is not supported; expected 2"
            )
        results, base, top = items(doc, "Results", path, "$"), "$.Results", doc
    findings: list[Finding] = []
    packages = 0
    notes: list[str] = []
    not_failed: dict[str, int] = {}
    for i, result in enumerate(results):
        rp = f"{base}[{i}]"
        expect(result, dict, path, rp)
        target = text(result.get("Target"))
        packages += len(result.get("Packages") or [])
        for j, vuln in enumerate(items(result, "Vulnerabilities", path, rp)):
            vp = f"{rp}.Vulnerabilities[{j}]"
            expect(vuln, dict, path, vp)
            vid = expect(vuln.get("VulnerabilityID"), str, path, f"{vp}.VulnerabilityID")
            if text(vuln.get("Status")) == "not_affected":
                notes.append(f"{vid} in {vuln.get('PkgName')}: marked not_affected by the vendor")
                continue
            findings.append(_vulnerability(vuln, vid, target))
        for j, secret in enumerate(items(result, "Secrets", path, rp)):
            findings.append(_secret(expect(secret, dict, path, f"{rp}.Secrets[{j}]"), target))
        for j, mis in enumerate(items(result, "Misconfigurations", path, rp)):
            expect(mis, dict, path, f"{rp}.Misconfigurations[{j}]")
            status = text(mis.get("Status")).upper() or "FAIL"
            if status != "FAIL":
                not_failed[status] = not_failed.get(status, 0) + 1
                continue
            findings.append(_misconfiguration(mis, target))
    notes.extend(f"{n} misconfiguration check(s) {st}" for st, n in not_failed.items())
    return ScanReport(
        path=path,
        format=FORMAT,
        tool="Trivy",
        findings=tuple(findings),
        scanned_at=parse_time(top.get("CreatedAt")),
        target=text(top.get("ArtifactName")),
        packages_scanned=packages or None,
        notes=tuple(notes),
    )
