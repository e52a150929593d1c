"""08 Security: vulnerability scans, secrets in the repository, S3 buckets, Snowflake RBAC,
tenant segregation and GDPR.

`collect(params, today=...)` reads everything once: the scan reports (`sources.scans`),
the scanners configured to run now (`sources.scans.run_now`: hadolint, pip-audit against an
OSV endpoint; their reports join the ones from files), a detect-secrets scan of the
repository (`sources.secrets`), the S3 buckets' settings (`sources.s3`) and the
warehouse's ACCOUNT_USAGE views (`sources.warehouse`, DuckDB or Snowflake). Failures are
kept in the evidence as data; the seven checks are functions of `SecurityEvidence` and the
parameters, and the review date comes with the evidence so freshness, ignore expiries and
attestation ages are testable with any date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import Any, Literal

from .. import attestations, catalog, htmlfmt
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params, RunScanners, ScanFile, ScanIgnore
from ..sources import repofile, scans
from ..sources import s3 as s3src
from ..sources import secrets as secretsrc
from ..sources.scans import run_now
from . import snowflake_gdpr, snowflake_roles, snowflake_segregation
from .base import check
from .snowflake_facts import WarehouseFacts, open_warehouse, read_warehouse
from .snowflake_gdpr import ItemResult, ItemState

SECTION = "security"

GDPR_ITEMS = (
    "pii-inventory",
    "retention",
    "erasure-procedure",
    "processor-agreements",
    "breach-procedure",
)

# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class ScanLoad:
    """One configured scan report, or one scanner run now: parsed, or why not."""

    configured: str  # the path as the parameters give it (run now: file and scanner)
    path: Path
    report: scans.ScanReport | None = None
    error: str | None = None
    run: run_now.LiveRun | None = None  # set when the report was made now


@dataclass(frozen=True)
class SecurityEvidence:
    today: date
    repository: Path
    dependency_scans: tuple[ScanLoad, ...] = ()
    image_scans: tuple[ScanLoad, ...] = ()
    secrets: secretsrc.SecretScan | None = None
    secrets_error: str | None = None
    buckets: tuple[s3src.BucketState, ...] = ()
    s3_error: str | None = None  # the endpoint or the credentials: every bucket
    warehouse: WarehouseFacts | None = None
    warehouse_error: str | None = None  # could not open the warehouse at all


def _load_scans(repo: Path, files: list[ScanFile]) -> tuple[ScanLoad, ...]:
    loads = []
    for item in files:
        path = (repo / item.path).resolve()
        try:
            loads.append(ScanLoad(item.path, path, report=scans.load(path, item.format)))
        except SourceError as e:
            loads.append(ScanLoad(item.path, path, error=e.message))
    return tuple(loads)


def _live_load(repo: Path, run: run_now.LiveRun) -> ScanLoad:
    return ScanLoad(
        f"{run.target} ({run.scanner}, {run_now.RUN_NOW})",
        repo / run.target,
        report=run.report,
        error=run.error,
        run=run,
    )


def run_scanners(repo: Path, cfg: RunScanners) -> tuple[tuple[ScanLoad, ...], tuple[ScanLoad, ...]]:
    """Run the scanners configured in security.run_scanners now, one load per file:
    (pip-audit's, for the dependency scan; hadolint's, for the image scan)."""
    dependency: list[ScanLoad] = []
    image: list[ScanLoad] = []
    if cfg.pip_audit is not None and cfg.pip_audit.enabled:
        pa = cfg.pip_audit
        for req in pa.requirements:
            run = run_now.run_pip_audit(
                repo, req, osv_url=pa.osv_url, binary=pa.binary, timeout_s=pa.timeout_s
            )
            dependency.append(_live_load(repo, run))
    if cfg.hadolint is not None and cfg.hadolint.enabled:
        hl = cfg.hadolint
        for dockerfile in hl.dockerfiles:
            run = run_now.run_hadolint(repo, dockerfile, binary=hl.binary, timeout_s=hl.timeout_s)
            image.append(_live_load(repo, run))
    return tuple(dependency), tuple(image)


def collect(params: Params, today: date | None = None) -> SecurityEvidence:
    """Read every security source once; each failure is kept with its reason."""
    sec = params.security
    repo = params.repository
    secrets: secretsrc.SecretScan | None = None
    secrets_error = None
    try:
        secrets = secretsrc.scan(repo, tuple(sec.secrets.exclude))
    except SourceError as e:
        secrets_error = e.message
    buckets: tuple[s3src.BucketState, ...] = ()
    s3_error = None
    if sec.s3 is not None and sec.s3.buckets:
        conn = s3src.S3Connection(
            endpoint_url=sec.s3.endpoint_url,
            endpoint_url_env=sec.s3.endpoint_url_env,
            region=sec.s3.region,
            access_key_id_env=sec.s3.access_key_id_env,
            secret_access_key_env=sec.s3.secret_access_key_env,
            session_token_env=sec.s3.session_token_env,
            timeout_s=sec.s3.timeout_s,
        )
        try:
            buckets = tuple(s3src.inspect(conn, sec.s3.buckets))
        except SourceError as e:
            s3_error = e.message
    facts: WarehouseFacts | None = None
    warehouse_error = None
    if sec.warehouse is not None:
        try:
            source = open_warehouse(params)
        except SourceError as e:
            warehouse_error = e.message
        else:
            try:
                facts = read_warehouse(source, sec.warehouse)
            finally:
                source.close()
    live_dependency, live_image = run_scanners(repo, sec.run_scanners)
    return SecurityEvidence(
        today=today or date.today(),
        repository=repo,
        dependency_scans=_load_scans(repo, sec.dependency_scans) + live_dependency,
        image_scans=_load_scans(repo, sec.image_scans) + live_image,
        secrets=secrets,
        secrets_error=secrets_error,
        buckets=buckets,
        s3_error=s3_error,
        warehouse=facts,
        warehouse_error=warehouse_error,
    )


# --------------------------------------------------------------------------- scans

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


def _scan_check(
    check_id: str, kind: str, loads: tuple[ScanLoad, ...], params: Params, today: date
) -> Check:
    sec = params.security
    key = "dependency_scans" if kind == "dependency" else "image_scans"
    if not loads:
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
    evidence: list[Evidence] = []
    judged: list[Judged] = []
    errors: list[str] = []
    live_errors: list[str] = []  # a scanner run now that could not run
    stale: list[str] = []
    skipped_parts: list[str] = []
    nothing_checked: list[str] = []
    skipped_total = 0
    failed_runs: list[str] = []  # a report that says its tool failed or ran nothing
    undated: list[str] = []  # a report whose content says no date: its age is unknown
    for load in loads:
        if load.report is None and load.run is not None:
            run = load.run
            live_errors.append(f"{run.scanner} run now on {run.target}: {load.error}")
            evidence.append(_run_evidence(run, f"{run.scanner} run now failed", load.error or ""))
            continue
        if load.report is None:
            errors.append(load.error or f"{load.configured}: unreadable")
            evidence.append(
                Evidence(
                    label="report unreadable", value=load.error or "", location=load.configured
                )
            )
            continue
        rep = load.report
        counted = f"{len(rep.findings)} findings, {len(rep.skipped)} skipped"
        if load.run is not None:
            evidence.append(_run_evidence(load.run, f"{rep.tool} run now", counted))
            age = None  # made now: fresh whatever the review date
        else:
            age = _age_days(rep, today)
            when = f"{age} days old" if age is not None else "age unknown (no date in it)"
            if age is None:
                undated.append(load.configured)
            evidence.append(
                Evidence(
                    label=f"{rep.tool} report",
                    value=f"{counted}; {when}" + (f"; target {rep.target}" if rep.target else ""),
                    location=load.configured,
                )
            )
        for note in rep.notes:  # what the report holds but is not a finding, and why
            evidence.append(Evidence(label="not counted", value=note, location=load.configured))
        for problem in rep.problems:
            failed_runs.append(f"{load.configured}: {problem}")
            evidence.append(
                Evidence(label="scan did not complete", value=problem, location=load.configured)
            )
        if age is not None and age > sec.scan_max_age_days:
            stale.append(f"{load.configured} is {age} days old (max {sec.scan_max_age_days})")
        if rep.skipped:
            skipped_total += len(rep.skipped)
            scanned = rep.packages_scanned
            total = (scanned or 0) + len(rep.skipped)
            names = ", ".join(f"{s.package} ({s.reason})" for s in rep.skipped[:5])
            skipped_parts.append(
                f"{rep.tool} skipped {len(rep.skipped)} of {total} dependencies in "
                f"{load.configured}: {names}"
            )
            if not scanned:
                nothing_checked.append(load.configured)
            for s in rep.skipped:
                evidence.append(
                    Evidence(
                        label="skipped (not checked)",
                        value=f"{s.package} {s.version}: {s.reason}".strip(),
                        location=load.configured,
                    )
                )
        judged.extend(judge(load, params, today))
    for j in judged:
        f = j.finding
        evidence.append(
            Evidence(
                label=f"{f.severity.label} {f.id} [{j.verdict}]",
                value=_finding_text(f) + (f"; {j.note}" if j.note else ""),
                location=j.report,
                link=f.link,
            )
        )
    counts = {
        v: sum(1 for j in judged if j.verdict == v)
        for v in ("counts", "unfixed", "below", "ignored")
    }
    data: dict[str, Any] = {
        "threshold": sec.scan_threshold,
        "counts": counts,
        "skipped": skipped_total,
        "run_now": [_run_data(load.run) for load in loads if load.run is not None],
        "findings": [
            {
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
            for j in judged
        ],
    }
    threshold = sec.scan_threshold
    tail = ""
    if counts["below"]:
        tail += f"; {counts['below']} below {threshold}"
    if counts["ignored"]:
        tail += f"; {counts['ignored']} ignored"
    remediation = (
        f"Upgrade each package at or above {threshold} to its fixed version and rescan; accept a "
        "finding only through security.scan_ignore with a reason and an expiry."
    )
    failing = [j for j in judged if j.verdict == "counts"]
    if failing:
        listed = ", ".join(
            f"{j.finding.id} in {j.finding.package or j.finding.target}" for j in failing[:5]
        )
        also = errors + failed_runs + live_errors + skipped_parts
        extra = f"; also: {'; '.join(also)}" if also else ""
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(failing)} finding(s) at or above {threshold}: {listed}{tail}{extra}",
            evidence,
            remediation,
            **data,
        )
    if errors:
        return catalog.make(
            check_id,
            Status.ERROR,
            "; ".join(errors + failed_runs + live_errors),
            evidence,
            "Fix or regenerate the report named; the format is detected from its content, or set "
            "`format:` beside its path.",
            **data,
        )
    if failed_runs:
        return catalog.make(
            check_id,
            Status.ERROR,
            "not a clean scan: " + "; ".join(failed_runs + live_errors + skipped_parts),
            evidence,
            "Fix the scanner's run (see the error it reported) and keep the report of a "
            "complete run: a scan that failed or ran nothing proves nothing.",
            **data,
        )
    live_fix = (
        "Make the scanner runnable (installed, and its OSV endpoint reachable from where golive "
        "runs), or turn it off under security.run_scanners."
    )
    if live_errors and len(live_errors) == len(loads):
        return catalog.make(
            check_id,
            Status.ERROR,
            f"nothing was scanned: {'; '.join(live_errors)}",
            evidence,
            live_fix,
            **data,
        )
    if stale:
        return catalog.make(
            check_id,
            Status.FAIL,
            "stale scan: " + "; ".join(stale) + tail,
            evidence,
            f"Rescan at least every {sec.scan_max_age_days} days (in CI, on a schedule).",
            **data,
        )
    skip_fix = (
        "A scan that skipped dependencies is not a clean scan: make every dependency auditable "
        "(e.g. point pip-audit at an index or OSV endpoint that answers for it, or audit the "
        "private package separately) and rescan."
    )
    if nothing_checked:
        return catalog.make(
            check_id,
            Status.ERROR,
            f"nothing was checked: every dependency was skipped in {', '.join(nothing_checked)}; "
            + "; ".join(skipped_parts),
            evidence,
            skip_fix,
            **data,
        )
    if live_errors:
        read = ", ".join(load.configured for load in loads if load.report is not None)
        return catalog.make(
            check_id,
            Status.WARN,
            f"no finding at or above {threshold} in {read}{tail}, but the scanner run now "
            f"failed: {'; '.join(live_errors + skipped_parts)}",
            evidence,
            live_fix + (f" {skip_fix}" if skipped_parts else ""),
            **data,
        )
    if skipped_parts:
        return catalog.make(
            check_id,
            Status.WARN,
            f"no finding at or above {threshold}{tail}, but the scan is incomplete: "
            + "; ".join(skipped_parts),
            evidence,
            skip_fix,
            **data,
        )
    if undated:
        return catalog.make(
            check_id,
            Status.WARN,
            f"no finding at or above {threshold}{tail}, but the age of {', '.join(undated)} "
            "is unknown: the report holds no scan date (its file time is the checkout's), so "
            "it may be older than scan_max_age_days",
            evidence,
            "Keep a report that records when it ran (Trivy 0.48+ `CreatedAt`, SARIF "
            "`invocations[].endTimeUtc`, Grype `descriptor.timestamp`), or let golive run the "
            "scanner during the review (security.run_scanners).",
            **data,
        )
    if counts["unfixed"]:
        return catalog.make(
            check_id,
            Status.WARN,
            f"{counts['unfixed']} finding(s) at or above {threshold} with no fix published{tail}",
            evidence,
            "Watch for fixes; mitigate (disable the feature, isolate) meanwhile.",
            **data,
        )
    reports = ", ".join(load.configured for load in loads)
    return catalog.make(
        check_id,
        Status.PASS,
        f"no finding at or above {threshold} in {reports}{tail}",
        evidence,
        **data,
    )


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


def run_now_table(ev: SecurityEvidence) -> str:
    """The scanners run now (security.run_scanners): what ran on which file, when, for how
    long, and what came of it (HTML, escaped)."""
    runs = [load.run for load in (*ev.dependency_scans, *ev.image_scans) if load.run is not None]
    if not runs:
        return "<p>No scanner runs now (none configured under security.run_scanners).</p>"
    td, th = htmlfmt.TD, htmlfmt.TH
    rows = []
    for r in runs:
        if r.report is not None:
            outcome = f"{len(r.report.findings)} findings, {len(r.report.skipped)} skipped"
        else:
            outcome = f"could not run: {r.error}"
        at = r.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        endpoint = f"<br><small>{htmlfmt.e(r.endpoint)}</small>" if r.endpoint else ""
        rows.append(
            f"<tr>{td}{htmlfmt.e(r.scanner)}{endpoint}</td>{td}{htmlfmt.e(r.target)}</td>"
            f"{td}{htmlfmt.e(at)}</td>{td}{r.duration_s:.2f} s</td>{td}{htmlfmt.e(outcome)}</td>"
            "</tr>"
        )
    head = "".join(f"{th}{h}</th>" for h in ("Scanner", "File", "Ran at", "Took", "Outcome"))
    return (
        f'<table class="golive-run-now"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


@check("security.dependency-scan")
def dependency_scan(ev: SecurityEvidence, params: Params) -> Check:
    return _scan_check(
        "security.dependency-scan", "dependency", ev.dependency_scans, params, ev.today
    )


@check("security.image-scan")
def image_scan(ev: SecurityEvidence, params: Params) -> Check:
    return _scan_check("security.image-scan", "image", ev.image_scans, params, ev.today)


def findings_table(loads: tuple[ScanLoad, ...], params: Params, today: date) -> str:
    """Every finding of the reports, most severe first, with links (HTML, escaped)."""
    judged = [j for load in loads for j in judge(load, params, today)]
    if not judged:
        return "<p>No findings.</p>"
    td, th = htmlfmt.TD, htmlfmt.TH
    rows = []
    for j in judged:
        f = j.finding
        ident = htmlfmt.e(f.id)
        if f.link and f.link.startswith(("http://", "https://")):
            ident = f'<a href="{htmlfmt.e(f.link)}" rel="noopener noreferrer">{ident}</a>'
        aliases = f"<br><small>{htmlfmt.e(', '.join(f.aliases))}</small>" if f.aliases else ""
        rows.append(
            f"<tr>{td}{htmlfmt.e(f.severity.label)}</td>{td}{ident}{aliases}</td>"
            f"{td}{htmlfmt.e(f.package or f.target)}</td>{td}{htmlfmt.e(f.installed)}</td>"
            f"{td}{htmlfmt.e(f.fixed or '-')}</td>{td}{htmlfmt.e(j.verdict)}"
            f"{'<br><small>' + htmlfmt.e(j.note) + '</small>' if j.note else ''}</td>"
            f"{td}{htmlfmt.e(f.source)}<br><small>{htmlfmt.e(j.report)}</small></td></tr>"
        )
    head = "".join(
        f"{th}{h}</th>"
        for h in ("Severity", "Id", "Package", "Installed", "Fixed", "Verdict", "Source")
    )
    return (
        f'<table class="golive-findings"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# --------------------------------------------------------------------------- secrets


@check("security.secrets-in-repo")
def secrets_in_repo(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.secrets-in-repo"
    if ev.secrets is None:
        return catalog.error(check_id, f"detect-secrets: {ev.secrets_error}")
    scan = ev.secrets
    evidence = [
        Evidence(label=f.type, value=f.redacted, location=f.location) for f in scan.findings
    ]
    evidence += [Evidence(label="not scanned", value=u) for u in scan.unreadable]
    data: dict[str, Any] = {
        "files_scanned": scan.files_scanned,
        "findings": [{"type": f.type, "path": f.path, "line": f.line} for f in scan.findings],
    }
    excluded = params.security.secrets.exclude
    note = f" (excluded: {', '.join(excluded)})" if excluded else ""
    if scan.findings:
        where = ", ".join(f"{f.type} at {f.location}" for f in scan.findings[:5])
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(scan.findings)} potential secret(s) in {scan.files_scanned} files: {where}",
            evidence,
            "Revoke and rotate each secret first (it is in the history), then remove it and load "
            "it from the environment or a secret manager; a false positive gets a "
            "`# pragma: allowlist secret` comment or an exclude glob in security.secrets.exclude.",
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"detect-secrets found nothing in {scan.files_scanned} files{note}",
        evidence,
        **data,
    )


# --------------------------------------------------------------------------- S3


def bucket_problems(b: s3src.BucketState, params: Params) -> tuple[list[str], list[str]]:
    """(what fails, what only warns) for one bucket against the parameters."""
    cfg = params.security.s3
    assert cfg is not None
    fails: list[str] = []
    warns: list[str] = []
    required = cfg.required_encryption
    if b.encryption is None:
        fails.append("no default encryption")
    elif required == "aws:kms" and not b.encryption.startswith("aws:kms"):
        fails.append(
            f"default encryption {b.encryption} (SSE-S3, what every new AWS bucket has since "
            "January 2023), not aws:kms"
        )
    if b.encryption and b.encryption.startswith("aws:kms") and cfg.require_bucket_key:
        if not b.bucket_key:
            warns.append("S3 Bucket Key off (every object costs a KMS request)")
    if not b.tls_only:
        fails.append(f"no TLS-only policy ({b.policy_problem})")
    missing = b.missing_public_flags
    if missing:
        fails.append("public access not fully blocked: " + ", ".join(missing) + " off")
    if cfg.require_versioning and b.versioning != "Enabled":
        warns.append(f"versioning {b.versioning or 'never enabled'}")
    return fails, warns


@check("security.s3-encryption")
def s3_encryption(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.s3-encryption"
    cfg = params.security.s3
    if cfg is None or not cfg.buckets:
        return catalog.make(check_id, Status.NA, "no S3 buckets listed in security.s3.buckets")
    where = cfg.endpoint_url or (f"${cfg.endpoint_url_env}" if cfg.endpoint_url_env else "AWS")
    if ev.s3_error:
        return catalog.error(
            check_id,
            f"S3 ({where}): {ev.s3_error}",
            "Set the variables named in security.s3 (the demo stack does), or check that the "
            "endpoint is up and reachable.",
        )
    evidence: list[Evidence] = []
    failed: list[str] = []
    warned: list[str] = []
    errored: list[str] = []
    per_bucket: dict[str, Any] = {}
    for b in ev.buckets:
        if b.error:
            errored.append(f"{b.name}: {b.error}")
            evidence.append(Evidence(label=f"{b.name}: error", value=b.error, location=where))
            per_bucket[b.name] = {"status": "error", "error": b.error}
            continue
        fails, warns = bucket_problems(b, params)
        status = "fail" if fails else "warn" if warns else "pass"
        per_bucket[b.name] = {
            "status": status,
            "encryption": b.encryption,
            "bucket_key": b.bucket_key,
            "tls_only": b.tls_only,
            "public_access_block": b.public_access_block,
            "versioning": b.versioning,
            "problems": fails + warns,
        }
        settings = (
            f"encryption {b.encryption or 'none'}"
            + (f" (bucket key {'on' if b.bucket_key else 'off'})" if b.encryption else "")
            + f"; TLS-only {'yes (' + str(b.tls_statement) + ')' if b.tls_only else 'no'}"
            + f"; public access {'blocked' if b.public_access_blocked else 'NOT blocked'}"
            + f"; versioning {b.versioning or 'off'}"
        )
        evidence.append(Evidence(label=f"{b.name}: {status}", value=settings, location=where))
        for p in fails + warns:
            evidence.append(Evidence(label=f"{b.name}", value=p))
        if fails:
            failed.append(f"{b.name}: " + "; ".join(fails))
        elif warns:
            warned.append(f"{b.name}: " + "; ".join(warns))
    remediation = (
        f"Per bucket: default encryption {cfg.required_encryption}"
        + (" with Bucket Key" if cfg.required_encryption == "aws:kms" else "")
        + ", a policy statement Deny s3:* to * on the bucket and bucket/* when "
        "aws:SecureTransport is false, all four public-access-block flags on, versioning on."
    )
    total = len(ev.buckets)
    if failed:
        more = f"; could not read {len(errored)}: {'; '.join(errored)}" if errored else ""
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(failed)} of {total} bucket(s) fail: " + " | ".join(failed) + more,
            evidence,
            remediation,
            buckets=per_bucket,
        )
    if errored:
        return catalog.make(
            check_id,
            Status.ERROR,
            f"could not read {len(errored)} of {total} bucket(s): " + " | ".join(errored),
            evidence,
            "Grant the reviewing identity s3:GetEncryptionConfiguration, GetBucketPolicy, "
            "GetBucketPublicAccessBlock, GetBucketVersioning and GetLifecycleConfiguration.",
            buckets=per_bucket,
        )
    if warned:
        return catalog.make(
            check_id,
            Status.WARN,
            f"all {total} bucket(s) encrypted, TLS-only and private; " + " | ".join(warned),
            evidence,
            remediation,
            buckets=per_bucket,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {total} bucket(s): {cfg.required_encryption}, TLS-only, public access blocked",
        evidence,
        buckets=per_bucket,
    )


# --------------------------------------------------------------------------- warehouse


def _warehouse_unavailable(
    check_id: str, ev: SecurityEvidence, params: Params, needs: tuple[str, ...]
) -> Check | None:
    if params.security.warehouse is None:
        return catalog.make(check_id, Status.NA, "no warehouse configured in security.warehouse")
    if ev.warehouse is None:
        return catalog.error(check_id, f"warehouse: {ev.warehouse_error}")
    failed = [ev.warehouse.errors[k] for k in needs if k in ev.warehouse.errors]
    if failed:
        return catalog.error(check_id, "; ".join(failed))
    return None


@check("security.snowflake-rbac")
def snowflake_rbac(ev: SecurityEvidence, params: Params) -> Check:
    """Snowflake's role model: sections.snowflake_roles."""
    check_id = "security.snowflake-rbac"
    unavailable = _warehouse_unavailable(
        check_id, ev, params, ("role_grants", "user_roles", "users")
    )
    if unavailable is not None:
        return unavailable
    assert ev.warehouse is not None and params.security.warehouse is not None
    return snowflake_roles.judge(ev.warehouse, params.security.warehouse)


