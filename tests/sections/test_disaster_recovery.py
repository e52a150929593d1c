"""03 Disaster recovery against the example service: its real restore and replay drills
run (into a scratch folder), plus broken, slow and hanging drills and attestations."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive_lib.errors import ParamsError
from golive_lib.model import Check, Status
from golive_lib.params import Params, load_params
from golive_lib.report import html as report_html
from golive_lib.sections import disaster_recovery as dr

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PARAMS = ROOT / "parameters" / "ingest-api.yaml"
EXAMPLE_REPO = ROOT / "examples" / "ingest-api"
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example's drills restore into INGEST_DRILL_DIR: one per test."""
    folder = tmp_path / "drill-scratch"
    monkeypatch.setenv("INGEST_DRILL_DIR", str(folder))
    return folder


def params_with(tmp_path: Path, dr_over: dict[str, Any] | None = None, **top: Any) -> Params:
    data = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    data["repository"] = str(top.pop("repository", EXAMPLE_REPO))
    data["dr"] = {**data["dr"], **(dr_over or {})}
    data.update(top)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_params(path)


def run(params: Params) -> dict[str, Check]:
    ev = dr.collect(params, today=TODAY)
    return {c.id.removeprefix("dr."): c for c in (fn(ev, params) for fn in dr.CHECKS)}


def test_the_example_drills_run_and_the_planted_gap_shows(scratch: Path) -> None:
    params = load_params(EXAMPLE_PARAMS)
    lines: list[str] = []
    ev = dr.collect(params, today=TODAY, progress=lines.append)
    got = {c.id: c for c in (fn(ev, params) for fn in dr.CHECKS)}
    assert {k: c.status for k, c in got.items()} == {
        "dr.plan-documented": Status.PASS,
        "dr.scenario-played": Status.PASS,
        "dr.restore-tested": Status.PASS,
        "dr.restore-documented": Status.WARN,
        "dr.event-replay": Status.PASS,
    }
    # the drills really ran: the scratch databases exist and progress was streamed
    assert (scratch / "restore.db").is_file() and (scratch / "replay.db").is_file()
    assert "[restore verify] verify: OK, counts match for 4 accounts" in lines
    assert "[replay] replay: 130 rows replayed" in " ".join(lines)
    restore = got["dr.restore-tested"]
    assert "within the RTO of 1h" in restore.summary
    assert restore.data["total_s"] is not None and restore.data["rto_s"] == 3600
    assert "2024-04-18, 953 days ago" in got["dr.restore-documented"].summary
    assert "restored and verified" in str(got["dr.restore-documented"].evidence)
    html = report_html.drill_table(dr.drill_rows(ev))
    assert html.count("<tr>") == 3 and "ops/restore.py" in html


def test_a_verification_that_finds_wrong_counts_fails(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"by_account": {"acme-retail": 48, "globex": 26}}')
    params = params_with(
        tmp_path,
        {
            "restore": {
                "command": "python ops/restore.py --backup ops/backup/events-backup.sql",
                "verify": f"python ops/verify.py --db restore.db --expect {manifest}",
            }
        },
    )
    c = run(params)["restore-tested"]
    assert c.status is Status.FAIL
    assert "verification failed (exited with code 1)" in c.summary
    assert "acme-retail: expected 48 rows, found 47" in str(c.evidence)


def test_a_restore_slower_than_the_rto_fails_with_its_timing(tmp_path: Path) -> None:
    slow = f"{sys.executable} -c 'import time; time.sleep(1.2)'"
    params = params_with(
        tmp_path, {"rto": "1s", "restore": {"command": slow, "verify": "true", "timeout_s": 20}}
    )
    c = run(params)["restore-tested"]
    assert c.status is Status.FAIL
    assert "over the RTO of 1s" in c.summary
    assert c.data["total_s"] > 1.0  # type: ignore[operator]


def test_a_missing_restore_tool_is_an_error_naming_it(tmp_path: Path) -> None:
    params = params_with(
        tmp_path, {"restore": {"command": "litestream-nope restore", "verify": "true"}}
    )
    c = run(params)["restore-tested"]
    assert c.status is Status.ERROR
    assert c.summary == "the restore drill did not run: command not found: litestream-nope"


