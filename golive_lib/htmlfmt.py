"""Small pure HTML fragments shared by notebooks and reports. Every outside text is escaped."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from .model import STATUS_ORDER, Check, Status

STATUS_COLOURS = {
    Status.PASS: ("#1b5e20", "#c8e6c9"),
    Status.FAIL: ("#b71c1c", "#ffcdd2"),
    Status.WARN: ("#8a5a00", "#ffe0b2"),
    Status.WAIVED: ("#4a148c", "#e1bee7"),
    Status.PENDING: ("#0d47a1", "#bbdefb"),
    Status.ERROR: ("#ffffff", "#6d1b1b"),
    Status.NA: ("#424242", "#e0e0e0"),
}


def e(text: object) -> str:
    return escape(str(text), quote=True)


def badge(status: Status) -> str:
    fg, bg = STATUS_COLOURS[status]
    return (
        f'<span class="golive-badge golive-{e(status.value.replace("/", ""))}" '
        f'style="color:{fg};background:{bg};padding:1px 8px;border-radius:9px;'
        f'font-weight:600;font-size:0.85em;white-space:nowrap">{e(status.value)}</span>'
    )


def _link(href: str | None, text: str) -> str:
    if href and href.split(":", 1)[0].lower() in {"http", "https"}:
        return f'<a href="{e(href)}" rel="noopener noreferrer">{e(text)}</a>'
    return e(text)


LONG_LOCATION = 160  # characters: a query longer than this is folded


def _location(location: str) -> str:
    """Where the evidence came from (a path, a URL, the exact query). A long one, such as
    a multi-window SLO query, is folded so the findings stay readable; one click shows it."""
    code = f"<code>{e(location)}</code>"
    if len(location) <= LONG_LOCATION:
        return code
    head = e(location[:60].rstrip())
    return (
        f'<details style="display:inline"><summary style="display:inline;cursor:pointer">'
        f"<code>{head}…</code> ({len(location):,} characters)</summary>{code}</details>"
    )


def evidence_list(check: Check, limit: int = 20) -> str:
    if not check.evidence:
        return ""
    items = []
    for ev in check.evidence[:limit]:
        parts = [f"<b>{e(ev.label)}</b>"]
        if ev.value:
            parts.append(_link(ev.link, ev.value))
        elif ev.link:
            parts.append(_link(ev.link, ev.link))
        if ev.location:
            parts.append(_location(ev.location))
        items.append("<li>" + " ".join(parts) + "</li>")
    more = len(check.evidence) - limit
    if more > 0:
        items.append(f"<li>… and {more} more (all in results.json)</li>")
    return '<ul style="margin:2px 0 0 0;padding-left:18px">' + "".join(items) + "</ul>"


def check_card(check: Check) -> str:
    """One check as shown in a notebook right after it is evaluated."""
    remediation = (
        # pre-wrap: a remediation may hold rules or a snippet to paste, lines kept
        f'<div style="margin-top:4px;white-space:pre-wrap"><i>How to fix:</i> '
        f"{e(check.remediation)}</div>"
        if check.remediation and check.status not in (Status.PASS, Status.NA)
        else ""
    )
    return (
        '<div class="golive-check" style="border-left:4px solid '
        f'{STATUS_COLOURS[check.status][1]};padding:4px 10px;margin:6px 0">'
        f"{badge(check.status)} <b>{e(check.title)}</b> "
        f'<code style="color:#666">{e(check.id)}</code> '
        f'<span style="color:#666">({e(check.severity.value)})</span>'
        f"<div>{e(check.summary)}</div>{evidence_list(check)}{remediation}</div>"
    )


# Inline, because JupyterLab and nbconvert right-align table cells by default.
TD = '<td style="text-align:left;vertical-align:top">'
TH = '<th style="text-align:left">'


def checks_table(checks: Iterable[Check], with_section: bool = False) -> str:
    rows = []
    for c in checks:
        section = f"{TD}{e(c.section)}</td>" if with_section else ""
        rows.append(
            f"<tr>{section}{TD}{badge(c.status)}</td>{TD}<code>{e(c.id)}</code>"
            f"<br>{e(c.title)}</td>{TD}{e(c.severity.value)}</td>{TD}{e(c.summary)}</td></tr>"
        )
    head = f"{TH}Section</th>" if with_section else ""
    return (
        '<table class="golive-checks"><thead><tr>'
        f"{head}{TH}Status</th>{TH}Check</th>{TH}Severity</th>{TH}Summary</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def sections_table(sections: Iterable[dict[str, Any]], link: bool = True) -> str:
    """Per-section counts by status, from results.json's ``sections`` entries."""
    head = "".join(f"{TH}{e(s.value)}</th>" for s in STATUS_ORDER)
    rows = []
    for section in sections:
        counts = section["counts"]
        cells = "".join(f"<td>{counts.get(s.value, 0) or ''}</td>" for s in STATUS_ORDER)
        title = e(section["title"])
        if link and section.get("html"):
            title = f'<a href="{e(section["html"])}">{title}</a>'
        if section.get("execution_error"):
            title += (
                '<br><span style="color:#b71c1c">notebook error: '
                f"{e(section['execution_error'])}</span>"
            )
        rows.append(f"<tr>{TD}{title}</td>{cells}</tr>")
    return (
        f'<table class="golive-checks"><thead><tr>{TH}Section</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
