"""Grants, users, columns, policies and tags of a Snowflake account, as SQL over
``SNOWFLAKE.ACCOUNT_USAGE`` views, behind one small interface.

`Warehouse` is the interface: ``query(sql) -> rows`` (dicts with upper-case keys) and a
``name``. Two implementations: `DuckDBWarehouse`, the embedded default used by the demo
and the tests, which attaches a catalog named ``SNOWFLAKE`` holding tables shaped like
the ACCOUNT_USAGE views (`ACCOUNT_USAGE_DDL`) filled from SQL seed files or a DuckDB
file; and `snowflake.SnowflakeWarehouse`, which runs the same SQL on a real
account through snowflake-connector-python (the ``[snowflake]`` extra, imported only when
used). The typed readers below
(`role_grants`, `user_roles`, `users`, `tenant_columns`, `row_access_policies`,
`column_tags`, `table_retention`, `lifecycle_policies`, and `policies`' policy
bodies, views and PII tags) are the only SQL golive runs; a failing query raises
`SourceError` that shows the query. Rows whose DELETED_ON / DELETED / OBJECT_DELETED is set
(revoked grants, dropped objects) are left out in the SQL itself.

Assumed, not checked against a real account (none is reachable here): GRANTED_TO holds
``ROLE`` for account roles (the docs also spell it ``ACCOUNT ROLE``; both are read),
``DATABASE_ROLE`` grants carry the database in TABLE_CATALOG, USERS.DISABLED reads as a
boolean or ``'true'``/``'false'``, RETENTION_TIME is the table's effective
DATA_RETENTION_TIME_IN_DAYS, and REF_ARG_COLUMN_NAMES is a JSON array.

Storage lifecycle policies (Snowflake, GA 2025) expire a table's rows for which the policy's
body is true, after an optional archive period: `lifecycle_policies` reads which tables
have one (POLICY_REFERENCES, POLICY_KIND ``STORAGE_LIFECYCLE_POLICY``) with the policy's
body and options (ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES), and `age_days_from_body` reads
the age after which a row expires from the usual shapes of body (``col < DATEADD(DAY, -N,
CURRENT_TIMESTAMP())``, ``DATEDIFF(day, col, CURRENT_DATE()) > N``). Other conditions in
the body (``AND EXISTS (...)``) are not evaluated: `LifecyclePolicy.conditional` says a
body has them, so such a policy is not taken as proof that every row expires. Like the rest
of this module, that SQL has run on DuckDB only (no Snowflake account is reachable here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...errors import SourceError
from .interface import IDENT_RE, SOURCE, Warehouse
from .lifecycle import OTHER_CONDITION_RE
from .lifecycle import age_days_from_body as age_days_from_body  # re-exported

Q_ROLE_GRANTS = """SELECT PRIVILEGE, GRANTED_ON, NAME, TABLE_CATALOG, TABLE_SCHEMA,
       GRANTED_TO, GRANTEE_NAME, GRANTED_BY
FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES
WHERE DELETED_ON IS NULL"""

Q_USER_ROLES = """SELECT ROLE, GRANTEE_NAME, GRANTED_BY
FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_USERS
WHERE DELETED_ON IS NULL"""

Q_USERS = """SELECT NAME, DEFAULT_ROLE, DISABLED
FROM SNOWFLAKE.ACCOUNT_USAGE.USERS
WHERE DELETED_ON IS NULL"""

Q_TENANT_COLUMNS = """SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME
FROM SNOWFLAKE.ACCOUNT_USAGE.COLUMNS
WHERE DELETED IS NULL AND UPPER(COLUMN_NAME) = '{column}'"""

Q_ROW_POLICIES = """SELECT POLICY_DB, POLICY_SCHEMA, POLICY_NAME, REF_DATABASE_NAME,
       REF_SCHEMA_NAME, REF_ENTITY_NAME, REF_ARG_COLUMN_NAMES, POLICY_STATUS
FROM SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES
WHERE POLICY_KIND = 'ROW_ACCESS_POLICY'"""

Q_COLUMN_TAGS = """SELECT TAG_NAME, TAG_VALUE, OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME,
       COLUMN_NAME
FROM SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES
WHERE DOMAIN = 'COLUMN' AND OBJECT_DELETED IS NULL AND UPPER(TAG_NAME) = '{tag}'"""

# RETENTION_TIME is the table's DATA_RETENTION_TIME_IN_DAYS: how long Time Travel keeps
# rows that were changed or deleted (erased personal data stays recoverable that long).
Q_TABLE_RETENTION = """SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, IS_TRANSIENT,
       RETENTION_TIME
