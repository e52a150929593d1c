"""CycloneDX (1.4-1.6 JSON) with a ``vulnerabilities`` array (VEX / BOM-with-vulns).

Read: ``components`` (nested ones too) by ``bom-ref``; each vulnerability ``affects``
components by ``ref``: one finding per affected component. Severity: the highest of
``ratings[].severity``, else of ``ratings[].score``. A vulnerability whose
``analysis.state`` is ``not_affected``, ``false_positive``, ``resolved`` or
``resolved_with_pedigree`` is not a finding (kept as a note); ``exploitable``,
``in_triage`` and no analysis are findings. The fixed version is an ``affects`` version
with status ``unaffected``, else none. Timestamp: ``metadata.timestamp``; tool names from
``metadata.tools`` (an array in 1.4, ``{"components": [...]}`` from 1.5).

Ignored: CycloneDX XML and protobuf (JSON only), ``analysis.response`` and
``justification`` (shown by the producer, not needed for the verdict), ``dependencies``,
``services``, version ranges in ``affects`` beyond the ``unaffected`` version.
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
    parse_time,
    text,
)

FORMAT = "cyclonedx"
CLEARED = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})


def _components(doc: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = [(c, f"$.components[{i}]") for i, c in enumerate(items(doc, "components", path, "$"))]
    while stack:
        comp, cp = stack.pop()
        expect(comp, dict, path, cp)
        ref = text(comp.get("bom-ref") or comp.get("purl") or comp.get("name"))
        found[ref] = comp
        stack.extend(
            (c, f"{cp}.components[{i}]") for i, c in enumerate(comp.get("components") or [])
        )
    return found


def _severity(vuln: dict[str, Any]) -> Level:
    levels = []
    for rating in vuln.get("ratings") or []:
        if not isinstance(rating, dict):
            continue
        level = level_from_name(rating.get("severity"))
        if level is Level.UNKNOWN and isinstance(rating.get("score"), int | float):
            level = level_from_score(float(rating["score"]))
        levels.append(level)
    return max(levels, default=Level.UNKNOWN)


def parse(doc: Any, path: Path) -> ScanReport:
    expect(doc, dict, path, "$")
    components = _components(doc, path)
    findings: list[Finding] = []
    notes: list[str] = []
    for i, vuln in enumerate(items(doc, "vulnerabilities", path, "$", required=True)):
        vp = f"$.vulnerabilities[{i}]"
        expect(vuln, dict, path, vp)
        vid = expect(vuln.get("id"), str, path, f"{vp}.id")
        state = text((vuln.get("analysis") or {}).get("state"))
        if state in CLEARED:
            notes.append(f"{vid}: analysis state {state}")
            continue
        source = vuln.get("source") or {}
        refs = [text(r.get("id")) for r in vuln.get("references") or [] if isinstance(r, dict)]
        for j, affects in enumerate(items(vuln, "affects", path, vp)):
            ap = f"{vp}.affects[{j}]"
            expect(affects, dict, path, ap)
            ref = text(affects.get("ref"))
            comp = components.get(ref, {})
            fixed = [
                text(v.get("version"))
                for v in affects.get("versions") or []
                if isinstance(v, dict) and v.get("status") == "unaffected" and v.get("version")
            ]
            findings.append(
                Finding(
                    id=vid,
                    package=text(comp.get("name")) or ref,
                    installed=text(comp.get("version")),
                    fixed=", ".join(fixed) or None,
                    severity=_severity(vuln),
                    source=text(source.get("name")) or "CycloneDX",
                    link=text(source.get("url")) or advisory_link(vid),
                    aliases=tuple(r for r in refs if r and r != vid),
                    title=text(vuln.get("description") or vuln.get("detail")).split("\n")[0][:200],
                    target=text(comp.get("purl")),
                )
            )
    metadata = doc.get("metadata") or {}
    tools = metadata.get("tools") if isinstance(metadata, dict) else None
    tool_names: list[str] = []
    if isinstance(tools, dict):  # CycloneDX 1.5: {"components": [...]}
        tool_names = [
            text(t.get("name")) for t in tools.get("components") or [] if isinstance(t, dict)
        ]
    elif isinstance(tools, list):
        tool_names = [text(t.get("name")) for t in tools if isinstance(t, dict)]
    component = metadata.get("component") if isinstance(metadata, dict) else None
    return ScanReport(
        path=path,
        format=FORMAT,
        tool=", ".join(n for n in tool_names if n) or "CycloneDX",
        findings=tuple(findings),
        scanned_at=parse_time(metadata.get("timestamp") if isinstance(metadata, dict) else None),
        target=text(component.get("name")) if isinstance(component, dict) else "",
        packages_scanned=len(components) or None,
        notes=tuple(notes),
    )
