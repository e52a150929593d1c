"""index.html: the one-page summary of a report folder. Pure: render(results) -> str."""

from __future__ import annotations

from typing import Any

from ..htmlfmt import badge, checks_table, e, sections_table
from ..model import STATUS_ORDER
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
<h2>Sections</h2>
{sections_table(results["sections"])}
<h2>Every check</h2>
{"".join(sections_html)}
</body></html>
"""
