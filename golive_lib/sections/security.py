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

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any, Literal

from .. import attestations, catalog, htmlfmt
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params, RunScanners, ScanFile, ScanIgnore, WarehouseSecurity
from ..sources import repofile, scans
from ..sources import s3 as s3src
from ..sources import secrets as secretsrc
from ..sources import warehouse as wh
from ..sources.scans import run_now
from .base import check

SECTION = "security"

# Snowflake's system-defined roles: not "custom roles" that must roll up to SYSADMIN.
SYSTEM_ROLES = frozenset(
    {"ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN", "ORGADMIN", "PUBLIC"}
)
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
class WarehouseFacts:
    """What the ACCOUNT_USAGE views said; a reader that failed has its error instead."""

    name: str
    role_grants: tuple[wh.RoleGrant, ...] | None = None
    user_roles: tuple[wh.UserRole, ...] | None = None
    users: tuple[wh.User, ...] | None = None
    tenant_tables: tuple[wh.TableRef, ...] | None = None
    row_policies: tuple[wh.RowPolicy, ...] | None = None
    pii_tags: tuple[wh.ColumnTag, ...] | None = None
    table_retention: tuple[wh.TableRetention, ...] | None = None
    lifecycle_policies: tuple[wh.LifecyclePolicy, ...] | None = None
    errors: dict[str, str] = field(default_factory=dict)


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


def open_warehouse(params: Params) -> wh.Warehouse:
    """The configured warehouse (DuckDB seeded from the repository, or Snowflake)."""
    cfg = params.security.warehouse
    if cfg is None:
        raise SourceError(wh.SOURCE, "no warehouse in security.warehouse")
    return wh.open_database(cfg, params.repository, "security.warehouse")


