"""SARIF 2.1.0 (OASIS), what Trivy, Grype, OSV-Scanner, hadolint, Bandit and Semgrep emit.

Read:
- every run's results, with their rule found by ``ruleIndex``/``rule.index`` (in the
  driver, or the extension ``rule.toolComponent.index`` names) or by ``ruleId`` (a
  hierarchical id "A/1" falls back to rule "A");
- ``kind`` (§3.27.9; absent means ``fail``): only ``fail`` results are findings; pass,
  open, review, informational and notApplicable are counted in the notes;
- ``baselineState`` ``absent`` (§3.27.24: the result was in the baseline, not in this
  run) is not a finding;
- ``suppressions`` (§3.27.23, §3.35.3): a result with one or more suppressions none of
  which is ``underReview`` or ``rejected`` is suppressed and not a finding (a suppression
  without status is accepted); an empty array is not suppressed;
- severity: the ``security-severity`` score in the result's or its rule's properties (>= 9
  critical, 7-8.9 high, 4-6.9 medium, below low) wins, because the ``level`` alone cannot
  tell critical from high (Trivy maps both CRITICAL and HIGH to ``error``). Without a
  score, the level as §3.27.10 defines it: the result's ``level``, else the invocation's
  ``ruleConfigurationOverrides`` for the rule, else the rule's
  ``defaultConfiguration.level``, else ``warning``; error -> high, warning -> medium,
  note/none -> low;
- whether the tool ran (``ScanReport.problems``): ``runs`` empty or null, a run without a
  ``results`` array (§3.14.23: the tool did not run or did not finish; an empty array means
  it found nothing), an invocation with ``executionSuccessful: false``, an error-level
  ``toolExecutionNotifications``/``toolConfigurationNotifications`` entry;
- the time: the latest invocation ``endTimeUtc`` (else ``startTimeUtc``).

Package, installed and fixed versions come from the message text in the layout Trivy
writes ("Package: x / Installed Version: y / Fixed Version: z"); other tools leave them
empty and the finding's target is its first location.

Deliberately ignored: code flows, fixes, graphs, taxonomies, artifacts' contents,
``rank``, ``occurrenceCount``, result ``guid``/fingerprints (each result is one finding),
and ``enabled: false`` in a configuration override (the tool reports what it ran).
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


def _severity(result: dict[str, Any], rule: dict[str, Any], level: str) -> Level:
    score = _score(result.get("properties"))
    if score is None:
        score = _score(rule.get("properties"))
    if score is not None:
        return level_from_score(score)
    return _LEVELS.get(level, Level.MEDIUM)


def _level(result: dict[str, Any], rule: dict[str, Any], override: str | None) -> str:
    """SARIF §3.27.10: the result's ``level``, else the invocation's configuration override
    for its rule, else the rule's ``defaultConfiguration.level``, else ``warning``."""
    if result.get("level") is not None:
        return text(result["level"])
    if override:
        return override
    default = rule.get("defaultConfiguration")
    if isinstance(default, dict) and default.get("level") is not None:
        return text(default["level"])
    return "warning"


def _suppressed(result: dict[str, Any]) -> bool:
    """SARIF §3.27.23 and §3.35.3: a result is suppressed when it has at least one suppression
    and none of them is ``underReview`` or ``rejected`` (a suppression without a status is
    accepted). An absent or empty array: not suppressed."""
    sups = result.get("suppressions")
    if not isinstance(sups, list) or not sups:
        return False
    statuses = [text(s.get("status")) if isinstance(s, dict) else "" for s in sups]
    return not any(st in ("underReview", "rejected") for st in statuses)


