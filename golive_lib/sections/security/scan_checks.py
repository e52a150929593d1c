"""security.dependency-scan and security.image-scan: each scan report's findings against
the threshold, the ignore list, the report's age and the scanners run now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, Literal

from ... import catalog
from ...model import Check, Evidence, Status
from ...params import Params, ScanIgnore, Security
from ...sources import scans
from ...sources.scans import run_now
from ..base import check
from .evidence import ScanLoad, SecurityEvidence

Verdict = Literal["counts", "unfixed", "below", "ignored"]


@dataclass(frozen=True)
class Judged:
    finding: scans.Finding
    verdict: Verdict
    report: str  # the report's configured path
    note: str = ""


def _ignore_for(finding: scans.Finding, rules: Iterable[ScanIgnore]) -> ScanIgnore | None:
    ids = {i.upper() for i in finding.ids}
    for rule in rules:
        if rule.id.upper() in ids and (
            rule.package is None or rule.package.lower() == finding.package.lower()
        ):
            return rule
    return None


def judge(load: ScanLoad, params: Params, today: date) -> list[Judged]:
    """Each finding of a report against the threshold, the ignore list and its fix."""
    if load.report is None:
        return []
    sec = params.security
    threshold = scans.Level[sec.scan_threshold.upper()]
    judged = []
    for f in load.report.findings:
        rule = _ignore_for(f, sec.scan_ignore)
        at_threshold = f.severity >= threshold or f.severity is scans.Level.UNKNOWN
        if rule is not None and today <= rule.expires:
            note = f"ignored until {rule.expires.isoformat()}: {rule.reason}"
            judged.append(Judged(f, "ignored", load.configured, note))
            continue
        note = f"ignore expired on {rule.expires.isoformat()}" if rule is not None else ""
        if f.severity is scans.Level.UNKNOWN:
            note = "; ".join(filter(None, [note, "severity unknown: counted at the threshold"]))
        if not at_threshold:
            judged.append(Judged(f, "below", load.configured, note))
        elif f.fixed is None and sec.ignore_unfixed and not _is_rule_finding(f):
            judged.append(Judged(f, "unfixed", load.configured, note or "no fix published"))
        else:
            judged.append(Judged(f, "counts", load.configured, note))
    order = {"counts": 0, "unfixed": 1, "below": 2, "ignored": 3}
    judged.sort(key=lambda j: (order[j.verdict], -j.finding.severity, j.finding.id))
    return judged


def _age_days(report: scans.ScanReport, today: date) -> int | None:
    return (today - report.scanned_at.date()).days if report.scanned_at else None


def _is_rule_finding(f: scans.Finding) -> bool:
    """A linter's or code scanner's finding (hadolint, Bandit, Semgrep SARIF): a rule broken
    at a place, not a vulnerable package waiting for a fixed version."""
    return not f.package and not f.installed and f.fixed is None


def _finding_text(f: scans.Finding) -> str:
    if _is_rule_finding(f):
        return f"{f.target or '?'}: {f.title}" if f.title and f.title != f.id else f.target or "?"
    fixed = f"fixed in {f.fixed}" if f.fixed else "no fix published"
    pkg = f"{f.package} {f.installed}".strip() or f.target or "?"
    return f"{pkg} ({fixed})"


def _not_configured(check_id: str, kind: str, key: str) -> Check:
    return catalog.make(
        check_id,
        Status.FAIL,
        f"no {kind} scan report configured (security.{key})",
        remediation=f"Run a {kind} scanner in CI (e.g. "
        + (
            "`pip-audit -f json -o results/scans/pip-audit.json`"
            if kind == "dependency"
            else "`trivy image --format json -o results/scans/trivy-image.json IMAGE`"
        )
        + f") and list its report under security.{key}.",
    )


@dataclass
class _Tally:
    """What the reports of one check said, gathered load by load (local to this module)."""

    evidence: list[Evidence] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    live_errors: list[str] = field(default_factory=list)  # a scanner run now that could not run
    stale: list[str] = field(default_factory=list)
    skipped_parts: list[str] = field(default_factory=list)
    nothing_checked: list[str] = field(default_factory=list)
    skipped_total: int = 0
    failed_runs: list[str] = field(default_factory=list)  # a report: its tool failed or ran nothing
    undated: list[str] = field(default_factory=list)  # no date in its content: age unknown


def _tally_report(t: _Tally, load: ScanLoad, rep: scans.ScanReport, today: date) -> int | None:
    """Evidence of a report read (or run now); its age in days, None when made now or undated."""
    counted = f"{len(rep.findings)} findings, {len(rep.skipped)} skipped"
    if load.run is not None:
        t.evidence.append(_run_evidence(load.run, f"{rep.tool} run now", counted))
        age = None  # made now: fresh whatever the review date
    else:
        age = _age_days(rep, today)
        when = f"{age} days old" if age is not None else "age unknown (no date in it)"
        if age is None:
            t.undated.append(load.configured)
        t.evidence.append(
            Evidence(
                label=f"{rep.tool} report",
                value=f"{counted}; {when}" + (f"; target {rep.target}" if rep.target else ""),
                location=load.configured,
            )
        )
    for note in rep.notes:  # what the report holds but is not a finding, and why
        t.evidence.append(Evidence(label="not counted", value=note, location=load.configured))
    for problem in rep.problems:
        t.failed_runs.append(f"{load.configured}: {problem}")
        t.evidence.append(
            Evidence(label="scan did not complete", value=problem, location=load.configured)
        )
    return age


def _tally_skipped(t: _Tally, load: ScanLoad, rep: scans.ScanReport) -> None:
    if not rep.skipped:
        return
    t.skipped_total += len(rep.skipped)
    scanned = rep.packages_scanned
    total = (scanned or 0) + len(rep.skipped)
    names = ", ".join(f"{s.package} ({s.reason})" for s in rep.skipped[:5])
    t.skipped_parts.append(
        f"{rep.tool} skipped {len(rep.skipped)} of {total} dependencies in "
        f"{load.configured}: {names}"
    )
    if not scanned:
        t.nothing_checked.append(load.configured)
    for s in rep.skipped:
        t.evidence.append(
            Evidence(
                label="skipped (not checked)",
                value=f"{s.package} {s.version}: {s.reason}".strip(),
                location=load.configured,
            )
        )


def _tally(loads: tuple[ScanLoad, ...], params: Params, today: date) -> _Tally:
    sec = params.security
    t = _Tally()
    for load in loads:
        if load.report is None and load.run is not None:
            run = load.run
            t.live_errors.append(f"{run.scanner} run now on {run.target}: {load.error}")
            t.evidence.append(_run_evidence(run, f"{run.scanner} run now failed", load.error or ""))
            continue
        if load.report is None:
            t.errors.append(load.error or f"{load.configured}: unreadable")
            t.evidence.append(
                Evidence(
                    label="report unreadable", value=load.error or "", location=load.configured
                )
            )
            continue
        rep = load.report
        age = _tally_report(t, load, rep, today)
        if age is not None and age > sec.scan_max_age_days:
            t.stale.append(f"{load.configured} is {age} days old (max {sec.scan_max_age_days})")
        _tally_skipped(t, load, rep)
        t.judged.extend(judge(load, params, today))
    for j in t.judged:
        f = j.finding
        t.evidence.append(
            Evidence(
                label=f"{f.severity.label} {f.id} [{j.verdict}]",
                value=_finding_text(f) + (f"; {j.note}" if j.note else ""),
                location=j.report,
                link=f.link,
            )
        )
    return t


def _finding_data(j: Judged) -> dict[str, Any]:
    return {
        "id": j.finding.id,
        "aliases": list(j.finding.aliases),
        "package": j.finding.package,
        "installed": j.finding.installed,
        "fixed": j.finding.fixed,
        "severity": j.finding.severity.label,
        "source": j.finding.source,
        "link": j.finding.link,
        "verdict": j.verdict,
        "report": j.report,
    }


_LIVE_FIX = (
    "Make the scanner runnable (installed, and its OSV endpoint reachable from where golive "
    "runs), or turn it off under security.run_scanners."
)
_SKIP_FIX = (
    "A scan that skipped dependencies is not a clean scan: make every dependency auditable "
    "(e.g. point pip-audit at an index or OSV endpoint that answers for it, or audit the "
    "private package separately) and rescan."
)


def _broken(
    t: _Tally, loads: tuple[ScanLoad, ...], threshold: str, tail: str
) -> tuple[Status, str, str] | None:
    """A finding that counts, or a scan that did not happen or did not complete."""
    failing = [j for j in t.judged if j.verdict == "counts"]
    if failing:
        listed = ", ".join(
            f"{j.finding.id} in {j.finding.package or j.finding.target}" for j in failing[:5]
        )
        also = t.errors + t.failed_runs + t.live_errors + t.skipped_parts
        extra = f"; also: {'; '.join(also)}" if also else ""
        return (
            Status.FAIL,
            f"{len(failing)} finding(s) at or above {threshold}: {listed}{tail}{extra}",
            f"Upgrade each package at or above {threshold} to its fixed version and rescan; "
            "accept a finding only through security.scan_ignore with a reason and an expiry.",
        )
    if t.errors:
        return (
            Status.ERROR,
            "; ".join(t.errors + t.failed_runs + t.live_errors),
            "Fix or regenerate the report named; the format is detected from its content, or set "
            "`format:` beside its path.",
        )
    if t.failed_runs:
        return (
            Status.ERROR,
            "not a clean scan: " + "; ".join(t.failed_runs + t.live_errors + t.skipped_parts),
            "Fix the scanner's run (see the error it reported) and keep the report of a "
            "complete run: a scan that failed or ran nothing proves nothing.",
        )
    if t.live_errors and len(t.live_errors) == len(loads):
        return (Status.ERROR, f"nothing was scanned: {'; '.join(t.live_errors)}", _LIVE_FIX)
    return None


def _clean_but(
    t: _Tally, loads: tuple[ScanLoad, ...], sec: Security, unfixed: int, tail: str
) -> tuple[Status, str, str]:
    """No finding counts: what still keeps the scan from a pass, else the pass."""
    threshold = sec.scan_threshold
    if t.stale:
        return (
            Status.FAIL,
            "stale scan: " + "; ".join(t.stale) + tail,
            f"Rescan at least every {sec.scan_max_age_days} days (in CI, on a schedule).",
        )
    if t.nothing_checked:
        return (
            Status.ERROR,
            "nothing was checked: every dependency was skipped in "
            f"{', '.join(t.nothing_checked)}; " + "; ".join(t.skipped_parts),
            _SKIP_FIX,
        )
    if t.live_errors:
        read = ", ".join(load.configured for load in loads if load.report is not None)
        return (
            Status.WARN,
            f"no finding at or above {threshold} in {read}{tail}, but the scanner run now "
            f"failed: {'; '.join(t.live_errors + t.skipped_parts)}",
            _LIVE_FIX + (f" {_SKIP_FIX}" if t.skipped_parts else ""),
        )
    if t.skipped_parts:
        return (
            Status.WARN,
            f"no finding at or above {threshold}{tail}, but the scan is incomplete: "
            + "; ".join(t.skipped_parts),
            _SKIP_FIX,
        )
    if t.undated:
        return (
            Status.WARN,
            f"no finding at or above {threshold}{tail}, but the age of {', '.join(t.undated)} "
            "is unknown: the report holds no scan date (its file time is the checkout's), so "
            "it may be older than scan_max_age_days",
            "Keep a report that records when it ran (Trivy 0.48+ `CreatedAt`, SARIF "
            "`invocations[].endTimeUtc`, Grype `descriptor.timestamp`), or let golive run the "
            "scanner during the review (security.run_scanners).",
        )
    if unfixed:
        return (
            Status.WARN,
            f"{unfixed} finding(s) at or above {threshold} with no fix published{tail}",
            "Watch for fixes; mitigate (disable the feature, isolate) meanwhile.",
        )
    reports = ", ".join(load.configured for load in loads)
    return (Status.PASS, f"no finding at or above {threshold} in {reports}{tail}", "")


def _scan_check(
    check_id: str, kind: str, loads: tuple[ScanLoad, ...], params: Params, today: date
) -> Check:
    sec = params.security
    key = "dependency_scans" if kind == "dependency" else "image_scans"
    if not loads:
        return _not_configured(check_id, kind, key)
    t = _tally(loads, params, today)
    counts = {
        v: sum(1 for j in t.judged if j.verdict == v)
        for v in ("counts", "unfixed", "below", "ignored")
    }
    data: dict[str, Any] = {
        "threshold": sec.scan_threshold,
        "counts": counts,
        "skipped": t.skipped_total,
        "run_now": [_run_data(load.run) for load in loads if load.run is not None],
        "findings": [_finding_data(j) for j in t.judged],
    }
    threshold = sec.scan_threshold
    tail = ""
    if counts["below"]:
        tail += f"; {counts['below']} below {threshold}"
    if counts["ignored"]:
        tail += f"; {counts['ignored']} ignored"
    status, summary, remediation = _broken(t, loads, threshold, tail) or _clean_but(
        t, loads, sec, counts["unfixed"], tail
    )
    return catalog.make(check_id, status, summary, t.evidence, remediation, **data)


def _run_evidence(run: run_now.LiveRun, label: str, value: str) -> Evidence:
    at = run.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    where = f"; OSV endpoint {run.endpoint}" if run.endpoint else ""
    return Evidence(
        label=label,
        value=f"{value}; ran at {at} in {run.duration_s:.2f} s{where}; `{run.command}`",
        location=run.target,
    )


def _run_data(run: run_now.LiveRun) -> dict[str, Any]:
    return {
        "scanner": run.scanner,
        "target": run.target,
        "started_at": run.started_at.isoformat(),
        "duration_s": round(run.duration_s, 3),
        "endpoint": run.endpoint,
        "ok": run.ok,
        "error": run.error,
    }


@check("security.dependency-scan")
def dependency_scan(ev: SecurityEvidence, params: Params) -> Check:
    return _scan_check(
        "security.dependency-scan", "dependency", ev.dependency_scans, params, ev.today
    )


@check("security.image-scan")
def image_scan(ev: SecurityEvidence, params: Params) -> Check:
    return _scan_check("security.image-scan", "image", ev.image_scans, params, ev.today)
