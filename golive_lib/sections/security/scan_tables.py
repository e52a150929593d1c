"""The scan section's HTML tables: the scanners run now, and every finding (escaped)."""

from __future__ import annotations

from datetime import UTC, date

from ... import htmlfmt
from ...params import Params
from .evidence import ScanLoad, SecurityEvidence
from .scan_checks import judge


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
