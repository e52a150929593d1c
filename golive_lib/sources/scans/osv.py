"""OSV-Scanner JSON (``osv-scanner --format json``, 1.x and 2.x): results per lock file or
SBOM, packages, vulnerabilities.

Read: ``results[].packages[]``; vulnerabilities are grouped (``groups``: one id and its
aliases per group, with ``max_severity``, a CVSS score): one finding per group, or one per
vulnerability when the output has no groups (early 1.x). Without a group score the severity
is the advisory's ``database_specific.severity`` (GitHub's CRITICAL/HIGH/MODERATE/LOW), else
unknown. The fixed version comes from the ``fixed`` events of the affected ranges of the
same package.

Ignored: licence results (``licenses``, ``experimental_config``), call analysis, the
advisories' ``severity`` vectors beyond the group score. The report holds no timestamp:
its age is unknown (the checks say so; a file time is the checkout's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import (
    Finding,
    Level,
    ScanReport,
    advisory_link,
    expect,
    items,
    level_from_name,
    level_from_score,
    text,
)

FORMAT = "osv-scanner"


def _fixed(vuln: dict[str, Any], package: str) -> str | None:
    fixes: list[str] = []
    for affected in vuln.get("affected") or []:
        if not isinstance(affected, dict):
            continue
        name = text((affected.get("package") or {}).get("name"))
        if name and name.lower() != package.lower():
            continue
        for rng in affected.get("ranges") or []:
            for event in (rng or {}).get("events") or []:
                if isinstance(event, dict) and event.get("fixed"):
                    fixes.append(text(event["fixed"]))
    return ", ".join(dict.fromkeys(fixes)) or None


def _severity(group: dict[str, Any], vulns: list[dict[str, Any]]) -> Level:
    score = group.get("max_severity")
    try:
        if score not in (None, ""):
            return level_from_score(float(score))
    except (TypeError, ValueError):
        pass
    levels = [level_from_name((v.get("database_specific") or {}).get("severity")) for v in vulns]
    return max(levels, default=Level.UNKNOWN)


def parse(doc: Any, path: Path) -> ScanReport:
    expect(doc, dict, path, "$")
    findings: list[Finding] = []
    count = 0
    for i, result in enumerate(items(doc, "results", path, "$", required=True)):
        rp = f"$.results[{i}]"
        expect(result, dict, path, rp)
        source = text((result.get("source") or {}).get("path"))
        for j, entry in enumerate(items(result, "packages", path, rp)):
            pp = f"{rp}.packages[{j}]"
            expect(entry, dict, path, pp)
            count += 1
            pkg = expect(entry.get("package"), dict, path, f"{pp}.package")
            name = text(pkg.get("name"))
            vulns = {}
            for k, vuln in enumerate(items(entry, "vulnerabilities", path, pp)):
                expect(vuln, dict, path, f"{pp}.vulnerabilities[{k}]")
                vulns[text(vuln.get("id"))] = vuln
            groups = items(entry, "groups", path, pp) or [{"ids": [vid]} for vid in vulns]
            for k, group in enumerate(groups):
                gp = f"{pp}.groups[{k}]"
                expect(group, dict, path, gp)
                ids = [text(x) for x in items(group, "ids", path, gp, required=True)]
                members = [vulns[x] for x in ids if x in vulns]
                aliases = [text(a) for a in group.get("aliases") or []]
                for m in members:
                    aliases.extend(text(a) for a in m.get("aliases") or [])
                main = ids[0]
                first = members[0] if members else {}
                findings.append(
                    Finding(
                        id=main,
                        package=name,
                        installed=text(pkg.get("version")),
                        fixed=_fixed(first, name) if first else None,
                        severity=_severity(group, members),
                        source="OSV-Scanner",
                        link=advisory_link(main) or f"https://osv.dev/vulnerability/{main}",
                        aliases=tuple(a for a in dict.fromkeys([*ids[1:], *aliases]) if a != main),
                        title=text(first.get("summary"))[:200],
                        target=source,
                    )
                )
    return ScanReport(
        path=path,
        format=FORMAT,
        tool="OSV-Scanner",
        findings=tuple(findings),
        packages_scanned=count or None,
    )