@check("security.data-segregation")
def data_segregation(ev: SecurityEvidence, params: Params) -> Check:
    """Who can read which tenant's rows: sections.snowflake_segregation."""
    check_id = "security.data-segregation"
    needs = ("tenant_tables", "row_policies", "policy_bodies", "role_grants")
    unavailable = _warehouse_unavailable(check_id, ev, params, needs)
    if unavailable is not None:
        return unavailable
    assert ev.warehouse is not None and params.security.warehouse is not None
    return snowflake_segregation.judge(ev.warehouse, params.security.warehouse)


# --------------------------------------------------------------------------- GDPR


@dataclass(frozen=True)
class GdprItem:
    item: str
    state: ItemState
    summary: str
    evidence: tuple[Evidence, ...] = ()


def _file_item(
    ev: SecurityEvidence, item: str, configured: str | None, key: str
) -> tuple[ItemState, str, list[Evidence]] | None:
    if not configured:
        return None
    try:
        text = repofile.read_text(ev.repository, configured)
    except SourceError as e:
        if e.message == "file not found":
            return "violated", f"{configured} (security.gdpr.{key}) does not exist", []
        return "error", f"{configured}: {e.message}", []
    if not text.strip():
        return "violated", f"{configured} is empty", []
    heading = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
    return (
        "evidenced",
        f"documented in {configured}" + (f" ({heading})" if heading else ""),
        [Evidence(label=item, value=heading or "present", location=configured)],
    )


