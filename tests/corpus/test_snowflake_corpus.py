"""tests/corpus/snowflake: account shapes as ACCOUNT_USAGE seed SQL, each with the verdict
Snowflake's documentation (or the CIS Snowflake Foundations benchmark) gives, cited in the
case's README. Each case runs on golive's DuckDB stand-in of the views; `expect` names the
checks (and the GDPR retention item) the case is about. The verdicts were written from the
cited pages before golive ran them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive_lib.params import Params, load_params
from golive_lib.sections import security
from golive_lib.sections.snowflake_facts import open_warehouse, read_warehouse

CORPUS = Path(__file__).parent / "snowflake"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
TODAY = date(2026, 12, 3)


def case_params(case: Path, spec: dict[str, Any], tmp_path: Path) -> Params:
    doc = {
        "schema_version": 1,
        "service": {"name": case.name},
        "repository": str(case),
        "security": {
            "warehouse": {"kind": "duckdb", "seeds": ["seed.sql"], **spec.get("warehouse", {})},
            "gdpr": spec.get("gdpr", {"retention_days": 30}),
        },
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_params(path)


def verdicts(params: Params) -> dict[str, str]:
    assert params.security.warehouse is not None
    source = open_warehouse(params)
    try:
        facts = read_warehouse(source, params.security.warehouse)
    finally:
        source.close()
    ev = security.SecurityEvidence(today=TODAY, repository=params.repository, warehouse=facts)
    items = {i.item: i.state for i in security.gdpr_items(ev, params)}
    return {
        "snowflake-rbac": security.snowflake_rbac(ev, params).status.value,
        "data-segregation": security.data_segregation(ev, params).status.value,
        "retention": items["retention"],
    }


def test_the_corpus_holds_at_least_25_cited_shapes() -> None:
    assert len(CASES) >= 25
    for case in CASES:
        readme = (case / "README.md").read_text(encoding="utf-8")
        assert "Verdict:" in readme and ("docs.snowflake.com" in readme or "CIS" in readme)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_shape_gets_the_documented_verdict(case: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    got = verdicts(case_params(case, spec, tmp_path))
    assert {k: got[k] for k in spec["expect"]} == spec["expect"], got
