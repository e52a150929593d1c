"""06 Rollout: the plan, routed accounts and backfill by SQL on DuckDB (a partly
finished backfill), a routing file, bad SQL, and the rollback drill or attestation."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive_lib.errors import SourceError
from golive_lib.model import Status
from golive_lib.params import Params, SqlDatabase, load_params
from golive_lib.sections import rollout
from golive_lib.sources import rollout as src

TODAY = date(2026, 11, 27)

PLAN = """# Rollout
## Phases
| phase | entry criteria | exit criteria |
|---|---|---|
| pilot | review go | 14 days clean |
## Rollback
Set the account back to legacy.
"""

SEED = """CREATE SCHEMA ROUTING;
CREATE TABLE ROUTING.ROUTES (account_id VARCHAR, pipeline VARCHAR);
CREATE TABLE ROUTING.FILL (account_id VARCHAR, source_rows BIGINT, target_rows BIGINT);
INSERT INTO ROUTING.ROUTES VALUES ('a', 'new'), ('b', 'new'), ('c', 'legacy');
INSERT INTO ROUTING.FILL VALUES ('a', 100, 100), ('b', 200, 150);
"""

ROUTING_Q = "SELECT account_id FROM ROUTING.ROUTES WHERE pipeline = 'new'"
FILL_Q = "SELECT account_id, source_rows, target_rows FROM ROUTING.FILL"


def make_params(tmp_path: Path, ro: dict[str, Any], seed: str = SEED, **extra: Any) -> Params:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True, exist_ok=True)
    (repo / "docs" / "rollout-plan.md").write_text(PLAN, encoding="utf-8")
    (repo / "seed.sql").write_text(seed, encoding="utf-8")
    base: dict[str, Any] = {
        "phases": [{"name": "pilot", "accounts": ["a", "b"]}, {"name": "all", "accounts": ["c"]}],
        "current_phase": "pilot",
        "database": {"kind": "duckdb", "seeds": ["seed.sql"]},
        "routing_query": ROUTING_Q,
        "backfill_query": FILL_Q,
    }
    doc = {
        "schema_version": 1,
        "service": {"name": "svc"},
        "repository": "repo",
        "rollout": {**base, **ro},
        **extra,
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_params(path)


def evaluate(params: Params) -> dict[str, Any]:
    ev = rollout.collect(params, today=TODAY, progress=False)
    return {fn.__name__: fn(ev, params) for fn in rollout.CHECKS}


def test_a_partly_finished_backfill_fails_naming_the_account_and_counts(tmp_path: Path) -> None:
    checks = evaluate(make_params(tmp_path, {}))
    assert checks["plan_documented"].status is Status.PASS
    assert checks["phase_progress"].status is Status.PASS
    c = checks["backfill_complete"]
    assert c.status is Status.FAIL
    assert "b (150 of 200 rows (75.0%))" in c.summary and "a (" not in c.summary


def test_a_finished_backfill_passes(tmp_path: Path) -> None:
    seed = SEED.replace("('b', 200, 150)", "('b', 200, 200)")
    c = evaluate(make_params(tmp_path, {}, seed=seed))["backfill_complete"]
    assert c.status is Status.PASS


def test_a_routed_account_without_backfill_row_fails(tmp_path: Path) -> None:
    seed = SEED.replace(", ('b', 200, 150)", "")
    c = evaluate(make_params(tmp_path, {}, seed=seed))["backfill_complete"]
    assert c.status is Status.FAIL and "b (no backfill recorded)" in c.summary


def test_an_unrouted_account_of_the_current_phase_fails_and_one_ahead_warns(
    tmp_path: Path,
) -> None:
    late = SEED.replace("('b', 'new')", "('b', 'legacy')")
    c = evaluate(make_params(tmp_path, {}, seed=late))["phase_progress"]
    assert c.status is Status.FAIL and c.data["missing"] == ["b"]
    ahead = SEED.replace("('c', 'legacy')", "('c', 'new')")
    c = evaluate(make_params(tmp_path, {}, seed=ahead))["phase_progress"]
    assert c.status is Status.WARN and "ahead of plan: c" in c.summary


def test_a_status_table_instead_of_counts(tmp_path: Path) -> None:
    seed = SEED + "CREATE TABLE ROUTING.S (account_id VARCHAR, status VARCHAR);\n"
    seed += "INSERT INTO ROUTING.S VALUES ('a', 'complete'), ('b', 'running');\n"
    params = make_params(
        tmp_path, {"backfill_query": "SELECT account_id, status FROM ROUTING.S"}, seed=seed
    )
    c = evaluate(params)["backfill_complete"]
    assert c.status is Status.FAIL and "status running" in c.summary


def test_a_sql_error_is_an_error_showing_the_query(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"routing_query": "SELECT account_id FROM ROUTING.NOPE"})
    checks = evaluate(params)
    c = checks["phase_progress"]
    assert c.status is Status.ERROR
    assert "query: SELECT account_id FROM ROUTING.NOPE" in c.summary
    assert checks["backfill_complete"].status is Status.ERROR


def test_a_query_without_the_needed_columns_is_an_error(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"backfill_query": "SELECT account_id FROM ROUTING.FILL"})
    c = evaluate(params)["backfill_complete"]
    assert c.status is Status.ERROR and "SOURCE_ROWS and TARGET_ROWS" in c.summary


def test_a_broken_seed_is_an_error_naming_the_file(tmp_path: Path) -> None:
    c = evaluate(make_params(tmp_path, {}, seed="CREATE TABLE ("))["phase_progress"]
    assert c.status is Status.ERROR and "seed.sql" in c.summary


def test_routing_from_a_file(tmp_path: Path) -> None:
    params = make_params(
        tmp_path, {"routing_file": "routing.yaml", "routing_query": None, "new_pipeline": "new"}
    )
    (params.repository / "routing.yaml").write_text("a: new\nb: legacy\n", encoding="utf-8")
    c = evaluate(params)["phase_progress"]
    assert c.status is Status.FAIL and c.data["missing"] == ["b"]


def test_a_missing_routing_file_is_an_error(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"routing_file": "gone.yaml"})
    c = evaluate(params)["phase_progress"]
    assert c.status is Status.ERROR and "gone.yaml" in c.summary


def test_a_plan_without_rollback_fails(tmp_path: Path) -> None:
    params = make_params(tmp_path, {})
    (params.repository / "docs" / "rollout-plan.md").write_text(
        PLAN.split("## Rollback")[0], encoding="utf-8"
    )
    c = evaluate(params)["plan_documented"]
    assert c.status is Status.FAIL and "rollback" in c.summary


def test_no_plan_fails(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"plan": ["docs/none.md"]})
    assert evaluate(params)["plan_documented"].status is Status.FAIL


def test_the_rollback_drill_passes_fails_and_times_out(tmp_path: Path) -> None:
    ok = make_params(tmp_path, {"rollback_drill": {"command": "true"}})
    assert evaluate(ok)["rollback_tested"].status is Status.PASS
    bad = make_params(tmp_path, {"rollback_drill": {"command": "false"}})
    assert evaluate(bad)["rollback_tested"].status is Status.FAIL
    hang = make_params(tmp_path, {"rollback_drill": {"command": "sleep 20", "timeout_s": 0.5}})
    c = evaluate(hang)["rollback_tested"]
    assert c.status is Status.ERROR and "timed out" in c.summary


def test_a_rollback_attestation_counts_until_stale(tmp_path: Path) -> None:
    att = {"check": "rollout.rollback-tested", "by": "A", "link": "https://x"}
    fresh = make_params(tmp_path, {}, attestations=[{**att, "date": "2026-09-01"}])
    assert evaluate(fresh)["rollback_tested"].status is Status.PASS
    stale = make_params(tmp_path, {}, attestations=[{**att, "date": "2024-09-01"}])
    assert evaluate(stale)["rollback_tested"].status is Status.PENDING


def test_an_unknown_current_phase_is_refused_by_the_parameters(tmp_path: Path) -> None:
    from golive_lib.errors import ParamsError

    with pytest.raises(ParamsError, match="current_phase"):
        make_params(tmp_path, {"current_phase": "nope"})


def test_snowflake_without_the_connector_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("duckdb")
    monkeypatch.setitem(sys.modules, "snowflake", None)  # as if the extra were not installed
    monkeypatch.setitem(sys.modules, "snowflake.connector", None)
    cfg = SqlDatabase(kind="snowflake", account="acct", user="u")
    db = src.open_database(cfg, tmp_path)
    with pytest.raises(SourceError, match="pip install snowflake-connector-python"):
        src.routed_accounts(db, ROUTING_Q)


def test_the_example_rollout(tmp_path: Path) -> None:
    from conftest import EXAMPLE_PARAMS

    params = load_params(EXAMPLE_PARAMS)
    checks = evaluate(params)
    assert checks["plan_documented"].status is Status.PASS
    assert checks["phase_progress"].status is Status.PASS
    assert checks["backfill_complete"].status is Status.FAIL
    assert "initech" in checks["backfill_complete"].summary
    assert checks["rollback_tested"].status is Status.PENDING
    ev = rollout.collect(params, today=TODAY, progress=False)
    rows = rollout.progress_rows(ev, params)
    assert [r["account"] for r in rows if r["complete"]] == ["acme", "globex"]
    fig = rollout.phase_chart(ev, params)
    assert [t["name"] for t in fig["data"]] == ["planned", "routed", "backfilled"]
    assert fig["data"][2]["y"] == [0, 2, 0, 0]
    assert len(rollout.account_chart(ev, params)["data"][0]["y"]) == 7