def _system_item(
    ev: SecurityEvidence, item: str, params: Params
) -> tuple[ItemState, str, list[Evidence]] | None:
    sec = params.security
    if item == "pii-inventory" and sec.warehouse is not None:
        tags = ", ".join(sec.warehouse.all_pii_tags) + (
            ", Snowflake classification" if sec.warehouse.classification_tags else ""
        )
        return snowflake_gdpr.pii_inventory(ev.warehouse, ev.warehouse_error, tags)
    if item == "retention" and sec.gdpr.retention_days:
        sql = None
        if sec.warehouse is not None:
            sql = snowflake_gdpr.sql_retention(
                ev.warehouse,
                ev.warehouse_error,
                sec.gdpr.retention_days,
                sec.gdpr.require_row_expiry,
            )
        return _retention_item(_s3_retention(ev, params, sec.gdpr.retention_days), sql)
    return None


def _retention_item(s3: ItemResult | None, sql: ItemResult | None) -> ItemResult | None:
    """S3 lifecycle rules and the warehouse's retention settings: either violating fails
    the item; either evidencing it is enough when the other cannot be read."""
    found = [r for r in (s3, sql) if r is not None]
    if not found:
        return None
    evidence = [e for r in found for e in r[2]]
    rank = {"violated": 0, "warn": 1, "evidenced": 2, "error": 3}
    first = min(found, key=lambda r: rank.get(r[0], 3))
    hits = [r[1] for r in found if r[0] == first[0]]
    others = [r[1] for r in found if r[0] != first[0]]
    note = f" ({'; '.join(others)})" if others and first[0] in ("evidenced", "warn") else ""
    return first[0], "; ".join(hits) + note, evidence


