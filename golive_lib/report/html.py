"""The HTML fragments golive shows in notebooks and writes into its pages (a check's card,
tables of checks, sections and drills), rendered from one Jinja2 template
(``templates/fragments/fragments.html.j2``) with autoescape: every outside text is
escaped. Pure: data in, markup out."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import escape

from ..model import STATUS_ORDER, Check, Status

FRAGMENTS = Path(__file__).parent / "templates" / "fragments"

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
def _macros() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FRAGMENTS),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("fragments.html.j2").module


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