class _Rules:
    """The rules of a run's driver and extensions, found as a result names them (§3.52)."""

    def __init__(self, run: dict[str, Any], path: Path, rp: str) -> None:
        tool = expect(run.get("tool"), dict, path, f"{rp}.tool")
        driver = expect(tool.get("driver"), dict, path, f"{rp}.tool.driver")
        self.name = text(driver.get("name")) or "SARIF tool"
        self.components = [driver] + [
            e for e in (tool.get("extensions") or []) if isinstance(e, dict)
        ]
        self.lists: list[list[Any]] = []
        for c, comp in enumerate(self.components):
            where = f"{rp}.tool.driver" if c == 0 else f"{rp}.tool.extensions[{c - 1}]"
            rules = items(comp, "rules", path, where)
            for i, rule in enumerate(rules):
                expect(rule, dict, path, f"{where}.rules[{i}]")
            self.lists.append(rules)
        self.by_id = {
            text(r["id"]): r for rules in self.lists for r in rules if r.get("id") is not None
        }

    def _component(self, ref: Any) -> int:
        """Which of ``self.lists`` a toolComponentReference (§3.54) names: its ``index``
        is into ``tool.extensions``, or its ``name``; absent means the driver (0)."""
        if not isinstance(ref, dict):
            return 0
        index = ref.get("index")
        if isinstance(index, int) and 0 <= index < len(self.lists) - 1:
            return index + 1
        names = [text(c.get("name")) for c in self.components]
        name = text(ref.get("name"))
        return names.index(name) if name and name in names[1:] else 0

    def find(self, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raw = result.get("rule")
        ref: dict[str, Any] = raw if isinstance(raw, dict) else {}
        rule_id = text(result.get("ruleId")) or text(ref.get("id"))
        index = result.get("ruleIndex", ref.get("index"))
        rules = self.lists[self._component(ref.get("toolComponent"))]
        if isinstance(index, int) and 0 <= index < len(rules):
            rule = rules[index]
            return rule_id or text(rule.get("id")), rule
        # A hierarchical id ("CA2101/1", §3.27.5) names a sub-rule: try each shorter prefix.
        parts = rule_id.split("/")
        for candidate in ("/".join(parts[:n]) for n in range(len(parts), 0, -1)):
            if candidate in self.by_id:
                return rule_id, self.by_id[candidate]
        return rule_id, {}


def _overrides(run: dict[str, Any]) -> dict[str, str]:
    """Rule id -> level from the invocations' ruleConfigurationOverrides (§3.20.5)."""
    found: dict[str, str] = {}
    for inv in run.get("invocations") or []:
        for o in (inv or {}).get("ruleConfigurationOverrides") or []:
            if not isinstance(o, dict):
                continue
            rid = text((o.get("descriptor") or {}).get("id"))
            level = (o.get("configuration") or {}).get("level")
            if rid and level:
                found[rid] = text(level)
    return found


def _invocation_problems(name: str, run: dict[str, Any], path: Path, rp: str) -> list[str]:
    """Why a run's invocations say the tool failed: executionSuccessful false (§3.20.14),
    or an error-level tool execution or configuration notification (§3.20.21-22, §3.58)."""
    problems: list[str] = []
    for i, inv in enumerate(items(run, "invocations", path, rp)):
        ip = f"{rp}.invocations[{i}]"
        expect(inv, dict, path, ip)
        if inv.get("executionSuccessful") is False:
            code = inv.get("exitCode")
            why = text(inv.get("exitCodeDescription"))
            problems.append(
                f"{name} says its run failed ({ip}.executionSuccessful is false"
                + (f", exit code {code}" if code is not None else "")
                + (f": {why}" if why else "")
                + ")"
            )
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for n in inv.get(key) or []:
                if isinstance(n, dict) and text(n.get("level")) == "error":
                    msg = n.get("message") or {}
                    body = text(msg.get("text") if isinstance(msg, dict) else msg)
                    problems.append(
                        f"{name} reported an error: {body.splitlines()[0][:200]}"
                        if body
                        else f"{name} reported an error ({ip}.{key})"
                    )
    return problems


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


def _not_counted(result: dict[str, Any]) -> str | None:
    """Why a result is not a finding (not a failure, absent from now on, suppressed)."""
    kind = text(result.get("kind")) or "fail"
    if kind != "fail":
        return f"kind {kind}"
    if result.get("baselineState") == "absent":
        return "baselineState absent"
    if _suppressed(result):
        return "suppressed"
    return None


def _finding(result: dict[str, Any], rules: _Rules, overrides: dict[str, str]) -> Finding:
    name = rules.name
    rule_id, rule = rules.find(result)
    message = result.get("message") or {}
    body = text(message.get("text") if isinstance(message, dict) else message)
    rule_id = rule_id or (body.splitlines()[0][:80] if body else f"{name} result")
    fields = {k: v.strip() for k, v in _FIELD_RE.findall(body)}
    fixed = fields.get("Fixed Version") or None
    short = rule.get("shortDescription") or {}
    level = _level(result, rule, overrides.get(rule_id) or overrides.get(rule_id.split("/")[0]))
    return Finding(
        id=rule_id,
        package=fields.get("Package", ""),
        installed=fields.get("Installed Version", ""),
        fixed=fixed,
        severity=_severity(result, rule, level),
        source=name,
        link=_link(fields.get("Link", "")) or text(rule.get("helpUri")) or advisory_link(rule_id),
        title=_title(short, body),
        target=_location(result),
    )


def parse(doc: Any, path: Path) -> ScanReport:
    expect(doc, dict, path, "$")
    version = text(doc.get("version"))
    if version and version != "2.1.0":
        raise ScanFormatError(
            path, "$.version", f"SARIF {version} is not supported; expected 2.1.0"
        )
    if "runs" not in doc:
        raise ScanFormatError(path, "$.runs", "required array is missing")
    runs = items(doc, "runs", path, "$")
    problems: list[str] = []
    if not runs:
        problems.append(
            "the log holds no run (runs is "
            + ("null: the tool failed before it could report" if doc["runs"] is None else "empty")
            + "): nothing was scanned"
        )
    findings: list[Finding] = []
    tools: list[str] = []
    times: list[datetime] = []
    not_counted: dict[str, int] = {}
    for r, run in enumerate(runs):
        rp = f"$.runs[{r}]"
        expect(run, dict, path, rp)
        rules = _Rules(run, path, rp)
        name = rules.name
        tools.append(name)
        problems.extend(_invocation_problems(name, run, path, rp))
        for inv in run.get("invocations") or []:
            when = parse_time(inv.get("endTimeUtc")) or parse_time(inv.get("startTimeUtc"))
            if when:
                times.append(when)
        if run.get("results") is None:
            problems.append(
                f"{name}'s run {rp} has no results array: the tool did not run or did not "
                "finish (an empty array is how SARIF says it found nothing)"
            )
        overrides = _overrides(run)
        for i, result in enumerate(items(run, "results", path, rp)):
            xp = f"{rp}.results[{i}]"
            expect(result, dict, path, xp)
            why = _not_counted(result)
            if why is not None:
                not_counted[why] = not_counted.get(why, 0) + 1
                continue
            findings.append(_finding(result, rules, overrides))
    notes = tuple(f"{n} result(s) not counted: {why}" for why, n in not_counted.items())
    return ScanReport(
        path=path,
        format=FORMAT,
        tool=", ".join(dict.fromkeys(tools)) or "SARIF",
        findings=tuple(findings),
        scanned_at=max(times) if times else None,
        notes=notes,
        problems=tuple(problems),
    )