def _s3_retention(ev: SecurityEvidence, params: Params, limit: int) -> ItemResult | None:
    sec = params.security
    if sec.s3 is not None and sec.s3.buckets:
        if ev.s3_error:
            return "error", f"S3 lifecycle rules unreadable: {ev.s3_error}", []
        bad: list[str] = []
        evidence: list[Evidence] = []
        errors: list[str] = []
        for b in ev.buckets:
            if b.error:
                errors.append(f"{b.name}: {b.error}")
                continue
            rules = [r for r in b.lifecycle if r.enabled and r.expiration_days is not None]
            ok = [
                r
                for r in rules
                if r.expiration_days is not None and r.expiration_days <= limit and r.prefix == ""
            ]
            if ok:
                evidence.append(
                    Evidence(
                        label=f"{b.name} lifecycle",
                        value=f"rule {ok[0].id}: objects expire after {ok[0].expiration_days} days",
                    )
                )
            else:
                shown = (
                    ", ".join(
                        f"{r.id or '?'} ({r.prefix or 'all'}: {r.expiration_days} d)" for r in rules
                    )
                    or "none"
                )
                bad.append(f"{b.name} (expiration rules: {shown})")
        if bad:
            return "violated", f"objects may outlive {limit} days in: {'; '.join(bad)}", evidence
        if errors:
            return "error", "; ".join(errors), evidence
        return "evidenced", f"every bucket expires objects within {limit} days", evidence
    return None