FROM SNOWFLAKE.ACCOUNT_USAGE.TABLES
WHERE DELETED IS NULL"""

# Tables with a storage lifecycle policy, and the policy (LEFT JOIN: a policy row may lag
# behind its reference, ACCOUNT_USAGE latency is up to two hours). DATABASE and SCHEMA are
# reserved words in Snowflake: quoted.
Q_LIFECYCLE_POLICIES = """SELECT r.POLICY_DB, r.POLICY_SCHEMA, r.POLICY_NAME, r.REF_DATABASE_NAME,
       r.REF_SCHEMA_NAME, r.REF_ENTITY_NAME, r.REF_ARG_COLUMN_NAMES, r.POLICY_STATUS,
       p.BODY, p.OPTIONS
FROM SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES r
LEFT JOIN SNOWFLAKE.ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES p
  ON p.NAME = r.POLICY_NAME AND p."SCHEMA" = r.POLICY_SCHEMA AND p."DATABASE" = r.POLICY_DB
 AND p.DELETED_ON IS NULL
WHERE r.POLICY_KIND = 'STORAGE_LIFECYCLE_POLICY'"""


@dataclass(frozen=True)
class RoleGrant:
    """A privilege on an object (or a role, when granted_on is ROLE) held by a grantee."""

    privilege: str
    granted_on: str
    name: str
    granted_to: str  # ROLE, DATABASE_ROLE, APPLICATION_ROLE, USER
    grantee: str
    granted_by: str = ""
    catalog: str = ""
    schema: str = ""

    @property
    def object(self) -> str:
        parts = [p for p in (self.catalog, self.schema) if p]
        return ".".join([*parts, self.name]) if parts and self.name not in parts else self.name

    def describe(self) -> str:
        where = f"{self.granted_on} {self.object}"
        return f"{self.privilege} on {where} to {self.granted_to} {self.grantee}"


@dataclass(frozen=True)
class UserRole:
    role: str
    user: str
    granted_by: str = ""


@dataclass(frozen=True)
class User:
    name: str
    default_role: str
    disabled: bool


@dataclass(frozen=True)
class TableRef:
    catalog: str
    schema: str
    table: str

    @property
    def fqn(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.table}"


@dataclass(frozen=True)
class RowPolicy:
    policy: str  # fully qualified
    table: TableRef
    arg_columns: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class ColumnTag:
    tag: str
    value: str
    table: TableRef
    column: str


@dataclass(frozen=True)
class TableRetention:
    table: TableRef
    table_type: str  # BASE TABLE, TEMPORARY TABLE, ...
    transient: bool
    retention_days: int | None  # Time Travel (DATA_RETENTION_TIME_IN_DAYS); None: not given

    @property
    def fail_safe_days(self) -> int:
        """Snowflake's Fail-safe after Time Travel: 7 days for permanent tables only."""
        return 0 if self.transient or "TEMPORARY" in self.table_type.upper() else 7


