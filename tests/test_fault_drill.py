"""The pre-mortem fault drill on a real demo stack: freezing the example service makes
Prometheus fire IngestApiDown, recovery resolves it, and both times are recorded.

The stack here is this module's OWN (not the session `demo_stack`): the drill stops its
service. It runs without backfilled history (not needed), so it starts in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import EXAMPLE_PARAMS, integration_fixture

from golive_lib.demo.stack import CONTROL_ENV, DemoStack
from golive_lib.model import Status
from golive_lib.params import FaultDrill, Params, load_params
from golive_lib.sections import premortem
from golive_lib.sources.prometheus import PrometheusClient

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
@integration_fixture
def own_stack() -> Iterator[DemoStack]:
    with DemoStack(backfill=False, traffic_rps=3.0) as stack:
        yield stack


@pytest.fixture
def stack_env(own_stack: DemoStack, monkeypatch: pytest.MonkeyPatch) -> DemoStack:
    for key, value in own_stack.env().items():
        monkeypatch.setenv(key, value)
    return own_stack


def _example(**drill: object) -> Params:
    params = load_params(EXAMPLE_PARAMS)
    cfg = params.premortem.fault_drill
    assert cfg is not None
    new = cfg.model_copy(update=drill)
    return params.model_copy(
        update={"premortem": params.premortem.model_copy(update={"fault_drill": new})}
    )


def _frozen(pid_folder: str) -> bool:
    pid = int((Path(pid_folder) / "ingest-api.pid").read_text())
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return stat[0] == "T"


def test_freezing_the_service_fires_ingestapidown_and_recovery_resolves_it(
    stack_env: DemoStack,
) -> None:
    params = load_params(EXAMPLE_PARAMS)
    ev = premortem.collect(params, today=TODAY)
    c = premortem.fault_drill(ev, params)
    assert c.status is Status.PASS, c.summary
    assert ev.drill is not None and ev.drill.detect_s is not None
    assert 10 < ev.drill.detect_s < 90  # `for: 15s` at a 5 s scrape and evaluation
    assert ev.drill.recover_s is not None and ev.drill.recover_s < 90
    assert "firing" in [s for _, s in ev.drill.states]
    assert not _frozen(os.environ[CONTROL_ENV])
    # the window the service was disturbed is part of the evidence
    d = ev.drill
    assert d.disturbed_from is not None and d.disturbed_to is not None
    span = (d.disturbed_to - d.disturbed_from).total_seconds()
    assert d.detect_s + d.recover_s <= span + 1
    assert any(e.label == "service disturbed (UTC)" for e in c.evidence)
    assert c.data["disturbed_to"] == d.disturbed_to.isoformat()
    # the same review reads the rules from the live Prometheus: every alert has a runbook
    runbooks = premortem.alerts_have_runbooks(ev, params)
    assert runbooks.status is Status.PASS, runbooks.summary
    assert runbooks.data["alerts"] >= 7


def test_a_hanging_inject_is_killed_at_its_timeout_and_recovery_still_runs(
    stack_env: DemoStack, tmp_path: Path
) -> None:
    marker = tmp_path / "recovered"
    params = _example(
        inject="sleep 30",
        recover=f"touch {marker}",
        command_timeout_s=1.0,
    )
    ev = premortem.collect(params, today=TODAY)
    c = premortem.fault_drill(ev, params)
    assert c.status is Status.ERROR
    assert "timed out" in c.summary and "recovery ran" in c.summary
    assert marker.exists()


def test_an_alert_that_never_fires_fails_within_the_deadline_after_recovering(
    stack_env: DemoStack, tmp_path: Path
) -> None:
    marker = tmp_path / "recovered"
    params = _example(inject="true", recover=f"touch {marker}", detect_deadline_s=3.0)
    ev = premortem.collect(params, today=TODAY)
    c = premortem.fault_drill(ev, params)
    assert c.status is Status.FAIL
    assert "did not fire within 3 s" in c.summary
    assert marker.exists()


def test_an_unknown_alert_injects_nothing(stack_env: DemoStack, tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    client = PrometheusClient(stack_env.prometheus_url)
    cfg = FaultDrill(inject=f"touch {marker}", recover="true", alert="NoSuchAlert")
    outcome = premortem.run_fault_drill(cfg, client, tmp_path)
    assert outcome.skipped and "NoSuchAlert" in outcome.skipped
    assert not marker.exists()


def test_without_the_demo_control_variable_nothing_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CONTROL_ENV, raising=False)
    params = load_params(EXAMPLE_PARAMS)
    ev = premortem.collect(params, today=TODAY)
    c = premortem.fault_drill(ev, params)
    assert c.status is Status.ERROR
    assert CONTROL_ENV in c.summary and "nothing was injected" in c.summary


def test_a_missing_inject_command_is_an_error_and_recovery_still_runs(
    stack_env: DemoStack, tmp_path: Path
) -> None:
    marker = tmp_path / "recovered"
    params = _example(inject="no-such-command-golive", recover=f"touch {marker}")
    c = premortem.fault_drill(premortem.collect(params, today=TODAY), params)
    assert c.status is Status.ERROR
    assert "command not found: no-such-command-golive" in c.summary
    assert marker.exists()
