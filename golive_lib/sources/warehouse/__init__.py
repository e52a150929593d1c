"""Grants, users, columns, policies and tags of a Snowflake account, as SQL over
``SNOWFLAKE.ACCOUNT_USAGE`` views, behind one small interface.

One module a concern: `interface` (`Warehouse`: ``query(sql) -> rows`` and a ``name``),
`readers` (the typed readers: the only SQL golive runs besides `policies`'), `policies`
(row access policy bodies, views, PII tags), `lifecycle` (the age a storage lifecycle
policy's body expires rows at), `duckdb` (`DuckDBWarehouse`, the embedded default),
`snowflake` (`SnowflakeWarehouse`, a real account through the ``[snowflake]`` extra) and
`connect` (`open_database`: the one a parameters file configures). The interface, the
readers, DuckDB and `open_database` are importable from here.
"""

from __future__ import annotations

from .connect import (
    open_database,
)
from .duckdb import (
    ACCOUNT_USAGE_DDL,
    DuckDBWarehouse,
)
from .interface import (
    IDENT_RE,
    SOURCE,
    Row,
    Warehouse,
)
from .readers import (
    Q_COLUMN_TAGS,
    Q_LIFECYCLE_POLICIES,
    Q_ROLE_GRANTS,
    Q_ROW_POLICIES,
    Q_TABLE_RETENTION,
    Q_TENANT_COLUMNS,
    Q_USER_ROLES,
    Q_USERS,
    ColumnTag,
    LifecyclePolicy,
    RoleGrant,
    RowPolicy,
    TableRef,
    TableRetention,
    User,
    UserRole,
    age_days_from_body,
    column_tags,
    lifecycle_policies,
    role_grants,
    row_access_policies,
    table_retention,
    tenant_columns,
    user_roles,
    users,
)

__all__ = [
    "ACCOUNT_USAGE_DDL",
    "ColumnTag",
    "DuckDBWarehouse",
    "IDENT_RE",
    "LifecyclePolicy",
    "Q_COLUMN_TAGS",
    "Q_LIFECYCLE_POLICIES",
    "Q_ROLE_GRANTS",
    "Q_ROW_POLICIES",
    "Q_TABLE_RETENTION",
    "Q_TENANT_COLUMNS",
    "Q_USERS",
    "Q_USER_ROLES",
    "RoleGrant",
    "Row",
    "RowPolicy",
    "SOURCE",
    "TableRef",
    "TableRetention",
    "User",
    "UserRole",
    "Warehouse",
    "age_days_from_body",
    "column_tags",
    "lifecycle_policies",
    "open_database",
    "role_grants",
    "row_access_policies",
    "table_retention",
    "tenant_columns",
    "user_roles",
    "users",
]
