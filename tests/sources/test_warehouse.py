"""The ACCOUNT_USAGE readers on DuckDB, and the Snowflake implementation's failure modes."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT

from golive_lib.errors import SourceError
from golive_lib.sources import warehouse as wh
from golive_lib.sources.warehouse import snowflake as whs

SEED = ROOT / "tests" / "data" / "security" / "warehouse" / "violations.sql"


@pytest.fixture
def duck():
    source = wh.DuckDBWarehouse(seeds=[SEED])
    yield source
    source.close()


def test_deleted_rows_are_left_out(duck):
    users = {u.name: u for u in wh.users(duck)}
    assert set(users) == {"ADA", "BOB", "CARL", "DORA"}
    assert users["DORA"].disabled and not users["ADA"].disabled
    grants = wh.role_grants(duck)
    assert not any(g.grantee == "BOB" and g.granted_to == "USER" for g in grants)


def test_role_grants_are_typed_and_name_the_object(duck):
    direct = [g for g in wh.role_grants(duck) if g.granted_to == "USER"]
    assert [g.describe() for g in direct] == ["SELECT on TABLE SALES.PUBLIC.ORDERS to USER CARL"]


def test_tenant_columns_match_case_insensitively_and_skip_dropped_tables(duck):
    tables = [t.fqn for t in wh.tenant_columns(duck, "account_id")]
    assert tables == [
        "SALES.PUBLIC.CUSTOMERS",
        "SALES.PUBLIC.INVOICES",
        "SALES.PUBLIC.ORDERS",
        "SALES.TENANT_42.EVENTS",
    ]


def test_row_access_policies_parse_their_argument_columns(duck):
    policies = {p.table.fqn: p for p in wh.row_access_policies(duck)}
    assert set(policies) == {"SALES.PUBLIC.ORDERS", "SALES.PUBLIC.INVOICES"}  # no masking policy
    assert policies["SALES.PUBLIC.ORDERS"].arg_columns == ("ACCOUNT_ID",)
    assert policies["SALES.PUBLIC.ORDERS"].policy == "SALES.GOV.TENANT_RAP"


def test_a_tenant_column_that_is_not_an_identifier_is_refused(duck):
    with pytest.raises(SourceError, match="not a plain SQL identifier"):
        wh.tenant_columns(duck, "x' OR '1'='1")


def test_a_failing_query_shows_the_query():
    source = wh.DuckDBWarehouse()
    source.query("DROP TABLE SNOWFLAKE.ACCOUNT_USAGE.USERS")
    with pytest.raises(SourceError) as info:
        wh.users(source)
    assert "query: SELECT NAME, DEFAULT_ROLE, DISABLED FROM SNOWFLAKE.ACCOUNT_USAGE.USERS" in str(
        info.value
    )


def test_a_broken_seed_names_the_file(tmp_path: Path):
    seed = tmp_path / "bad.sql"
    seed.write_text("INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.NOPE VALUES (1);")
    with pytest.raises(SourceError, match=r"seed .*bad\.sql: .*NOPE"):
        wh.DuckDBWarehouse(seeds=[seed])


def test_a_duckdb_file_is_attached_read_only(tmp_path: Path):
    path = tmp_path / "account.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE SCHEMA ACCOUNT_USAGE")
    conn.execute(
        "CREATE TABLE ACCOUNT_USAGE.USERS (NAME VARCHAR, DEFAULT_ROLE VARCHAR, DISABLED BOOLEAN,"
        " DELETED_ON TIMESTAMPTZ)"
    )
    conn.execute("INSERT INTO ACCOUNT_USAGE.USERS VALUES ('ZED', 'PUBLIC', FALSE, NULL)")
    conn.close()
    source = wh.DuckDBWarehouse(database=path)
    try:
        assert [u.name for u in wh.users(source)] == ["ZED"]
    finally:
        source.close()


def test_snowflake_without_the_connector_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "snowflake", None)
    monkeypatch.setitem(sys.modules, "snowflake.connector", None)
    source = whs.SnowflakeWarehouse(whs.SnowflakeLogin(account="acme-xy12345", user="golive"))
    with pytest.raises(SourceError, match="pip install snowflake-connector-python"):
        wh.users(source)


# --------------------------------------------------------------------------- storage lifecycle

LIFECYCLE = ROOT / "tests" / "data" / "security" / "warehouse" / "lifecycle.sql"


def test_storage_lifecycle_policies_are_read_with_body_and_archive_period():
    source = wh.DuckDBWarehouse(seeds=[LIFECYCLE])
    try:
        policies = {p.table.fqn: p for p in wh.lifecycle_policies(source)}
    finally:
        source.close()
    assert set(policies) == {  # the masking policy is not one
        "SALES.PUBLIC.ORDERS",
        "SALES.PUBLIC.EVENTS",
        "SALES.PUBLIC.INVOICES",
        "SALES.PUBLIC.SESSIONS",
        "SALES.PUBLIC.AUDIT",
    }
    orders = policies["SALES.PUBLIC.ORDERS"]
    assert orders.policy == "SALES.GOV.ORDERS_90D" and orders.arg_columns == ("CREATED_AT",)
    assert (orders.archive_tier, orders.archive_for_days) == ("COOL", 90)
    assert (orders.age_days, orders.expires_after_days, orders.conditional) == (90, 180, False)
    closed = policies["SALES.PUBLIC.EVENTS"]
    assert (closed.age_days, closed.expires_after_days, closed.conditional) == (60, 150, True)
    assert policies["SALES.PUBLIC.INVOICES"].expires_after_days == 366
    assert policies["SALES.PUBLIC.SESSIONS"].age_days is None  # by a flag: no age in it
    dropped = policies["SALES.PUBLIC.AUDIT"]  # its policy row was dropped
    assert dropped.body is None and dropped.expires_after_days is None


@pytest.mark.parametrize(
    ("body", "days"),
    [
        ("event_ts < DATEADD(DAY, -60, CURRENT_TIMESTAMP())", 60),
        ("TO_DATE(t) < TO_DATE(DATEADD(day, -400, CURRENT_TIMESTAMP()))", 400),
        ("t < dateadd('days', -30, current_date())", 30),
        ("t < DATEADD(MONTH, -6, CURRENT_DATE)", 186),  # a month counted as 31 days
        ("t < DATEADD(year, -2, SYSDATE())", 732),
        ("t < DATEADD(week, -4, CURRENT_TIMESTAMP())", 28),
        ("DATEDIFF(day, created_at, CURRENT_DATE()) > 30", 31),
        ("DATEDIFF('day', TO_DATE(created_at), CURRENT_DATE()) >= 30", 30),
        ("a < DATEADD(DAY, -30, CURRENT_DATE()) OR b < DATEADD(DAY, -90, CURRENT_DATE())", 90),
        ("t < DATEADD(HOUR, -48, CURRENT_TIMESTAMP())", None),  # an unknown unit: no guess
        ("is_expired = TRUE", None),
        ("t < DATEADD(DAY, 30, CURRENT_DATE())", None),  # not an age in the past
    ],
)
def test_the_age_a_row_expires_at_is_read_from_the_usual_bodies(body: str, days: int | None):
    assert wh.age_days_from_body(body) == days


def test_a_warehouse_without_the_lifecycle_view_fails_only_that_reader(tmp_path: Path):
    source = wh.DuckDBWarehouse(seeds=[SEED])
    try:
        source.query("DROP TABLE SNOWFLAKE.ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES")
        with pytest.raises(SourceError, match="STORAGE_LIFECYCLE_POLICIES"):
            wh.lifecycle_policies(source)
        assert wh.users(source)
    finally:
        source.close()


# --------------------------------------------------------------------------- policies, tags

from golive_lib.sources.warehouse import policies as whp  # noqa: E402


@pytest.mark.parametrize(
    ("signature", "names"),
    [
        ("(ACCOUNT_ID VARCHAR)", ("ACCOUNT_ID",)),
        ("(account_id VARCHAR(16), REGION NUMBER(38,0))", ("ACCOUNT_ID", "REGION")),
        ('("Tenant Id" VARCHAR)', ("TENANT ID",)),
        ("()", ()),
    ],
)
def test_policy_signatures_give_their_argument_names(signature, names):
    assert whp.signature_arguments(signature) == names


TAGS = """
INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES (TAG_DATABASE, TAG_SCHEMA, TAG_NAME,
    TAG_VALUE, OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME, DOMAIN, COLUMN_NAME,
    OBJECT_DELETED) VALUES
  ('GOV', 'TAGS', 'PII', 'email', 'DB', 'S', 'T1', 'COLUMN', 'EMAIL', NULL),
  ('GOV', 'TAGS', 'PERSONAL', 'yes', 'DB', 'S', 'T2', 'TABLE', NULL, NULL),
  ('GOV', 'TAGS', 'PII', 'old', 'DB', 'S', 'GONE', 'COLUMN', 'X', '2025-01-01'),
  ('GOV', 'TAGS', 'COST_CENTER', 'x', 'DB', 'S', 'T3', 'TABLE', NULL, NULL),
  ('SNOWFLAKE', 'CORE', 'PRIVACY_CATEGORY', 'QUASI_IDENTIFIER', 'DB', 'S', 'T4', 'COLUMN', 'ZIP',
   NULL),
  ('SNOWFLAKE', 'CORE', 'SEMANTIC_CATEGORY', 'POSTAL_CODE', 'DB', 'S', 'T4', 'COLUMN', 'ZIP', NULL),
  ('SNOWFLAKE', 'CORE', 'PRIVACY_CATEGORY', 'INSENSITIVE', 'DB', 'S', 'T5', 'COLUMN', 'SKU', NULL),
  ('SNOWFLAKE', 'CORE', 'SEMANTIC_CATEGORY', 'YEAR', 'DB', 'S', 'T5', 'COLUMN', 'SKU', NULL),
  ('OTHER', 'CORE', 'PRIVACY_CATEGORY', 'IDENTIFIER', 'DB', 'S', 'T6', 'COLUMN', 'C', NULL);
"""


def test_pii_comes_from_configured_tags_at_both_levels_and_snowflake_classification(tmp_path):
    seed = tmp_path / "tags.sql"
    seed.write_text(TAGS)
    source = wh.DuckDBWarehouse(seeds=[seed])
    try:
        found = {
            (t.tag, t.table.table, t.column) for t in whp.pii_tags(source, ("PII", "PERSONAL"))
        }
        plain = {(t.tag, t.table.table) for t in whp.pii_tags(source, ("PII",), False)}
    finally:
        source.close()
    assert found == {
        ("PII", "T1", "EMAIL"),
        ("PERSONAL", "T2", ""),  # a table-level tag
        ("SNOWFLAKE.CORE.PRIVACY_CATEGORY", "T4", "ZIP"),
        ("SNOWFLAKE.CORE.SEMANTIC_CATEGORY", "T4", "ZIP"),
    }  # INSENSITIVE (and its semantic category), deleted objects, look-alike tags: not PII
    assert plain == {("PII", "T1")}
