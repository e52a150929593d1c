"""Row access policy bodies, views and PII tags of a Snowflake account: the readers
`security.data-segregation` and `security.gdpr` need besides `sources.warehouse`'s.

What each reader reads (ACCOUNT_USAGE views, columns, values):

- `row_policy_bodies`: ROW_ACCESS_POLICIES (POLICY_CATALOG, POLICY_SCHEMA, POLICY_NAME,
  POLICY_SIGNATURE, POLICY_BODY), rows with DELETED NULL. POLICY_SIGNATURE is read as
  ``(NAME TYPE, ...)``, the shape the docs show for SHOW/DESCRIBE; golive assumes the view
  holds the same text (not checked against a real account).
- `managed_schemas`: SCHEMATA (CATALOG_NAME, SCHEMA_NAME, IS_MANAGED_ACCESS ``YES``),
  DELETED NULL: shown beside segregation by grants, not judged.
- `views`: VIEWS (TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, IS_SECURE),
  DELETED NULL. IS_SECURE is ``YES``/``NO`` in the docs; TRUE/1 are read as yes too.
- `pii_tags`: TAG_REFERENCES (TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, OBJECT_*,
  DOMAIN, COLUMN_NAME), OBJECT_DELETED NULL, DOMAIN ``COLUMN`` or ``TABLE``: the configured
  tags (any value), and Snowflake's classification tags SNOWFLAKE.CORE.PRIVACY_CATEGORY
  (IDENTIFIER, QUASI_IDENTIFIER, SENSITIVE; INSENSITIVE is not personal data) and
  SNOWFLAKE.CORE.SEMANTIC_CATEGORY (any value). A configured tag set on a schema or a
  database (DOMAIN ``SCHEMA``/``DATABASE``; its tables inherit it) marks every table in it:
  golive assumes such rows name the database in OBJECT_DATABASE (or OBJECT_NAME) and the
  schema in OBJECT_SCHEMA (or OBJECT_NAME), not checked against a real account. Views'
  columns are tagged with DOMAIN ``COLUMN`` too: a view appears here like a table, and the
  callers tell them apart with `views`.

Like the rest of the warehouse SQL, this has run on DuckDB only: no Snowflake account is
reachable here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .interface import Row, Warehouse
from .readers import ColumnTag, TableRef, _ident, _s, _truthy

Q_ROW_POLICY_BODIES = """SELECT POLICY_CATALOG, POLICY_SCHEMA, POLICY_NAME, POLICY_SIGNATURE,
       POLICY_BODY
FROM SNOWFLAKE.ACCOUNT_USAGE.ROW_ACCESS_POLICIES
WHERE DELETED IS NULL"""

Q_MANAGED_SCHEMAS = """SELECT CATALOG_NAME, SCHEMA_NAME
FROM SNOWFLAKE.ACCOUNT_USAGE.SCHEMATA
WHERE DELETED IS NULL AND UPPER(IS_MANAGED_ACCESS) IN ('YES', 'TRUE')"""

Q_VIEWS = """SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, IS_SECURE
FROM SNOWFLAKE.ACCOUNT_USAGE.VIEWS
WHERE DELETED IS NULL"""

CLASSIFICATION = ("PRIVACY_CATEGORY", "SEMANTIC_CATEGORY")
NOT_PERSONAL = "INSENSITIVE"

Q_PII_TAGS = """SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, OBJECT_DATABASE,
       OBJECT_SCHEMA, OBJECT_NAME, DOMAIN, COLUMN_NAME
