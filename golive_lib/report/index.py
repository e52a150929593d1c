"""index.html: the one-page summary of a report folder. Pure: render(results) -> str."""

from __future__ import annotations

from typing import Any

from ..model import STATUS_ORDER, Status
from .html import STATUS_COLOURS, badge, checks_table, e, sections_table
from .results import load_checks

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;margin:0 auto;
padding:16px;color:#222}
h1{margin-bottom:4px} .meta{color:#555;margin-bottom:12px}
.golive-banner{padding:12px 18px;border-radius:6px;font-size:1.5em;font-weight:700;margin:10px 0}
.golive-go{background:#c8e6c9;color:#1b5e20} .golive-no-go{background:#ffcdd2;color:#b71c1c}
table{border-collapse:collapse;margin:6px 0 16px 0;font-size:0.93em}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.n{text-align:right} code{font-size:0.92em}
"""


def render(results: dict[str, Any]) -> str:
    checks = load_checks(results)
    decision = results["decision"]
    blocking = [c for c in checks if c.blocks]
    blocking_html = (
        "<h2>Blocking the go-live</h2>" + checks_table(blocking, with_section=True)
        if blocking
        else "<p>No blocking check is failing, erroring or pending.</p>"
    )
    sections_html = []
    for section in results["sections"]:
        mine = [c for c in checks if c.section == section["id"]]
        sections_html.append(f'<h3 id="{e(section["id"])}">{e(section["title"])}</h3>')
        sections_html.append(checks_table(mine))
    counts = results["counts"]
    summary = " ".join(
        f"{badge(s)} {counts.get(s.value, 0)}" for s in STATUS_ORDER if counts.get(s.value)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(results["service"])} go-live review {e(results["date"])}</title>
<style>{_CSS}</style></head><body>
<h1>Go-live review: {e(results["service"])}</h1>
<div class="meta">{e(results["date"])} &middot; generated {e(results["generated_at"])}
&middot; golive {e(results["golive_version"])}
&middot; parameters <code>{e(results["params_file"])}</code>
(sha256 <code>{e(results["params_sha256"][:12])}</code>)</div>
<div class="golive-banner golive-{e(decision)}">Decision: {e(decision.upper())}</div>
<p>{summary} &middot; <a href="report.html">full report (one file)</a>
&middot; <a href="results.json">results.json</a> &middot; <a href="junit.xml">junit.xml</a></p>
{blocking_html}
{signoff_html(results)}
{signoff_live_html()}
{changes_html(results)}
{timeline_html(results)}
{waivers_html(results)}
{attestations_html(results)}
<h2>Sections</h2>
{sections_table(results["sections"])}
<h2>Every check</h2>
{"".join(sections_html)}
</body></html>
"""


def signoff_html(results: dict[str, Any]) -> str:
    """What a sign-off needs. The live state is in signoffs.html: this page is signed
    itself and never rewritten after the run."""
    roles = (results.get("signoff") or {}).get("required_roles", [])
    needed = (
        "required roles: " + ", ".join(f"<b>{e(r)}</b>" for r in roles)
        if roles
        else "no role is required by the parameters; any sign-off counts"
    )
    return (
        f"<h2>Sign-off</h2><p>Not signed when this report was rendered; {needed}. "
        "Sign with your SSH key: <code>golive signoff DIR --key ~/.ssh/id_ed25519 --signer "
        "EMAIL --role R --decision go|no-go</code>; who signed is in "
        '<a href="signoffs.html">signoffs.html</a> (appears after the first sign-off) and in '
        "<code>golive history</code>. <code>golive verify DIR</code> checks every signature "
        "against the trusted signers and that nothing changed since.</p>"
    )


def signoff_live_html() -> str:
    """The live sign-off state on the (signed, never rewritten) index page: signoffs.html
    embedded, or, before the first sign-off, the text in its place."""
    return (
        "<p>Sign-offs since (from <code>signoffs.html</code>, rewritten after each one; only "
        "those verified against the trusted signers count):</p>"
        '<object data="signoffs.html" type="text/html" title="sign-offs" '
        'style="width:100%;height:240px;border:1px solid #ddd">'
        "<p><i>No sign-off yet.</i></p></object>"
    )


def _status_cell(status: str | None) -> str:
    return badge(Status(status)) if status else "<i>absent</i>"


def changes_html(results: dict[str, Any]) -> str:
    previous = results.get("previous")
    if not previous:
        return "<h2>Changed since the last review</h2><p>First review of this service.</p>"
    head = (
        f"<h2>Changed since the last review</h2><p>Compared with "
        f'<a href="../{e(previous["folder"])}/index.html">{e(previous["folder"])}</a> '
        f"({e(previous['decision'])}).</p>"
    )
    changes = previous.get("changes", [])
    if not changes:
        return head + "<p>No check changed status.</p>"
    rows = "".join(
        f"<tr><td><code>{e(c['id'])}</code></td><td>{e(c['title'])}</td>"
        f"<td>{_status_cell(c['old'])}</td><td>{_status_cell(c['new'])}</td></tr>"
        for c in changes
    )
    return (
        head + f"<table><tr><th>check</th><th>title</th><th>was</th><th>now</th></tr>{rows}</table>"
    )


TIMELINE_RUNS = 30  # the latest runs in the table; `golive history` lists every one


def timeline_html(results: dict[str, Any]) -> str:
    """Statuses over the latest dated runs (TIMELINE_RUNS): one stacked bar per run
    (plain HTML, no script). A service reviewed nightly has hundreds of runs."""
    runs = [
        *results.get("history", []),
        {
            "folder": results["date"] + " (this run)",
            "decision": results["decision"],
            "counts": results["counts"],
        },
    ]
    if len(runs) < 2:
        return ""
    earlier = len(runs) - TIMELINE_RUNS
    note = (
        f"<p>The latest {TIMELINE_RUNS} of {len(runs)} runs; "
        f"<code>golive history {e(results['service'])}</code> lists every one.</p>"
        if earlier > 0
        else ""
    )
    rows = []
    for run in runs[-TIMELINE_RUNS:]:
        total = sum(run["counts"].values()) or 1
        bars = "".join(
            f'<span title="{e(s.value)} {run["counts"][s.value]}" style="display:inline-block;'
            f"width:{400 * run['counts'][s.value] / total:.1f}px;height:14px;"
            f'background:{STATUS_COLOURS[s][1]}"></span>'
            for s in STATUS_ORDER
            if run["counts"].get(s.value)
        )
        rows.append(
            f"<tr><td>{e(run['folder'])}</td><td>{e(run['decision'])}</td><td>{bars}</td>"
            f"<td>{' '.join(f'{k} {v}' for k, v in run['counts'].items() if v)}</td></tr>"
        )
    legend = " ".join(badge(s) for s in STATUS_ORDER)
    return (
        f"<h2>Statuses over the dated runs</h2>{note}"
        f"<table><tr><th>run</th><th>decision</th><th>checks</th><th></th></tr>{''.join(rows)}"
        f"</table><p>{legend}</p>"
    )


def waivers_html(results: dict[str, Any]) -> str:
    waivers = results.get("waivers", [])
    if not waivers:
        return ""
    rows = "".join(
        f"<tr><td><code>{e(w['check'])}</code></td><td>{e(w['approver'])}</td>"
        f"<td>{e(w['expires'])}{' <b>(expired)</b>' if w['expired'] else ''}</td>"
        f"<td>{e(', '.join(w['waived']) or '-')}</td><td>{e(w['reason'])}</td></tr>"
        for w in waivers
    )
    return (
        "<h2>Waivers</h2><table><tr><th>check</th><th>approver</th><th>expires</th>"
        f"<th>waived in this run</th><th>reason</th></tr>{rows}</table>"
    )


def _attested_how(a: dict[str, Any]) -> str:
    """Signed (golive attest, verified) or claimed (in the parameters); absent in older reports."""
    if "signed" not in a:
        return ""
    return "<b>signed by</b>" if a["signed"] else "claimed by"


def attestations_html(results: dict[str, Any]) -> str:
    attested = results.get("attestations", [])
    if not attested:
        return ""
    rows = "".join(
        f"<tr><td><code>{e(a['check'])}</code>{' (' + e(a['item']) + ')' if a['item'] else ''}"
        f"</td><td>{_attested_how(a)} {e(a['by'])}</td><td>{e(a['date'])}</td>"
        f"<td>{a['age_days']} / {a['max_age_days']} days"
        f"{' <b>STALE: counts as missing</b>' if a['stale'] else ''}</td>"
        f"<td>{e(a['link'])}</td><td>{e(a['outcome'])}</td></tr>"
        for a in attested
    )
    return (
        "<h2>Attestations</h2><table><tr><th>check</th><th>by</th><th>date</th><th>age</th>"
        f"<th>record</th><th>outcome</th></tr>{rows}</table>"
    )
