"""SARIF 2.1.0, what Trivy, Grype, OSV-Scanner, hadolint, Bandit and Semgrep emit.

Severity: the ``security-severity`` score in the result's or its rule's properties
(>= 9 critical, 7-8.9 high, 4-6.9 medium, below low) wins, because the ``level`` alone
cannot tell critical from high (Trivy maps both CRITICAL and HIGH to ``error``). Without
a score: the result's ``level``, else its rule's ``defaultConfiguration.level``, else
``warning`` (SARIF's default); error -> high, warning -> medium, note/none -> low.

Package, installed and fixed versions come from the message text in the layout Trivy
writes ("Package: x / Installed Version: y / Fixed Version: z"); other tools leave them
empty and the finding's target is its first location.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from . import (
    Finding,
    Level,
    ScanFormatError,
    ScanReport,
    advisory_link,
    expect,
    items,
    level_from_score,
    parse_time,
    text,
)

FORMAT = "sarif"
_LEVELS = {"error": Level.HIGH, "warning": Level.MEDIUM, "note": Level.LOW, "none": Level.LOW}
_FIELD_RE = re.compile(
    r"^[ \t]*(Package|Installed Version|Fixed Version|Severity|Link):[ \t]*([^\n]*)$", re.M
)
_MD_LINK_RE = re.compile(r"\]\((https?://[^)\s]+)\)")


def _score(props: Any) -> float | None:
    if not isinstance(props, dict):
        return None
    value = props.get("security-severity")
    try:
        return float(value) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def _severity(result: dict[str, Any], rule: dict[str, Any]) -> Level:
    score = _score(result.get("properties"))
    if score is None:
        score = _score(rule.get("properties"))
    if score is not None:
        return level_from_score(score)
    level = result.get("level")
    if level is None:
        level = (rule.get("defaultConfiguration") or {}).get("level", "warning")
    return _LEVELS.get(str(level), Level.MEDIUM)


def _location(result: dict[str, Any]) -> str:
    for loc in result.get("locations") or []:
        physical = (loc or {}).get("physicalLocation") or {}
        uri = ((physical.get("artifactLocation") or {}).get("uri")) or ""
        line = (physical.get("region") or {}).get("startLine")
        if uri:
            return f"{uri}:{line}" if line else str(uri)
    return ""


def _link(value: str) -> str | None:
    """Trivy writes ``[CVE-…](https://…)``; keep the URL."""
    m = _MD_LINK_RE.search(value)
    if m:
        return m.group(1)
    return value if value.startswith(("http://", "https://")) else None


def _title(short: Any, body: str) -> str:
    if isinstance(short, dict) and short.get("text"):
        return text(short["text"])[:200]
    return body.splitlines()[0][:200] if body else ""


def parse(doc: Any, path: Path) -> ScanReport:
    expect(doc, dict, path, "$")
    version = text(doc.get("version"))
    if version and version != "2.1.0":
        raise ScanFormatError(
            path, "$.version", f"SARIF {version} is not supported; expected 2.1.0"
        )
    runs = items(doc, "runs", path, "$", required=True)
    findings: list[Finding] = []
    tools: list[str] = []
    times: list[datetime] = []
    for r, run in enumerate(runs):
        rp = f"$.runs[{r}]"
        expect(run, dict, path, rp)
        tool = expect(run.get("tool"), dict, path, f"{rp}.tool")
        driver = expect(tool.get("driver"), dict, path, f"{rp}.tool.driver")
        name = text(driver.get("name")) or "SARIF tool"
        tools.append(name)
        rules: dict[str, dict[str, Any]] = {}
        rule_list = items(driver, "rules", path, f"{rp}.tool.driver")
        for i, rule in enumerate(rule_list):
            expect(rule, dict, path, f"{rp}.tool.driver.rules[{i}]")
            if "id" in rule:
                rules[str(rule["id"])] = rule
        for i, inv in enumerate(items(run, "invocations", path, rp)):
            expect(inv, dict, path, f"{rp}.invocations[{i}]")
            when = parse_time(inv.get("endTimeUtc")) or parse_time(inv.get("startTimeUtc"))
            if when:
                times.append(when)
        for i, result in enumerate(items(run, "results", path, rp)):
            xp = f"{rp}.results[{i}]"
            expect(result, dict, path, xp)
            rule_id = text(result.get("ruleId"))
            rule_index = result.get("ruleIndex")
            rule = rules.get(rule_id, {})
            if not rule and isinstance(rule_index, int) and 0 <= rule_index < len(rule_list):
                rule = rule_list[rule_index]
                rule_id = rule_id or text(rule.get("id"))
            if not rule_id:
                raise ScanFormatError(path, f"{xp}.ruleId", "a result without ruleId or rule")
            message = result.get("message") or {}
            body = text(message.get("text") if isinstance(message, dict) else message)
            fields = {k: v.strip() for k, v in _FIELD_RE.findall(body)}
            fixed = fields.get("Fixed Version") or None
            short = rule.get("shortDescription") or {}
            findings.append(
                Finding(
                    id=rule_id,
                    package=fields.get("Package", ""),
                    installed=fields.get("Installed Version", ""),
                    fixed=fixed,
                    severity=_severity(result, rule),
                    source=name,
                    link=_link(fields.get("Link", ""))
                    or text(rule.get("helpUri"))
                    or advisory_link(rule_id),
                    title=_title(short, body),
                    target=_location(result),
                )
            )
    return ScanReport(
        path=path,
        format=FORMAT,
        tool=", ".join(dict.fromkeys(tools)) or "SARIF",
        findings=tuple(findings),
        scanned_at=max(times) if times else None,
    )
