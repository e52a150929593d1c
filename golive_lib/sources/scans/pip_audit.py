"""pip-audit JSON (``pip-audit -f json``): dependencies with their vulns, and skips.

Read: each dependency's ``name``, ``version`` and ``vulns`` (``id``, ``fix_versions``,
``aliases``, the first line of ``description``); one finding per vuln. A dependency
pip-audit could not check carries ``skip_reason`` instead of ``vulns`` ("Dependency not
found on PyPI and could not be audited", or an index that answers only part of the API).
pip-audit still prints "No known vulnerabilities found" and exits 0 then, so each skip is
kept as data. pip-audit reports no severity: findings are ``unknown`` and the section counts
them as at the threshold. Both the current layout (``{"dependencies": [...], "fixes":
[...]}``) and the bare list of pip-audit < 2 are read.

Ignored: ``fixes`` (the upgrades ``--fix`` applied). The report holds no timestamp:
its age is unknown (the checks say so; a file time is the checkout's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Finding, Level, ScanReport, Skipped, advisory_link, expect, items, text

FORMAT = "pip-audit"


def parse(doc: Any, path: Path) -> ScanReport:
    if isinstance(doc, list):
        deps, base = doc, "$"
    else:
        expect(doc, dict, path, "$")
        deps, base = items(doc, "dependencies", path, "$", required=True), "$.dependencies"
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for i, dep in enumerate(deps):
        dp = f"{base}[{i}]"
        expect(dep, dict, path, dp)
        name = expect(dep.get("name"), str, path, f"{dp}.name")
        version = text(dep.get("version"))
        if dep.get("skip_reason"):
            skipped.append(Skipped(name, text(dep["skip_reason"]), version))
            continue
        for j, vuln in enumerate(items(dep, "vulns", path, dp)):
            vp = f"{dp}.vulns[{j}]"
            expect(vuln, dict, path, vp)
            vid = expect(vuln.get("id"), str, path, f"{vp}.id")
            fixes = [text(v) for v in items(vuln, "fix_versions", path, vp)]
            aliases = tuple(text(a) for a in items(vuln, "aliases", path, vp))
            findings.append(
                Finding(
                    id=vid,
                    package=name,
                    installed=version,
                    fixed=", ".join(fixes) or None,
                    severity=Level.UNKNOWN,
                    source="pip-audit",
                    link=advisory_link(vid),
                    aliases=aliases,
                    title=text(vuln.get("description")).split("\n")[0][:200],
                )
            )
    return ScanReport(
        path=path,
        format=FORMAT,
        tool="pip-audit",
        findings=tuple(findings),
        skipped=tuple(skipped),
        packages_scanned=len(deps) - len(skipped),
    )
