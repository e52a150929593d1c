"""Grype JSON (``grype IMAGE|dir:PATH|sbom:FILE -o json``): matches of a vulnerability to an
artifact.

Read: ``matches``, one finding each (one CVE matched in two packages is two findings):
``vulnerability.id``, its ``severity`` (Critical, High, Medium, Low, Negligible, Unknown),
``fix.versions`` when ``fix.state`` is ``fixed`` (``not-fixed``, ``wont-fix`` and
``unknown`` mean no fix), ``relatedVulnerabilities`` ids as aliases, the artifact's name,
version and first location; ``source.target`` and ``descriptor.timestamp``.

Ignored: ``ignoredMatches`` (matches the user's .grype.yaml rules already set aside),
``matchDetails``, CVSS vectors (Grype's severity is used), ``distro``, the descriptor's
configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Finding, ScanReport, advisory_link, expect, items, level_from_name, parse_time, text

FORMAT = "grype"


def parse(doc: Any, path: Path) -> ScanReport:
    expect(doc, dict, path, "$")
    findings: list[Finding] = []
    for i, match in enumerate(items(doc, "matches", path, "$", required=True)):
        mp = f"$.matches[{i}]"
        expect(match, dict, path, mp)
        vuln = expect(match.get("vulnerability"), dict, path, f"{mp}.vulnerability")
        artifact = expect(match.get("artifact"), dict, path, f"{mp}.artifact")
        vid = expect(vuln.get("id"), str, path, f"{mp}.vulnerability.id")
        fix = vuln.get("fix") or {}
        fixed = (
            ", ".join(text(v) for v in fix.get("versions") or [])
            if fix.get("state") == "fixed"
            else ""
        )
        related = tuple(
            text(r.get("id"))
            for r in match.get("relatedVulnerabilities") or []
            if isinstance(r, dict)
        )
        locations = artifact.get("locations") or []
        target = (
            text(locations[0].get("path")) if locations and isinstance(locations[0], dict) else ""
        )
        findings.append(
            Finding(
                id=vid,
                package=text(artifact.get("name")),
                installed=text(artifact.get("version")),
                fixed=fixed or None,
                severity=level_from_name(vuln.get("severity")),
                source="Grype",
                link=text(vuln.get("dataSource")) or advisory_link(vid),
                aliases=tuple(a for a in related if a and a != vid),
                title=text(vuln.get("description")).split("\n")[0][:200],
                target=target,
            )
        )
    source = doc.get("source") or {}
    target_info = source.get("target") if isinstance(source, dict) else None
    target = (
        text(target_info.get("userInput")) if isinstance(target_info, dict) else text(target_info)
    )
    descriptor = doc.get("descriptor") or {}
    return ScanReport(
        path=path,
        format=FORMAT,
        tool="Grype",
        findings=tuple(findings),
        scanned_at=parse_time(
            descriptor.get("timestamp") if isinstance(descriptor, dict) else None
        ),
        target=target,
    )