FROM SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES
WHERE OBJECT_DELETED IS NULL AND DOMAIN IN ('COLUMN', 'TABLE', 'SCHEMA', 'DATABASE')
  AND (UPPER(TAG_NAME) IN ({tags}){classification})"""

_CLASSIFICATION_SQL = """
       OR (UPPER(TAG_DATABASE) = 'SNOWFLAKE' AND UPPER(TAG_SCHEMA) = 'CORE'
           AND UPPER(TAG_NAME) IN ('PRIVACY_CATEGORY', 'SEMANTIC_CATEGORY'))"""


@dataclass(frozen=True)
class PolicyBody:
    policy: str  # fully qualified, as POLICY_REFERENCES names it
    arguments: tuple[str, ...]  # the signature's argument names, upper-cased
    body: str


@dataclass(frozen=True)
class View:
    view: TableRef
    definition: str
    secure: bool


_ARG_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*|\"[^\"]+\")\s+[A-Za-z]")


def signature_arguments(signature: str) -> tuple[str, ...]:
    """``(ACCOUNT_ID VARCHAR, REGION VARCHAR(16))`` -> ("ACCOUNT_ID", "REGION")."""
    inner = signature.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    out = []
    depth = 0
    part = ""
    for ch in inner + ",":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            m = _ARG_RE.match(part.strip())
            if m:
                out.append(m.group(1).strip('"').upper())
            part = ""
        else:
            part += ch
    return tuple(out)


def row_policy_bodies(wh: Warehouse) -> list[PolicyBody]:
    return [
        PolicyBody(
            ".".join(
                _s(r.get(k)) for k in ("POLICY_CATALOG", "POLICY_SCHEMA", "POLICY_NAME") if r.get(k)
            ),
            signature_arguments(_s(r.get("POLICY_SIGNATURE"))),
            _s(r.get("POLICY_BODY")),
        )
        for r in wh.query(Q_ROW_POLICY_BODIES)
    ]


def views(wh: Warehouse) -> list[View]:
    return [
        View(
            TableRef(
                _s(r.get("TABLE_CATALOG")), _s(r.get("TABLE_SCHEMA")), _s(r.get("TABLE_NAME"))
            ),
            _s(r.get("VIEW_DEFINITION")),
            _truthy(r.get("IS_SECURE")),
        )
        for r in wh.query(Q_VIEWS)
    ]


ANY = "*"  # a schema- or database-level tag: every table in it


def _tagged(r: Row) -> TableRef:
    """The tagged object; a schema's or database's tag (inherited by its tables) as a
    TableRef with ``*`` for the table (and schema)."""
    domain = _s(r.get("DOMAIN")).upper()
    db, schema, name = (_s(r.get(k)) for k in ("OBJECT_DATABASE", "OBJECT_SCHEMA", "OBJECT_NAME"))
    if domain == "SCHEMA":
        return TableRef(db, schema or name, ANY)
    if domain == "DATABASE":
        return TableRef(db or name, ANY, ANY)
    return TableRef(db, schema, name)


def managed_schemas(wh: Warehouse) -> list[str]:
    """``DB.SCHEMA`` (upper-case) of every managed-access schema: there only the schema
    owner (or MANAGE GRANTS) grants access to its objects, not each object's owner."""
    return sorted(
        f"{_s(r.get('CATALOG_NAME'))}.{_s(r.get('SCHEMA_NAME'))}".upper()
        for r in wh.query(Q_MANAGED_SCHEMAS)
    )


def pii_tags_sql(tags: tuple[str, ...], classification: bool) -> str:
    names = ", ".join(f"'{_ident(t, 'tag name')}'" for t in tags) or "NULL"
    return Q_PII_TAGS.format(
        tags=names, classification=_CLASSIFICATION_SQL if classification else ""
    )


def pii_tags(wh: Warehouse, tags: tuple[str, ...], classification: bool = True) -> list[ColumnTag]:
    """Columns and tables carrying one of ``tags`` or (``classification``) a Snowflake
    classification tag that marks personal data. A table-level tag has column ""."""
    rows = wh.query(pii_tags_sql(tags, classification))
    out: list[ColumnTag] = []
    insensitive: set[tuple[str, str]] = set()
    for r in rows:
        name = _s(r.get("TAG_NAME")).upper()
        system = (
            _s(r.get("TAG_DATABASE")).upper() == "SNOWFLAKE"
            and _s(r.get("TAG_SCHEMA")).upper() == "CORE"
            and name in CLASSIFICATION
        )
        table = _tagged(r)
        column = _s(r.get("COLUMN_NAME")) if _s(r.get("DOMAIN")).upper() == "COLUMN" else ""
        value = _s(r.get("TAG_VALUE"))
        if system and name == "PRIVACY_CATEGORY" and value.upper() == NOT_PERSONAL:
            insensitive.add((table.fqn.upper(), column.upper()))
            continue
        tag = ("SNOWFLAKE.CORE." + name) if system else _s(r.get("TAG_NAME"))
        out.append(ColumnTag(tag, value, table, column))
    # a semantic category on a column classified INSENSITIVE is not personal data
    return [
        t
        for t in out
        if not (
            t.tag == "SNOWFLAKE.CORE.SEMANTIC_CATEGORY"
            and (t.table.fqn.upper(), t.column.upper()) in insensitive
        )
    ]
