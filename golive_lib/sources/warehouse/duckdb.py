"""The embedded warehouse: the ACCOUNT_USAGE views as DuckDB tables, filled from SQL seed
files or a DuckDB file (the demo's and the tests' default)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...errors import SourceError
from .interface import SOURCE, Row, _one_line

# The ACCOUNT_USAGE views golive reads, with the columns it reads, as DuckDB tables.
ACCOUNT_USAGE_DDL = """
CREATE SCHEMA IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE;
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES (
    CREATED_ON TIMESTAMPTZ, MODIFIED_ON TIMESTAMPTZ, PRIVILEGE VARCHAR, GRANTED_ON VARCHAR,
    NAME VARCHAR, TABLE_CATALOG VARCHAR, TABLE_SCHEMA VARCHAR, GRANTED_TO VARCHAR,
    GRANTEE_NAME VARCHAR, GRANT_OPTION BOOLEAN, GRANTED_BY VARCHAR, DELETED_ON TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_USERS (
    CREATED_ON TIMESTAMPTZ, DELETED_ON TIMESTAMPTZ, ROLE VARCHAR, GRANTED_TO VARCHAR,
    GRANTEE_NAME VARCHAR, GRANTED_BY VARCHAR);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.USERS (
    USER_ID BIGINT, NAME VARCHAR, CREATED_ON TIMESTAMPTZ, DELETED_ON TIMESTAMPTZ,
    LOGIN_NAME VARCHAR, EMAIL VARCHAR, DISABLED BOOLEAN, DEFAULT_ROLE VARCHAR, TYPE VARCHAR);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.COLUMNS (
    COLUMN_ID BIGINT, COLUMN_NAME VARCHAR, TABLE_ID BIGINT, TABLE_NAME VARCHAR,
    TABLE_SCHEMA VARCHAR, TABLE_CATALOG VARCHAR, DATA_TYPE VARCHAR, DELETED TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES (
    POLICY_DB VARCHAR, POLICY_SCHEMA VARCHAR, POLICY_NAME VARCHAR, POLICY_KIND VARCHAR,
    REF_DATABASE_NAME VARCHAR, REF_SCHEMA_NAME VARCHAR, REF_ENTITY_NAME VARCHAR,
    REF_ENTITY_DOMAIN VARCHAR, REF_COLUMN_NAME VARCHAR, REF_ARG_COLUMN_NAMES VARCHAR,
    POLICY_STATUS VARCHAR);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES (
    TAG_DATABASE VARCHAR, TAG_SCHEMA VARCHAR, TAG_NAME VARCHAR, TAG_VALUE VARCHAR,
    OBJECT_DATABASE VARCHAR, OBJECT_SCHEMA VARCHAR, OBJECT_NAME VARCHAR,
    OBJECT_DELETED TIMESTAMPTZ, DOMAIN VARCHAR, COLUMN_NAME VARCHAR);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.TABLES (
    TABLE_ID BIGINT, TABLE_NAME VARCHAR, TABLE_SCHEMA VARCHAR, TABLE_CATALOG VARCHAR,
    TABLE_TYPE VARCHAR, IS_TRANSIENT VARCHAR, RETENTION_TIME BIGINT, DELETED TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.ROW_ACCESS_POLICIES (
    POLICY_NAME VARCHAR, POLICY_ID BIGINT, POLICY_SCHEMA VARCHAR, POLICY_CATALOG VARCHAR,
    POLICY_OWNER VARCHAR, POLICY_SIGNATURE VARCHAR, POLICY_RETURN_TYPE VARCHAR,
    POLICY_BODY VARCHAR, CREATED TIMESTAMPTZ, DELETED TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.SCHEMATA (
    SCHEMA_ID BIGINT, SCHEMA_NAME VARCHAR, CATALOG_NAME VARCHAR, IS_MANAGED_ACCESS VARCHAR,
    DELETED TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.VIEWS (
    TABLE_ID BIGINT, TABLE_NAME VARCHAR, TABLE_SCHEMA VARCHAR, TABLE_CATALOG VARCHAR,
    VIEW_DEFINITION VARCHAR, IS_SECURE VARCHAR, DELETED TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES (
    NAME VARCHAR, ID BIGINT, SCHEMA_ID VARCHAR, "SCHEMA" VARCHAR, DATABASE_ID VARCHAR,
    "DATABASE" VARCHAR, OWNER VARCHAR, SIGNATURE VARCHAR, RETURN_TYPE VARCHAR, BODY VARCHAR,
    COMMENT VARCHAR, CREATED_ON TIMESTAMPTZ, LAST_ALTERED_ON TIMESTAMPTZ,
    DELETED_ON TIMESTAMPTZ, OPTIONS VARCHAR);
"""

# --------------------------------------------------------------------------- the SQL


class DuckDBWarehouse:
    """The ACCOUNT_USAGE views as DuckDB tables in a catalog attached as ``SNOWFLAKE``.

    ``database``: a DuckDB file holding schema ACCOUNT_USAGE (attached read-only);
    without one, an in-memory catalog is created and filled by the ``seeds`` (SQL files,
    run in order after `ACCOUNT_USAGE_DDL`).
    """

    def __init__(self, database: Path | None = None, seeds: Sequence[Path] = ()) -> None:
        import duckdb

        shown = ", ".join(str(p) for p in ([database] if database else [*seeds])) or "empty"
        self.name = f"DuckDB ({shown})"
        self._conn = duckdb.connect(":memory:")
        try:
            if database is not None:
                if not database.is_file():
                    raise SourceError(SOURCE, f"{database}: DuckDB file not found")
                escaped = str(database).replace("'", "''")
                self._conn.execute(f"ATTACH '{escaped}' AS SNOWFLAKE (READ_ONLY)")
            else:
                self._conn.execute("ATTACH ':memory:' AS SNOWFLAKE")
                self._conn.execute(ACCOUNT_USAGE_DDL)
            for seed in seeds:
                self._seed(seed)
        except duckdb.Error as e:
            self.close()
            raise SourceError(SOURCE, f"{self.name}: {e}") from e
        except SourceError:
            self.close()
            raise

    def _seed(self, path: Path) -> None:
        import duckdb

        try:
            sql = path.read_text(encoding="utf-8")
        except OSError as e:
            raise SourceError(SOURCE, f"seed {path}: cannot read: {e.strerror or e}") from e
        try:
            self._conn.execute(sql)
        except duckdb.Error as e:
            raise SourceError(SOURCE, f"seed {path}: {e}") from e

    def query(self, sql: str) -> list[Row]:
        import duckdb

        try:
            cursor = self._conn.execute(sql)
            names = [d[0].upper() for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except duckdb.Error as e:
            raise SourceError(
                SOURCE, f"{self.name}: query failed: {e}; query: {_one_line(sql)}"
            ) from e

    def close(self) -> None:
        self._conn.close()
