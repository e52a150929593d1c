"""The SQL text of Snowflake row access policy bodies and view definitions, read as far as
`security.data-segregation` needs: whether a policy body tells tenants' rows apart, the
tables a body or view reads (FROM/JOIN), and whether a view's WHERE filters on a tenant
column. Text only: comments and string literals are blanked first; nothing is executed."""

from __future__ import annotations

import re

from ..sources import warehouse as wh
from ..sources.warehouse import policies as whp

_KEYWORDS = frozenset(
    """TRUE FALSE NULL AND OR NOT CASE WHEN THEN ELSE END IS IN LIKE ILIKE BETWEEN SELECT
    FROM WHERE EXISTS AS ON JOIN INNER LEFT RIGHT OUTER FULL CROSS LIMIT ANY ALL""".split()
)
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# a bare name: not a column of an aliased table (m.ACCOUNT_ID)
_BARE_RE = re.compile(r"(?<![\w.$\"])[A-Za-z_][A-Za-z0-9_$]*(?![\w$])(?!\s*\.)")
_FROM_RE = re.compile(
    r"\b(?:FROM|JOIN)\s+((?:\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*)"
    r"(?:\s*\.\s*(?:\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*)){0,2})",
    re.I,
)
_STRING_RE = re.compile(r"'(?:[^']|'')*'")
_COMMENT_RE = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


def _code(body: str) -> str:
    """The body without comments, string literals as ''."""
    return _STRING_RE.sub("''", _COMMENT_RE.sub(" ", body))


def body_problem(body: whp.PolicyBody) -> str | None:
    """Why this row access policy body does not tell tenants' rows apart, or None."""
    code = _code(body.body)
    upper = " ".join(code.upper().split())
    words = [w.upper() for w in _WORD_RE.findall(code)]
    idents = [w for w in words if w not in _KEYWORDS]
    if not idents:
        return f"its body ({body.body.strip()}) is a constant: every role sees every row or none"
    if re.search(r"\bOR\s+(?:TRUE|1\s*=\s*1)\b|\b(?:TRUE|1\s*=\s*1)\s+OR\b", upper):
        return f"its body ({body.body.strip()}) is always true (OR TRUE)"
    results = re.findall(r"\b(?:THEN|ELSE)\s+(\w+)", upper)
    if upper.startswith("CASE") and upper.endswith("END") and results:
        if all(r == "TRUE" for r in results):
            return f"its body ({body.body.strip()}) is always true (every CASE branch is TRUE)"
    bare = {w.upper() for w in _BARE_RE.findall(code)}
    for arg in body.arguments:
        name = re.escape(arg)
        if re.search(rf"(?<![\w.$]){name}\s*=\s*{name}(?![\w.$])", upper):
            return f"its body compares {arg} with itself: always true"
    if not re.search(r"[A-Za-z_][A-Za-z0-9_$.]*\s*\(|\bSELECT\b", upper):
        return (
            f"its body ({body.body.strip()}) compares the tenant value with constants only: "
            "every role sees the same rows"
        )
    if body.arguments and not any(a in bare for a in body.arguments):
        args = ", ".join(body.arguments)
        return (
            f"its body never reads its argument ({args}): it cannot tell one tenant's rows "
            "from another's"
        )
    return None


def referenced_tables(sql: str) -> list[tuple[str, ...]]:
    """FROM/JOIN names in a policy body or view definition, as upper-case name parts."""
    out = []
    for m in _FROM_RE.finditer(_code(sql)):
        parts = tuple(p.strip().strip('"').upper() for p in m.group(1).split("."))
        out.append(parts)
    return out


def refers_to(parts: tuple[str, ...], t: wh.TableRef) -> bool:
    full = (t.catalog.upper(), t.schema.upper(), t.table.upper())
    return full[-len(parts) :] == parts


def filters_on(definition: str, columns: tuple[str, ...]) -> bool:
    """The view's WHERE compares a tenant column (``WHERE e.account_id = 'acme'``)."""
    code = " ".join(_code(definition).upper().split())
    where = code.partition(" WHERE ")[2]
    names = "|".join(re.escape(c) for c in columns)
    return bool(
        re.search(rf"(?<![\w$])(?:[\w$\"]+\.)?(?:{names})\s*(?:=|IN\b)", where)
        or re.search(rf"=\s*(?:[\w$\"]+\.)?(?:{names})(?![\w$])", where)
    )