def read_warehouse(source: wh.Warehouse, cfg: WarehouseSecurity) -> WarehouseFacts:
    """Run every reader; a failing one leaves its error and the others go on."""
    errors: dict[str, str] = {}

    def run(key: str, fn: Callable[[], list[Any]]) -> tuple[Any, ...] | None:
        try:
            return tuple(fn())
        except SourceError as e:
            errors[key] = e.message
            return None

    return WarehouseFacts(
        name=source.name,
        role_grants=run("role_grants", lambda: wh.role_grants(source)),
        user_roles=run("user_roles", lambda: wh.user_roles(source)),
        users=run("users", lambda: wh.users(source)),
        tenant_tables=run("tenant_tables", lambda: wh.tenant_columns(source, cfg.tenant_column)),
        row_policies=run("row_policies", lambda: wh.row_access_policies(source)),
        pii_tags=run("pii_tags", lambda: wh.column_tags(source, cfg.pii_tag)),
        table_retention=run("table_retention", lambda: wh.table_retention(source)),
        lifecycle_policies=run("lifecycle_policies", lambda: wh.lifecycle_policies(source)),
        errors=errors,
    )


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
            when = f"{age} days old ({rep.scanned_at_source})" if age is not None else "undated"
            evidence.append(
                Evidence(
                    label=f"{rep.tool} report",
                    value=f"{counted}; {when}" + (f"; target {rep.target}" if rep.target else ""),
                    location=load.configured,
                )
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
        also = errors + live_errors + skipped_parts
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
            "; ".join(errors + live_errors),
            evidence,
            "Fix or regenerate the report named; the format is detected from its content, or set "
            "`format:` beside its path.",
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


def role_parents(grants: Iterable[wh.RoleGrant]) -> dict[str, set[str]]:
    """Role -> the roles it is granted to (USAGE on ROLE), upper-cased."""
    parents: dict[str, set[str]] = {}
    for g in grants:
        if g.granted_on == "ROLE" and g.privilege == "USAGE" and g.granted_to == "ROLE":
            parents.setdefault(g.name.upper(), set()).add(g.grantee.upper())
    return parents


def rolls_up_to(role: str, parents: dict[str, set[str]], top: str = "SYSADMIN") -> list[str] | None:
    """The chain role -> ... -> top when it exists (breadth first, cycles ignored)."""
    start = role.upper()
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        current = queue.pop(0)
        if current == top:
            chain = [current]
            while previous[chain[-1]] is not None:
                chain.append(previous[chain[-1]] or "")
            return list(reversed(chain))
        for parent in sorted(parents.get(current, ())):
            if parent not in previous:
                previous[parent] = current
                queue.append(parent)
    return None


def _allowed_public(g: wh.RoleGrant, params: Params) -> bool:
    cfg = params.security.warehouse
    assert cfg is not None
    return any(
        a.privilege.upper() == g.privilege
        and a.object_type.upper() == g.granted_on
        and fnmatch.fnmatchcase(g.object.upper(), a.name.upper())
        for a in cfg.public_grants_allowed
    )


@check("security.snowflake-rbac")
def snowflake_rbac(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.snowflake-rbac"
    unavailable = _warehouse_unavailable(
        check_id, ev, params, ("role_grants", "user_roles", "users")
    )
    if unavailable is not None:
        return unavailable
    facts = ev.warehouse
    cfg = params.security.warehouse
    assert facts is not None and cfg is not None
    grants = facts.role_grants or ()
    if not grants and not facts.user_roles and not facts.users:
        # An account always has users and an ACCOUNTADMIN holder: nothing at all means
        # the catalog was not read (wrong database, or a role that cannot see it).
        return catalog.error(
            check_id,
            f"the ACCOUNT_USAGE views of {facts.name} hold no grants, role grants or users: "
            "nothing to check",
            remediation="Point security.warehouse at the account's SNOWFLAKE.ACCOUNT_USAGE "
            "(a role with IMPORTED PRIVILEGES on the SNOWFLAKE database), or seed the "
            "DuckDB stand-in with its rows.",
        )
    active_users = {u.name.upper(): u for u in facts.users or () if not u.disabled}
    problems: list[tuple[str, str]] = []  # (rule, what)
    for g in grants:
        if g.granted_to == "USER":
            problems.append(("privilege granted straight to a user", g.describe()))
    for g in grants:
        if (
            g.grantee.upper() == "PUBLIC"
            and g.granted_to == "ROLE"
            and not _allowed_public(g, params)
        ):
            problems.append(("grant to PUBLIC not in the allow-list", g.describe()))
    admins = sorted(
        {
            r.user
            for r in facts.user_roles or ()
            if r.role.upper() == "ACCOUNTADMIN" and r.user.upper() in active_users
        }
    )
    if len(admins) > cfg.max_accountadmins:
        problems.append(
            (
                "too many ACCOUNTADMIN holders",
                f"{len(admins)} users (max {cfg.max_accountadmins}): {', '.join(admins)}",
            )
        )
    for u in active_users.values():
        if u.default_role.upper() == "ACCOUNTADMIN":
            problems.append(("ACCOUNTADMIN as default role", f"user {u.name}"))
    parents = role_parents(grants)
    roles = (
        set(parents)
        | {g.grantee.upper() for g in grants if g.granted_to == "ROLE"}
        | {r.role.upper() for r in facts.user_roles or ()}
    )
    custom = sorted(roles - SYSTEM_ROLES)
    chains: dict[str, str] = {}
    for role in custom:
        chain = rolls_up_to(role, parents)
        if chain is None:
            above = ", ".join(sorted(parents.get(role, ()))) or "no role"
            problems.append(
                ("custom role does not roll up to SYSADMIN", f"{role} (granted to {above})")
            )
        else:
            chains[role] = " -> ".join(chain)
    evidence = [Evidence(label=rule, value=what, location=facts.name) for rule, what in problems]
    evidence.append(
        Evidence(
            label="ACCOUNTADMIN holders", value=", ".join(admins) or "none", location=facts.name
        )
    )
    evidence += [Evidence(label="role hierarchy", value=c) for c in chains.values()]
    data: dict[str, Any] = {
        "accountadmins": admins,
        "custom_roles": custom,
        "violations": [{"rule": r, "what": w} for r, w in problems],
        "queries": [" ".join(q.split()) for q in (wh.Q_ROLE_GRANTS, wh.Q_USER_ROLES, wh.Q_USERS)],
    }
    if problems:
        rules = sorted({r for r, _ in problems})
        listed = "; ".join(f"{r}: {w}" for r, w in problems[:6])
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(problems)} violation(s) of {len(rules)} rule(s): {listed}",
            evidence,
            "Grant privileges to roles, never users; revoke grants to PUBLIC (or allow-list them "
            "in security.warehouse.public_grants_allowed); keep ACCOUNTADMIN to a few named "
            "admins and nobody's default role; `GRANT ROLE <custom> TO ROLE SYSADMIN` for every "
            "custom role.",
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"{len(custom)} custom role(s) roll up to SYSADMIN; {len(admins)} ACCOUNTADMIN holder(s); "
        "no direct user grants, no PUBLIC grants outside the allow-list",
        evidence,
        **data,
    )


