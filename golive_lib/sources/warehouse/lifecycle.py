"""How old a row is when a storage lifecycle policy's body expires it: read from the usual
shapes of body (``col < DATEADD(DAY, -N, CURRENT_TIMESTAMP())``, ``DATEDIFF(day, col,
CURRENT_DATE()) > N``); `OTHER_CONDITION_RE` finds conditions besides the age."""

from __future__ import annotations

import re

# Days per DATEADD/DATEDIFF unit, rounded up (a month as 31 days, a year as 366): the age
# read from a body is never shorter than what the policy means.
_UNIT_DAYS = {
    **dict.fromkeys(("DAY", "DAYS", "D", "DD", "DAYOFMONTH"), 1),
    **dict.fromkeys(("WEEK", "WEEKS", "W", "WK", "WEEKOFYEAR", "WOY", "WY"), 7),
    **dict.fromkeys(("MONTH", "MONTHS", "MM", "MON", "MONS"), 31),
    **dict.fromkeys(("QUARTER", "QUARTERS", "Q", "QTR", "QTRS"), 92),
    **dict.fromkeys(("YEAR", "YEARS", "Y", "YY", "YYY", "YYYY", "YR", "YRS"), 366),
}
_UNIT = r"['\"]?(?P<unit>[A-Za-z]+)['\"]?"
_NOW = r"(?:CURRENT_TIMESTAMP|CURRENT_DATE|SYSDATE|GETDATE|LOCALTIMESTAMP)\s*(?:\(\s*\))?"
# col < DATEADD(DAY, -60, CURRENT_TIMESTAMP())
_DATEADD_RE = re.compile(rf"DATEADD\s*\(\s*{_UNIT}\s*,\s*-\s*(?P<n>\d+)\s*,", re.I)
# DATEDIFF(day, col, CURRENT_DATE()) > 60  (>= 60)
_DATEDIFF_RE = re.compile(
    rf"DATEDIFF\s*\(\s*{_UNIT}\s*,[^,()]+(?:\([^()]*\))?[^,()]*,\s*{_NOW}\s*\)\s*"
    r"(?P<op>>=?)\s*(?P<n>\d+)",
    re.I,
)
OTHER_CONDITION_RE = re.compile(r"\b(?:AND|EXISTS|IN\s*\()", re.I)


def age_days_from_body(body: str) -> int | None:
    """The age in days after which a storage lifecycle policy's body expires a row, from
    DATEADD(<unit>, -N, <now>) or DATEDIFF(<unit>, <col>, <now>) > N; the largest when the
    body has several; None when it has neither (or an unknown unit)."""
    ages: list[int] = []
    for m in _DATEADD_RE.finditer(body):
        unit = _UNIT_DAYS.get(m["unit"].upper())
        if unit is None:
            return None
        ages.append(int(m["n"]) * unit)
    for m in _DATEDIFF_RE.finditer(body):
        unit = _UNIT_DAYS.get(m["unit"].upper())
        if unit is None:
            return None
        ages.append((int(m["n"]) + (0 if m["op"] == ">=" else 1)) * unit)
    return max(ages) if ages else None
