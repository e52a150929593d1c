"""What the security section reads once: the evidence every check judges, and the scan
reports' loads (configured files, and the scanners run now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...errors import SourceError
from ...params import RunScanners, ScanFile
from ...sources import s3 as s3src
from ...sources import scans
from ...sources import secrets as secretsrc
from ...sources.scans import run_now
from ..snowflake_facts import WarehouseFacts


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
