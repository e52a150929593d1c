"""The HTML fragments moved to the report layer (:mod:`golive_lib.report.html`, rendered
from Jinja2 templates with autoescape); these names stay importable from here."""

from __future__ import annotations

from .report.html import (
    LONG_LOCATION,
    STATUS_COLOURS,
    TD,
    TH,
    badge,
    check_card,
    checks_table,
    e,
    evidence_list,
    sections_table,
)

__all__ = [
    "LONG_LOCATION",
    "STATUS_COLOURS",
    "TD",
    "TH",
    "badge",
    "check_card",
    "checks_table",
    "e",
    "evidence_list",
    "sections_table",
]
