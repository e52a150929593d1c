"""04 Pre-mortem: scenarios, game day, runbook links, and the fault drill's preconditions
(the drill itself runs on a real stack in tests/test_fault_drill.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from golive_lib.model import Status
from golive_lib.params import Params, load_params
from golive_lib.sections import premortem
from golive_lib.sources.prometheus import Rule

TODAY = date(2026, 11, 27)


def make_params(tmp_path: Path, pm: dict[str, Any], **extra: Any) -> Params:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True, exist_ok=True)
    (repo / "docs" / "storage.md").write_text("# Storage\n", encoding="utf-8")
    doc = {
        "schema_version": 1,
        "service": {"name": "svc"},
        "repository": "repo",
        "observability": {"prometheus": {"url": "http://127.0.0.1:9", "connect_timeout_s": 0.5}},
        "premortem": pm,
        **extra,
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_params(path)


SCENARIOS = [
    {"name": "db down", "kind": "impaired-dependency", "playbook": "docs/storage.md"},
    {"name": "spike", "kind": "overload", "playbook": "https://wiki.example.com/overload"},
    {"name": "slow", "kind": "degraded-mode", "playbook": "docs/storage.md#slow"},
]


def test_scenarios_pass_when_each_kind_has_a_playbook_path_or_url(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"scenarios": SCENARIOS})
    ev = premortem.collect(params, today=TODAY, run_drill=False)
    c = premortem.scenarios(ev, params)
    assert c.status is Status.PASS, c.summary


def test_a_playbook_that_does_not_resolve_fails_naming_it(tmp_path: Path) -> None:
    bad = [*SCENARIOS[:2], {"name": "slow", "kind": "degraded-mode", "playbook": "docs/nope.md"}]
    params = make_params(tmp_path, {"scenarios": bad})
    c = premortem.scenarios(premortem.collect(params, today=TODAY, run_drill=False), params)
    assert c.status is Status.FAIL
    assert "docs/nope.md" in c.summary


def test_a_missing_scenario_kind_fails(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"scenarios": SCENARIOS[:2]})
    c = premortem.scenarios(premortem.collect(params, today=TODAY, run_drill=False), params)
    assert c.status is Status.FAIL
    assert "degraded-mode" in c.summary


def test_no_scenarios_fails(tmp_path: Path) -> None:
    params = make_params(tmp_path, {})
    c = premortem.scenarios(premortem.collect(params, today=TODAY, run_drill=False), params)
    assert c.status is Status.FAIL


def test_gameday_passes_when_attested_recently_and_is_pending_when_stale(tmp_path: Path) -> None:
    att = {"check": "premortem.gameday", "by": "A", "link": "https://x", "max_age_days": 180}
    fresh = make_params(tmp_path, {}, attestations=[{**att, "date": "2026-10-01"}])
    ev = premortem.collect(fresh, today=TODAY, run_drill=False)
    c = premortem.gameday(ev, fresh)
    assert c.status is Status.PASS and c.data["age_days"] == 57
    stale = make_params(tmp_path, {}, attestations=[{**att, "date": "2026-01-01"}])
    c = premortem.gameday(premortem.collect(stale, today=TODAY, run_drill=False), stale)
    assert c.status is Status.PENDING and "stale" in c.summary


def test_gameday_without_attestation_is_pending(tmp_path: Path) -> None:
    params = make_params(tmp_path, {})
    c = premortem.gameday(premortem.collect(params, today=TODAY, run_drill=False), params)
    assert c.status is Status.PENDING


def test_no_fault_drill_configured_is_not_applicable(tmp_path: Path) -> None:
    params = make_params(tmp_path, {})
    c = premortem.fault_drill(premortem.collect(params, today=TODAY), params)
    assert c.status is Status.NA


def test_an_unreachable_prometheus_injects_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    drill = {"inject": f"touch {marker}", "recover": "true", "alert": "Down"}
    params = make_params(tmp_path, {"fault_drill": drill})
    ev = premortem.collect(params, today=TODAY)
    c = premortem.fault_drill(ev, params)
    assert c.status is Status.ERROR
    assert "unreachable" in c.summary and "nothing was injected" in c.summary
    assert not marker.exists()
    runbooks = premortem.alerts_have_runbooks(ev, params)
    assert runbooks.status is Status.ERROR and "127.0.0.1:9" in runbooks.summary


def _rule(name: str, runbook: str | None, service: str = "svc") -> Rule:
    return Rule(
        kind="alerting",
        name=name,
        query="up == 0",
        labels={"service": service},
        group="g",
        file="rules.yml",
        annotations={"runbook_url": runbook} if runbook is not None else {},
    )


def test_alerts_without_a_runbook_or_with_a_dead_one_fail(tmp_path: Path) -> None:
    params = make_params(tmp_path, {"alert_labels": {"service": "svc"}})
    ev = premortem.PremortemEvidence(
        today=TODAY,
        repository=params.repository,
        rules=(
            _rule("Good", "docs/storage.md#triage"),
            _rule("Url", "https://runbooks.example.com/x"),
            _rule("Missing", None),
            _rule("Dead", "docs/gone.md"),
            _rule("OtherService", None, service="other"),
        ),
    )
    c = premortem.alerts_have_runbooks(ev, params)
    assert c.status is Status.FAIL
    assert c.data["alerts"] == 4
    assert "Missing: no runbook_url" in c.summary and "docs/gone.md" in c.summary
    assert "OtherService" not in c.summary


def test_alerts_with_resolving_runbooks_pass(tmp_path: Path) -> None:
    params = make_params(tmp_path, {})
    ev = premortem.PremortemEvidence(
        today=TODAY,
        repository=params.repository,
        rules=(_rule("Good", "docs/storage.md"), _rule("Url", "https://x.example.com/r")),
    )
    assert premortem.alerts_have_runbooks(ev, params).status is Status.PASS


def test_a_runbook_leaving_the_repository_does_not_resolve(tmp_path: Path) -> None:
    params = make_params(tmp_path, {})
    link = premortem.resolve_link("../../etc/passwd", params.repository)
    assert not link.ok and "leaves" in link.reason


def test_the_example_plans_three_scenarios_with_playbooks() -> None:
    from conftest import EXAMPLE_PARAMS

    params = load_params(EXAMPLE_PARAMS)
    ev = premortem.collect(params, today=TODAY, run_drill=False)
    assert premortem.scenarios(ev, params).status is Status.PASS
    assert premortem.gameday(ev, params).status is Status.PASS