def gdpr_items(ev: SecurityEvidence, params: Params) -> list[GdprItem]:
    """Each GDPR item: a system proves it, else a file documents it, else an attestation."""
    g = params.security.gdpr
    files = {
        "pii-inventory": (g.pii_inventory, "pii_inventory"),
        "retention": (None, ""),
        "erasure-procedure": (g.erasure_procedure, "erasure_procedure"),
        "processor-agreements": (g.processor_agreements, "processor_agreements"),
        "breach-procedure": (g.breach_procedure, "breach_procedure"),
    }
    out: list[GdprItem] = []
    for item in GDPR_ITEMS:
        system = _system_item(ev, item, params)
        if system is not None and system[0] in ("evidenced", "violated", "warn"):
            out.append(GdprItem(item, system[0], system[1], tuple(system[2])))
            continue
        configured, key = files[item]
        document = _file_item(ev, item, configured, key)
        if document is not None and document[0] == "evidenced":
            out.append(GdprItem(item, "evidenced", document[1], tuple(document[2])))
            continue
        state = attestations.find(
            params,
            "security.gdpr",
            item,
            today=ev.today,
            default_max_age_days=g.attestation_max_age_days,
        )
        shown = tuple(attestations.to_evidence(state))
        if state.valid:
            out.append(GdprItem(item, "attested", state.summary, shown))
        elif system is not None:  # the system could not be read
            out.append(GdprItem(item, "error", f"{system[1]}; {state.summary}", shown))
        elif document is not None:  # the file is missing, empty or unreadable
            out.append(GdprItem(item, document[0], f"{document[1]}; {state.summary}", shown))
        else:
            out.append(GdprItem(item, "missing", state.summary, shown))
    return out