@check("security.data-segregation")
def data_segregation(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.data-segregation"
    unavailable = _warehouse_unavailable(check_id, ev, params, ("tenant_tables", "row_policies"))
    if unavailable is not None:
        return unavailable
    facts = ev.warehouse
    cfg = params.security.warehouse
    assert facts is not None and cfg is not None
    column = cfg.tenant_column.upper()
    tables = facts.tenant_tables or ()
    if not tables:
        return catalog.make(
            check_id,
            Status.WARN,
            f"no table has the tenant column {column} in {facts.name}: "
            "is security.warehouse.tenant_column right?",
            [
                Evidence(
                    label="query", value=" ".join(wh.Q_TENANT_COLUMNS.format(column=column).split())
                )
            ],
        )
    policies: dict[str, list[wh.RowPolicy]] = {}
    for p in facts.row_policies or ():
        if p.status.upper() == "ACTIVE":
            policies.setdefault(p.table.fqn.upper(), []).append(p)
    evidence: list[Evidence] = []
    missing: list[str] = []
    wrong: list[str] = []
    by_schema = 0
    for t in tables:
        schema = f"{t.catalog}.{t.schema}".upper()
        if any(fnmatch.fnmatchcase(schema, g.upper()) for g in cfg.tenant_schemas):
            by_schema += 1
            evidence.append(Evidence(label="separate tenant schema", value=t.fqn))
            continue
        found = policies.get(t.fqn.upper(), [])
        if not found:
            missing.append(t.fqn)
            evidence.append(
                Evidence(label="NO row access policy", value=t.fqn, location=facts.name)
            )
            continue
        if not any(column in (a.upper() for a in p.arg_columns) for p in found):
            args = "; ".join(f"{p.policy}({', '.join(p.arg_columns)})" for p in found)
            wrong.append(f"{t.fqn}: {args}")
            evidence.append(Evidence(label=f"policy not on {column}", value=f"{t.fqn}: {args}"))
            continue
        p = found[0]
        evidence.append(
            Evidence(
                label="row access policy", value=f"{t.fqn}: {p.policy}({', '.join(p.arg_columns)})"
            )
        )
    data: dict[str, Any] = {
        "tables": [t.fqn for t in tables],
        "missing": missing,
        "policy_not_on_tenant_column": wrong,
    }
    if missing or wrong:
        parts = []
        if missing:
            parts.append(
                f"{len(missing)} of {len(tables)} table(s) with {column} have no row access "
                f"policy: {', '.join(missing)}"
            )
        if wrong:
            parts.append(
                f"{len(wrong)} with a policy that does not take {column}: {'; '.join(wrong)}"
            )
        return catalog.make(
            check_id,
            Status.FAIL,
            "; ".join(parts),
            evidence,
            "`ALTER TABLE <t> ADD ROW ACCESS POLICY <db>.<schema>.tenant_isolation "
            f"ON ({column.lower()})`, "
            "or move each tenant's data into its own schema (security.warehouse.tenant_schemas).",
            **data,
        )
    how = f"{len(tables) - by_schema} by row access policy" + (
        f", {by_schema} by tenant schema" if by_schema else ""
    )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {len(tables)} table(s) with {column} are segregated ({how})",
        evidence,
        **data,
    )