def test_a_hanging_replay_is_killed_at_its_timeout_and_is_an_error(tmp_path: Path) -> None:
    params = params_with(
        tmp_path,
        {"replay": {"command": "sleep 30", "verify": "true", "timeout_s": 1}},
    )
    c = run(params)["event-replay"]
    assert c.status is Status.ERROR
    assert "timed out after 1 s; process group killed" in c.summary
    assert c.data["command_s"] < 10  # type: ignore[operator]


def test_a_failing_replay_fails_and_skips_the_verification(tmp_path: Path) -> None:
    params = params_with(
        tmp_path,
        {"replay": {"command": "python ops/replay.py --bucket no/such/bucket", "verify": "false"}},
    )
    c = run(params)["event-replay"]
    assert c.status is Status.FAIL
    assert "replay command failed (exited with code 2)" in c.summary
    assert "no bucket folder no/such/bucket" in str(c.evidence)


def test_without_drills_the_attestation_stands_in_and_goes_stale(tmp_path: Path) -> None:
    base = yaml.safe_load(EXAMPLE_PARAMS.read_text())["attestations"]
    off = {"restore": None, "replay": None}
    checks = run(params_with(tmp_path, off))
    assert checks["restore-tested"].status is Status.PENDING
    assert "no restore drill in the parameters" in checks["restore-tested"].summary
    fresh = {
        "check": "dr.restore-tested",
        "by": "M. Okafor",
        "date": "2026-10-01",
        "link": "docs/restore.md",
        "outcome": "restored 38 M rows in 11 min",
    }
    checks = run(params_with(tmp_path, off, attestations=[*base, fresh]))
    assert checks["restore-tested"].status is Status.PASS
    assert "restored 38 M rows" in checks["restore-tested"].summary
    stale = {**fresh, "date": "2024-01-01"}
    checks = run(params_with(tmp_path, off, attestations=[*base, stale]))
    assert checks["restore-tested"].status is Status.PENDING
    assert "stale" in checks["restore-tested"].summary
    no_scenario = [a for a in base if a["check"] != "dr.scenario-played"]
    assert (
        run(params_with(tmp_path, off, attestations=no_scenario))["scenario-played"].status
        is Status.PENDING
    )


def test_a_plan_without_sections_fails_naming_them(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "dr-plan.md").write_text(
        "# DR plan\n\n## RTO\n\n4 hours.\n\n## RPO\n\n## Backups\n\nNightly snapshots.\n"
    )
    c = run(params_with(tmp_path, {"restore": None, "replay": None}, repository=repo))
    plan = c["plan-documented"]
    assert plan.status is Status.FAIL
    assert plan.summary == "docs/dr-plan.md: no section for restore steps, contacts; empty: RPO"
    assert c["restore-documented"].status is Status.FAIL
    assert "no restore document at docs/restore.md" in c["restore-documented"].summary


def test_a_restore_drill_without_an_rto_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="needs the rto"):
        params_with(tmp_path, {"rto": None})


def test_a_secret_a_drill_prints_is_redacted_from_evidence_and_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drill runs with golive's environment; the values of the variables the parameters
    name as secrets (`*_env`) never reach the notebook or the report."""
    monkeypatch.setenv("GOLIVE_TEST_DRILL_TOKEN", "tok-9f2e7c1d-secret")
    printing = "python -c \"import os; print('token', os.environ['GOLIVE_TEST_DRILL_TOKEN'])\""
    data = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    auth = {"kind": "bearer", "token_env": "GOLIVE_TEST_DRILL_TOKEN"}
    observability = {**data["observability"], "prometheus": {"url": "http://x:9", "auth": auth}}
    params = params_with(
        tmp_path,
        {"restore": {"command": printing, "verify": "python -c pass", "timeout_s": 30}},
        observability=observability,
    )
    lines: list[str] = []
    ev = dr.collect(params, today=TODAY, progress=lines.append)
    restore = next(fn(ev, params) for fn in dr.CHECKS if fn.__name__ == "restore_tested")
    assert restore.status is Status.PASS
    shown = str(restore.model_dump()) + "\n".join(lines)
    assert "token ***" in shown and "tok-9f2e7c1d-secret" not in shown
