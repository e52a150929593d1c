"""The HTML golive shows in notebooks and writes into its pages, rendered from one
Jinja2 template set (``templates/html/``) with autoescape: every outside text is
escaped. The fragments (a check's card, tables of checks, sections, drills, scanners
and findings) are macros of ``fragments.html.j2``; the standalone pages extend
``layout.html.j2`` and its one stylesheet ``page.css``. Pure: data in, markup out."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import escape

from ..model import STATUS_ORDER, Check, Status

TEMPLATES = Path(__file__).parent / "templates" / "html"

STATUS_COLOURS = {
    Status.PASS: ("#1b5e20", "#c8e6c9"),
    Status.FAIL: ("#b71c1c", "#ffcdd2"),
    Status.WARN: ("#8a5a00", "#ffe0b2"),
    Status.WAIVED: ("#4a148c", "#e1bee7"),
    Status.PENDING: ("#0d47a1", "#bbdefb"),
    Status.ERROR: ("#ffffff", "#6d1b1b"),
    Status.NA: ("#424242", "#e0e0e0"),
}

LONG_LOCATION = 160  # characters: a location longer than this is folded
EVIDENCE_SHOWN = 20  # evidence items shown per check; results.json holds them all

# Inline, because JupyterLab and nbconvert right-align table cells by default (for the
# tables still built in Python; the template has the same styles).
TD = '<td style="text-align:left;vertical-align:top">'
TH = '<th style="text-align:left">'


def e(text: object) -> str:
    """``text`` escaped for HTML (the same five characters autoescape escapes)."""
    return str(escape(str(text)))


@functools.cache
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@functools.cache
def macros(name: str) -> Any:
    """The macros of the template ``name`` (called from Python, they return `Markup`)."""
    return _env().get_template(name).module


def _macros() -> Any:
    return macros("fragments.html.j2")


def warm_up(pages: bool = False) -> None:
    """Import Jinja2 and compile the templates now, once, in a process that forks the ones
    using them (the kernel template: the fragments; the run's parent: the pages too);
    otherwise each kernel pays it on its first check card."""
    macros("fragments.html.j2")
    if pages:
        for name in ("review_parts.html.j2", "index.html.j2", "signoffs.html.j2"):
            _env().get_template(name)


def page(name: str, **context: Any) -> str:
    """The standalone page ``name`` (a template of ``templates/html`` extending its
    layout) rendered with ``context``: data, never markup (the page calls the macros)."""
    return str(_env().get_template(name).render(**context))


def badge(status: Status) -> str:
    return str(_macros().badge(status, *STATUS_COLOURS[status]))


def evidence_list(check: Check, limit: int = EVIDENCE_SHOWN) -> str:
    more = len(check.evidence) - limit
    return str(_macros().evidence_list(check.evidence[:limit], more, LONG_LOCATION))


def check_card(check: Check) -> str:
    """One check as shown in a notebook right after it is evaluated."""
    fix = bool(check.remediation) and check.status not in (Status.PASS, Status.NA)
    shown = check.evidence[:EVIDENCE_SHOWN]
    more = len(check.evidence) - EVIDENCE_SHOWN
    return str(_macros().check_card(check, STATUS_COLOURS, shown, more, LONG_LOCATION, fix))


def checks_table(checks: Iterable[Check], with_section: bool = False) -> str:
    return str(_macros().checks_table(list(checks), STATUS_COLOURS, with_section))


def sections_table(sections: Iterable[dict[str, Any]], link: bool = True) -> str:
    """Per-section counts by status, from results.json's ``sections`` entries."""
    return str(_macros().sections_table(list(sections), STATUS_ORDER, link))


def drill_table(rows: Sequence[Sequence[str]]) -> str:
    """A table of the drills a review ran: one row of cells per drill (name, command,
    outcome, verification, timeout); a sentence when none ran."""
    return str(_macros().drill_table(rows))


def run_now_table(rows: Sequence[dict[str, Any]]) -> str:
    """The scanners run now: one row each (scanner, endpoint, target, at, duration_s,
    outcome); a sentence when none ran."""
    return str(_macros().run_now_table(rows))


def findings_table(rows: Sequence[dict[str, Any]]) -> str:
    """Scan findings: one row each (severity, id, link, aliases, package, installed,
    fixed, verdict, note, source, report); a sentence when there are none."""
    return str(_macros().findings_table(rows))
