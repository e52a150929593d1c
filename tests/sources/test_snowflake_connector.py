"""The live path: golive's warehouse SQL through the real snowflake-connector-python (the
``[snowflake]`` extra), against tests/snowflake_double.py, a response double of Snowflake's
REST API (its docstring lists what that leaves untested: Snowflake's SQL engine and views,
authentication, TLS, Arrow results). The facts read through the connector must equal the
facts read from DuckDB directly, and every reader's SQL must have gone over the wire."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from snowflake_double import snowflake_double

from golive_lib.errors import SourceError
from golive_lib.params import WarehouseSecurity
from golive_lib.sections.snowflake_facts import read_warehouse
from golive_lib.sources import warehouse as wh
from golive_lib.sources.warehouse import policies as whp
from golive_lib.sources.warehouse import snowflake as whs

pytest.importorskip("snowflake.connector")

SEED = ROOT / "examples" / "ingest-api" / "warehouse" / "seed.sql"
CFG = WarehouseSecurity(
    kind="snowflake",
    account="acme-xy12345",
    user="golive",
    password_env="SF_PASSWORD",
    tenant_columns=["customer_id"],
    pii_tags=["PERSONAL"],
)


def _login(port: int) -> whs.SnowflakeLogin:
    return whs.SnowflakeLogin(
        account="acme-xy12345",
        user="golive",
        password_env="SF_PASSWORD",
        host="127.0.0.1",
        port=port,
        protocol="http",
        timeout_s=10,
    )


def test_every_reader_runs_through_the_connector_and_reads_what_duckdb_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SF_PASSWORD", "not-a-secret")
    local = wh.DuckDBWarehouse(seeds=[SEED])
    try:
        expected = read_warehouse(local, CFG)
    finally:
        local.close()
    with snowflake_double([SEED]) as (double, port):
        remote = whs.SnowflakeWarehouse(_login(port))
        try:
            got = read_warehouse(remote, CFG)
        finally:
            remote.close()
    assert got.errors == {}
    assert {k: v for k, v in vars(got).items() if k != "name"} == {
        k: v for k, v in vars(expected).items() if k != "name"
    }
    assert got.role_grants and got.policy_bodies and got.pii_tags and got.lifecycle_policies
    sent = {" ".join(q.split()) for q in double.queries}
    for sql in (
        wh.Q_ROLE_GRANTS,
        wh.Q_USER_ROLES,
        wh.Q_USERS,
        wh.Q_ROW_POLICIES,
        wh.Q_TABLE_RETENTION,
        wh.Q_LIFECYCLE_POLICIES,
        whp.Q_ROW_POLICY_BODIES,
        whp.Q_VIEWS,
        whp.Q_MANAGED_SCHEMAS,
        whp.pii_tags_sql(CFG.all_pii_tags, True),
        wh.Q_TENANT_COLUMNS.format(column="CUSTOMER_ID"),
    ):
        assert " ".join(sql.split()) in sent


def test_a_query_snowflake_refuses_is_a_source_error_naming_the_query(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SF_PASSWORD", "not-a-secret")
    (tmp_path / "drop.sql").write_text("DROP TABLE SNOWFLAKE.ACCOUNT_USAGE.VIEWS;")
    with snowflake_double([SEED, tmp_path / "drop.sql"]) as (_, port):
        remote = whs.SnowflakeWarehouse(_login(port))
        try:
            with pytest.raises(SourceError, match="(?s)query failed: .*ACCOUNT_USAGE.VIEWS"):
                whp.views(remote)
        finally:
            remote.close()