def _options(value: Any) -> dict[str, Any]:
    """OPTIONS (an OBJECT: a JSON string through the connector and in DuckDB)."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(_s(value) or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _s(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class LifecyclePolicy:
    """A storage lifecycle policy attached to a table: rows for which ``body`` is true
    expire (after ``archive_for_days`` in an archive tier, when set)."""

    policy: str  # fully qualified
    table: TableRef
    arg_columns: tuple[str, ...]
    status: str
    body: str | None  # None: the policy's own row is not (yet) in the view
    archive_tier: str | None = None
    archive_for_days: int | None = None

    @property
    def age_days(self) -> int | None:
        """How old a row is when the body expires it (None: not read from the body)."""
        return age_days_from_body(self.body) if self.body else None

    @property
    def conditional(self) -> bool:
        """The body has conditions besides the age (AND, EXISTS, IN (...)): some rows may
        never expire."""
        return bool(self.body and OTHER_CONDITION_RE.search(self.body))

    @property
    def expires_after_days(self) -> int | None:
        """The age plus the archive period: when an expired row is gone for good."""
        age = self.age_days
        return None if age is None else age + (self.archive_for_days or 0)


def _ident(value: str, what: str) -> str:
    if not IDENT_RE.match(value):
        raise SourceError(SOURCE, f"{what} {value!r} is not a plain SQL identifier")
    return value.upper()


def role_grants(wh: Warehouse) -> list[RoleGrant]:
    return [
        RoleGrant(
            privilege=_s(r.get("PRIVILEGE")).upper(),
            granted_on=_s(r.get("GRANTED_ON")).upper(),
            name=_s(r.get("NAME")),
            granted_to=_s(r.get("GRANTED_TO")).upper(),
            grantee=_s(r.get("GRANTEE_NAME")),
            granted_by=_s(r.get("GRANTED_BY")),
            catalog=_s(r.get("TABLE_CATALOG")),
            schema=_s(r.get("TABLE_SCHEMA")),
        )
        for r in wh.query(Q_ROLE_GRANTS)
    ]


def user_roles(wh: Warehouse) -> list[UserRole]:
    return [
        UserRole(_s(r.get("ROLE")), _s(r.get("GRANTEE_NAME")), _s(r.get("GRANTED_BY")))
        for r in wh.query(Q_USER_ROLES)
    ]


def _truthy(value: Any) -> bool:
    return value is True or _s(value).strip().lower() in ("true", "1", "yes")


def users(wh: Warehouse) -> list[User]:
    return [
        User(_s(r.get("NAME")), _s(r.get("DEFAULT_ROLE")), _truthy(r.get("DISABLED")))
        for r in wh.query(Q_USERS)
    ]


def tenant_columns(wh: Warehouse, column: str) -> list[TableRef]:
    sql = Q_TENANT_COLUMNS.format(column=_ident(column, "tenant column"))
    found = {
        TableRef(_s(r.get("TABLE_CATALOG")), _s(r.get("TABLE_SCHEMA")), _s(r.get("TABLE_NAME")))
        for r in wh.query(sql)
    }
    return sorted(found, key=lambda t: t.fqn)


def _arg_columns(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_s(v) for v in value)
    try:
        parsed = json.loads(_s(value))
    except json.JSONDecodeError:
        return tuple(v.strip(" \"'") for v in _s(value).strip("[]").split(",") if v.strip())
    return tuple(_s(v) for v in parsed) if isinstance(parsed, list) else (_s(parsed),)


def _policy_reference(r: dict[str, Any]) -> dict[str, Any]:
    """A POLICY_REFERENCES row's policy name, table, argument columns and status."""
    return {
        "policy": ".".join(
            _s(r.get(k)) for k in ("POLICY_DB", "POLICY_SCHEMA", "POLICY_NAME") if r.get(k)
        ),
        "table": TableRef(
            _s(r.get("REF_DATABASE_NAME")),
            _s(r.get("REF_SCHEMA_NAME")),
            _s(r.get("REF_ENTITY_NAME")),
        ),
        "arg_columns": _arg_columns(r.get("REF_ARG_COLUMN_NAMES")),
        "status": _s(r.get("POLICY_STATUS")) or "ACTIVE",
    }


def row_access_policies(wh: Warehouse) -> list[RowPolicy]:
    return [RowPolicy(**_policy_reference(r)) for r in wh.query(Q_ROW_POLICIES)]


def column_tags(wh: Warehouse, tag: str) -> list[ColumnTag]:
    sql = Q_COLUMN_TAGS.format(tag=_ident(tag, "tag name"))
    return [
        ColumnTag(
            _s(r.get("TAG_NAME")),
            _s(r.get("TAG_VALUE")),
            TableRef(
                _s(r.get("OBJECT_DATABASE")), _s(r.get("OBJECT_SCHEMA")), _s(r.get("OBJECT_NAME"))
            ),
            _s(r.get("COLUMN_NAME")),
        )
        for r in wh.query(sql)
    ]


def table_retention(wh: Warehouse) -> list[TableRetention]:
    out = []
    for r in wh.query(Q_TABLE_RETENTION):
        days = r.get("RETENTION_TIME")
        try:
            retention = None if days is None else int(days)
        except (TypeError, ValueError):
            retention = None
        out.append(
            TableRetention(
                TableRef(
                    _s(r.get("TABLE_CATALOG")), _s(r.get("TABLE_SCHEMA")), _s(r.get("TABLE_NAME"))
                ),
                _s(r.get("TABLE_TYPE")) or "BASE TABLE",
                _truthy(r.get("IS_TRANSIENT")),
                retention,
            )
        )
    return out


def lifecycle_policies(wh: Warehouse) -> list[LifecyclePolicy]:
    out = []
    for r in wh.query(Q_LIFECYCLE_POLICIES):
        options = {str(k).upper(): v for k, v in _options(r.get("OPTIONS")).items()}
        archive_days = options.get("ARCHIVE_FOR_DAYS")
        try:
            archive = None if archive_days in (None, "") else int(archive_days)
        except (TypeError, ValueError):
            archive = None
        out.append(
            LifecyclePolicy(
                **_policy_reference(r),
                body=_s(r.get("BODY")).strip() or None,
                archive_tier=_s(options.get("ARCHIVE_TIER")) or None,
                archive_for_days=archive,
            )
        )
    return out