# --------------------------------------------------------------------------- GDPR

ItemState = Literal["evidenced", "attested", "violated", "error", "missing"]


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
        if ev.warehouse is None or ev.warehouse.pii_tags is None:
            reason = ev.warehouse_error or (
                ev.warehouse.errors.get("pii_tags") if ev.warehouse else ""
            )
            return "error", f"PII tags unreadable: {reason}", []
        tags = ev.warehouse.pii_tags
        if not tags:
            return None  # no tagged column: a file or an attestation may still evidence it
        tables = sorted({t.table.fqn for t in tags})
        return (
            "evidenced",
            f"{len(tags)} column(s) tagged {sec.warehouse.pii_tag} in {len(tables)} table(s)",
            [
                Evidence(
                    label=f"tag {t.tag}={t.value}",
                    value=f"{t.table.fqn}.{t.column}",
                    location=ev.warehouse.name,
                )
                for t in tags
            ],
        )
    if item == "retention" and sec.gdpr.retention_days:
        return _retention_item(
            _s3_retention(ev, params, sec.gdpr.retention_days),
            _sql_retention(ev, params, sec.gdpr.retention_days),
        )
    return None


ItemResult = tuple[ItemState, str, list[Evidence]]


def _retention_item(s3: ItemResult | None, sql: ItemResult | None) -> ItemResult | None:
    """S3 lifecycle rules and the warehouse's retention settings: either violating fails
    the item; either evidencing it is enough when the other cannot be read."""
    found = [r for r in (s3, sql) if r is not None]
    if not found:
        return None
    evidence = [e for r in found for e in r[2]]
    rank = {"violated": 0, "evidenced": 1, "error": 2}
    first = min(found, key=lambda r: rank.get(r[0], 3))
    hits = [r[1] for r in found if r[0] == first[0]]
    others = [r[1] for r in found if r[0] != first[0]]
    note = f" ({'; '.join(others)})" if others and first[0] == "evidenced" else ""
    return first[0], "; ".join(hits) + note, evidence


@dataclass
class _RowExpiry:
    """What the storage lifecycle policies say about the PII tables' rows."""

    evidence: list[Evidence] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # kept longer than the limit
    errors: list[str] = field(default_factory=list)  # require_row_expiry and cannot tell
    notes: list[str] = field(default_factory=list)  # shown with an evidenced item


def _row_expiry(
    facts: WarehouseFacts, pii_tables: list[str], limit: int, require: bool
) -> _RowExpiry:
    """Each PII table's storage lifecycle policy against the limit: a policy that keeps rows
    (age + archive period) longer fails; with ``require``, so does a table without one, and
    a policy whose body cannot show that every row expires is an error."""
    out = _RowExpiry()
    if facts.lifecycle_policies is None:
        reason = facts.errors.get("lifecycle_policies", "")
        text = f"storage lifecycle policies unreadable: {reason}"
        (out.errors if require else out.notes).append(text)
        return out
    by_table: dict[str, list[wh.LifecyclePolicy]] = {}
    for pol in facts.lifecycle_policies:
        if pol.status.upper() == "ACTIVE":
            by_table.setdefault(pol.table.fqn.upper(), []).append(pol)
    proven: list[str] = []
    unproven: list[str] = []
    without: list[str] = []
    for fqn in pii_tables:
        policies = by_table.get(fqn.upper(), [])
        if not policies:
            without.append(fqn)
            continue
        ok = too_long = False
        for pol in policies:
            after = pol.expires_after_days
            archived = (
                f" + {pol.archive_for_days} days archived ({pol.archive_tier or 'archive tier'})"
                if pol.archive_for_days
                else ""
            )
            if pol.body is None:
                value = "its row is not in ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES (yet)"
            elif after is None:
                value = f"expires rows where {pol.body} (age not read from the body)"
            else:
                value = f"rows expire at {pol.age_days} days old{archived}: {pol.body}"
                if pol.conditional:
                    value += " (only rows that meet its other conditions)"
            out.evidence.append(
                Evidence(
                    label=f"{fqn} lifecycle", value=f"{pol.policy}: {value}", location=facts.name
                )
            )
            if after is not None and after > limit:
                out.violations.append(f"{fqn} ({pol.policy}: {after} days)")
                too_long = True
            elif after is not None and not pol.conditional:
                ok = True
        if ok and not too_long:
            proven.append(fqn)
        elif not too_long:
            unproven.append(fqn)
    if unproven:
        text = (
            f"storage lifecycle policy does not show that every row expires: {', '.join(unproven)}"
        )
        (out.errors if require else out.notes).append(text)
    if without and require:
        out.violations.append(f"no storage lifecycle policy on {', '.join(without)}")
    elif without:
        out.notes.append(f"no storage lifecycle policy on {', '.join(without)}")
    if proven:
        out.notes.insert(
            0,
            f"rows of {', '.join(proven)} expire within {limit} days (storage lifecycle policy)",
        )
    return out