@check("security.gdpr")
def gdpr(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.gdpr"
    items = gdpr_items(ev, params)
    evidence = [Evidence(label=f"{i.item}: {i.state}", value=i.summary) for i in items] + [
        e for i in items for e in i.evidence
    ]
    data: dict[str, Any] = {
        "items": {i.item: {"state": i.state, "summary": i.summary} for i in items}
    }
    by_state: dict[str, list[GdprItem]] = {}
    for i in items:
        by_state.setdefault(i.state, []).append(i)
    fix = (
        "Evidence each item: tag PII columns (tag "
        + (params.security.warehouse.pii_tag if params.security.warehouse else "PII")
        + "), S3 lifecycle expiration, the PII tables' Time Travel retention "
        "(DATA_RETENTION_TIME_IN_DAYS) and their storage lifecycle policies (`CREATE STORAGE "
        "LIFECYCLE POLICY ... RETURNS BOOLEAN -> ts < DATEADD(DAY, -N, CURRENT_TIMESTAMP())`) "
        "within security.gdpr.retention_days, the procedures as "
        "files in the repository (security.gdpr.*), or an attestation (check security.gdpr, item "
        "<name>, by, date, link) renewed before it goes stale."
    )

    def listed(state: str) -> str:
        return "; ".join(f"{i.item}: {i.summary}" for i in by_state[state])

    ok = len(by_state.get("evidenced", [])) + len(by_state.get("attested", []))
    if "violated" in by_state:
        # a violation decides the status; what could not be evaluated is still named
        also = f"; also not evaluated: {listed('error')}" if "error" in by_state else ""
        return catalog.make(check_id, Status.FAIL, listed("violated") + also, evidence, fix, **data)
    if "error" in by_state:
        return catalog.make(check_id, Status.ERROR, listed("error"), evidence, fix, **data)
    if "missing" in by_state:
        return catalog.make(
            check_id,
            Status.PENDING,
            f"{ok} of {len(items)} items evidenced or attested; "
            f"needs attestation: {listed('missing')}",
            evidence,
            fix,
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {len(items)} items: {len(by_state.get('evidenced', []))} evidenced by a system or "
        f"file, {len(by_state.get('attested', []))} attested",
        evidence,
        **data,
    )


CHECKS: tuple[Callable[[SecurityEvidence, Params], Check], ...] = (
    dependency_scan,
    image_scan,
    secrets_in_repo,
    snowflake_rbac,
    data_segregation,
    s3_encryption,
    gdpr,
)


def evaluate(params: Params, today: date | None = None) -> list[Check]:
    """Every security check, in the catalog's order."""
    try:
        ev = collect(params, today=today)
    except Exception as e:  # noqa: BLE001 - a bug in collecting still yields results
        reason = f"could not read the security evidence: {type(e).__name__}: {e}"
        return [catalog.error(fn.check_id, reason) for fn in CHECKS]  # type: ignore[attr-defined]
    return [fn(ev, params) for fn in CHECKS]
