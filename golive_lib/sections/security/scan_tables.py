"""The scan section's tables as rows of data: the scanners run now, and every finding. The
notebook renders them (escaped) with the report layer's templates
(`golive_lib.report.html.run_now_table`, `findings_table`)."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from ...params import Params
from .evidence import ScanLoad, SecurityEvidence
from .scan_checks import judge


def run_now_rows(ev: SecurityEvidence) -> list[dict[str, Any]]:
    """The scanners run now (security.run_scanners): what ran on which file, when, for how
    long, and what came of it: one row each."""
    runs = [load.run for load in (*ev.dependency_scans, *ev.image_scans) if load.run is not None]
    rows: list[dict[str, Any]] = []
    for r in runs:
        if r.report is not None:
            outcome = f"{len(r.report.findings)} findings, {len(r.report.skipped)} skipped"
        else:
            outcome = f"could not run: {r.error}"
        rows.append(
            {
                "scanner": r.scanner,
                "endpoint": r.endpoint,
                "target": r.target,
                "at": r.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                "duration_s": r.duration_s,
                "outcome": outcome,
            }
        )
    return rows


def finding_rows(loads: tuple[ScanLoad, ...], params: Params, today: date) -> list[dict[str, Any]]:
    """Every finding of the reports, most severe first, with links: one row each."""
    rows: list[dict[str, Any]] = []
    for j in (j for load in loads for j in judge(load, params, today)):
        f = j.finding
        rows.append(
            {
                "severity": f.severity.label,
                "id": f.id,
                "link": f.link if f.link and f.link.startswith(("http://", "https://")) else None,
                "aliases": ", ".join(f.aliases),
                "package": f.package or f.target,
                "installed": f.installed,
                "fixed": f.fixed or "-",
                "verdict": j.verdict,
                "note": j.note,
                "source": f.source,
                "report": j.report,
            }
        )
    return rows