def _sql_retention(ev: SecurityEvidence, params: Params, limit: int) -> ItemResult | None:
    """Time Travel retention (DATA_RETENTION_TIME_IN_DAYS, ACCOUNT_USAGE.TABLES) of every
    table holding a PII-tagged column: erased personal data stays recoverable that long;
    and the storage lifecycle policies that expire those tables' rows (`_row_expiry`)."""
    if params.security.warehouse is None:
        return None
    facts = ev.warehouse
    if facts is None:
        return "error", f"warehouse retention unreadable: {ev.warehouse_error}", []
    if facts.pii_tags is None or facts.table_retention is None:
        reason = facts.errors.get("pii_tags") or facts.errors.get("table_retention", "")
        return "error", f"warehouse retention unreadable: {reason}", []
    pii_tables = sorted({t.table.fqn for t in facts.pii_tags})
    if not pii_tables:
        return None  # no PII tagged: nothing to hold to the limit
    by_fqn = {t.table.fqn.upper(): t for t in facts.table_retention}
    evidence: list[Evidence] = []
    bad: list[str] = []
    unknown: list[str] = []
    for fqn in pii_tables:
        t = by_fqn.get(fqn.upper())
        if t is None or t.retention_days is None:
            unknown.append(fqn)
            continue
        safe = f" + {t.fail_safe_days} days Fail-safe" if t.fail_safe_days else ""
        evidence.append(
            Evidence(
                label=f"{fqn} retention",
                value=f"Time Travel {t.retention_days} days{safe} (DATA_RETENTION_TIME_IN_DAYS)",
                location=facts.name,
            )
        )
        if t.retention_days > limit:
            bad.append(f"{fqn} ({t.retention_days} days)")
    expiry = _row_expiry(facts, pii_tables, limit, params.security.gdpr.require_row_expiry)
    evidence += expiry.evidence
    if bad or expiry.violations:
        parts = []
        if bad:
            parts.append(
                f"tables holding PII keep erased rows longer than {limit} days: {', '.join(bad)}"
            )
        if expiry.violations:
            parts.append(
                f"rows of tables holding PII outlive {limit} days: {'; '.join(expiry.violations)}"
            )
        return "violated", "; ".join(parts + expiry.errors), evidence
    if unknown or expiry.errors:
        parts = []
        if unknown:
            parts.append(
                f"retention of PII table(s) not in ACCOUNT_USAGE.TABLES: {', '.join(unknown)}"
            )
        return "error", "; ".join(parts + expiry.errors), evidence
    return (
        "evidenced",
        f"{len(pii_tables)} table(s) holding PII keep erased rows at most {limit} days "
        "(Time Travel)" + "".join(f"; {n}" for n in expiry.notes),
        evidence,
    )


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
        if system is not None and system[0] in ("evidenced", "violated"):
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
    """Every security check, in CHECKLIST.md order."""
    try:
        ev = collect(params, today=today)
    except Exception as e:  # noqa: BLE001 - a bug in collecting still yields results
        reason = f"could not read the security evidence: {type(e).__name__}: {e}"
        return [catalog.error(fn.check_id, reason) for fn in CHECKS]  # type: ignore[attr-defined]
    return [fn(ev, params) for fn in CHECKS]
