"""golive_lib.sections.observability on the real demo stack, and with its sources down."""

from __future__ import annotations

import math
import os
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_PARAMS, EXAMPLE_REPO

from golive_lib.demo.processes import free_port
from golive_lib.model import Check, Status
from golive_lib.params import Params, load_params
from golive_lib.sections import observability as obs
from golive_lib.sources.alertmanager import parse_config
from golive_lib.sources.prometheus import PrometheusClient

LIVE = ("sli-metrics-present", "slo-compliance", "slo-alerting", "watchdog", "retention")


def by_id(checks: list[Check]) -> dict[str, Check]:
    return {c.id.removeprefix("observability."): c for c in checks}


def example_params(monkeypatch: pytest.MonkeyPatch, prometheus: str, alertmanager: str) -> Params:
    monkeypatch.setenv("GOLIVE_PROMETHEUS_URL", prometheus)
    monkeypatch.setenv("GOLIVE_ALERTMANAGER_URL", alertmanager)
    return load_params(EXAMPLE_PARAMS)


def params_with(tmp_path: Path, observability: dict[str, Any]) -> Params:
    data = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    data["repository"] = str(EXAMPLE_REPO)
    data["observability"] = {**data["observability"], **observability}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_params(path)


@pytest.fixture(scope="module")
def demo_review(demo_stack) -> tuple[obs.ObservabilityEvidence, dict[str, Check]]:  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    try:
        params = example_params(mp, demo_stack.prometheus_url, demo_stack.alertmanager_url)
        ev = obs.collect(params)
        return ev, by_id([fn(ev, params) for fn in obs.CHECKS])
    finally:
        mp.undo()


def test_the_example_on_the_demo_stack_shows_its_planted_findings(demo_review) -> None:  # type: ignore[no-untyped-def]
    _, checks = demo_review
    status = {k: c.status for k, c in checks.items()}
    assert status == {
        "sli-metrics-present": Status.PASS,
        "slo-compliance": Status.FAIL,  # the 36-hour slow-database incident
        "slo-alerting": Status.FAIL,  # the Sloth storage SLO has no alerts
        "alert-routing": Status.PASS,
        "dashboards": Status.PASS,
        "logging": Status.PASS,
        "watchdog": Status.PASS,
        "retention": Status.PASS,
    }
    assert "ingest-api-latency" in checks["slo-compliance"].summary
    alerting = checks["slo-alerting"]
    assert (
        "ingest-api-storage lacks 1h/5m (page quick), 6h/30m (page slow), 1d/2h (ticket quick), "
        "3d/6h (ticket slow)"
    ) in alerting.summary
    # the example's own SLOs are covered, their page pairs routed to a paging receiver
    assert "ingest-api-availability" not in alerting.summary
    assert "ingest-api-latency" not in alerting.summary
    pasted = yaml.safe_load(
        alerting.remediation.split(
            "# ingest-api-storage: paste into a rule file loaded by Prometheus\n", 1
        )[1]
    )
    # Named as the spec's alerting.name, a page and a ticket alert, as Sloth writes them.
    assert {
        (r["alert"], r["labels"]["sloth_severity"])
        for g in pasted["groups"]
        for r in g["rules"]
        if "alert" in r
    } == {("IngestApiStorageSLO", "page"), ("IngestApiStorageSLO", "ticket")}


def test_compliance_matches_an_independent_computation_from_the_history(demo_stack) -> None:  # type: ignore[no-untyped-def]
    from golive_lib.demo import history

    hp = demo_stack.history
    gen = history.generate(hp)
    at = hp.end
    start = (at - timedelta(days=28)).timestamp()
    steps = [i for i, ts in enumerate(gen.timestamps) if start < ts <= at.timestamp()]
    total = sum(gen.api_total[i] for i in steps)
    expect = {
        "ingest-api-availability": (1 - sum(gen.api_errors[i] for i in steps) / total, 0.995),
        "ingest-api-latency": (1 - sum(gen.api_slow[i] for i in steps) / total, 0.95),
    }
    client = PrometheusClient(demo_stack.prometheus_url)
    params = load_params(EXAMPLE_PARAMS)
    for spec in params.observability.slos:
        r = obs.evaluate_slo(client, spec.to_slo(), at)
        want, objective = expect[spec.name]
        assert r.compliance == pytest.approx(want, abs=2e-5), spec.name
        remaining = 1 - (1 - want) / (1 - objective)
        assert r.remaining == pytest.approx(remaining, abs=0.01), spec.name
        assert len(r.times) <= 720 and len(r.times) >= 700
        assert r.budget[-1] == pytest.approx(r.remaining, abs=0.02)
    # Latency is planted below its objective, availability above.
    assert expect["ingest-api-latency"][0] < 0.95 < 0.995 < expect["ingest-api-availability"][0]


def test_compliance_is_one_instant_query_and_one_range_query_per_slo(demo_stack) -> None:  # type: ignore[no-untyped-def]
    client = PrometheusClient(demo_stack.prometheus_url)
    spec = load_params(EXAMPLE_PARAMS).observability.slos[0].to_slo()
    r = obs.evaluate_slo(client, spec, demo_stack.history.end)
    assert client.calls == 2 and "increase" not in r.query and "[28d]" in r.query
    assert not any(math.isnan(v) for v in r.sli)


def test_no_data_is_a_failure_not_100_percent(demo_stack, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOLIVE_PROMETHEUS_URL", demo_stack.prometheus_url)
    monkeypatch.setenv("GOLIVE_ALERTMANAGER_URL", demo_stack.alertmanager_url)
    params = params_with(
        tmp_path,
        {
            "slo_files": [],
            "slos": [
                {
                    "name": "ghost",
                    "objective": 0.99,
                    "window": "7d",
                    "ratio": {
                        "bad": "sum(rate(ghost_errors_total[{{.window}}]))",
                        "total": "sum(rate(ghost_requests_total[{{.window}}]))",
                    },
                }
            ],
        },
    )
    checks = by_id(obs.evaluate(params))
    assert checks["slo-compliance"].status is Status.FAIL
    assert "ghost (no data)" in checks["slo-compliance"].summary
    assert checks["sli-metrics-present"].status is Status.FAIL


def test_a_query_prometheus_rejects_is_an_error_showing_query_and_message(  # type: ignore[no-untyped-def]
    demo_stack, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GOLIVE_PROMETHEUS_URL", demo_stack.prometheus_url)
    params = params_with(
        tmp_path,
        {
            "slo_files": [],
            "slos": [
                {
                    "name": "typo",
                    "objective": 0.99,
                    "ratio": {
                        # valid PromQL for the parser (Prometheus 2.50+), unknown to 2.42
                        "bad": 'sum(sort_by_label(rate(http_requests_total[{{.window}}]), "code"))',
                        "total": "sum(rate(http_requests_total[{{.window}}]))",
                    },
                }
            ],
        },
    )
    c = by_id(obs.evaluate(params))["slo-compliance"]
    assert c.status is Status.ERROR
    assert "sort_by_label(rate(http_requests_total[28d])" in c.summary
    assert "unknown function" in c.summary


def test_a_query_that_is_not_promql_is_refused_before_anything_runs(tmp_path: Path) -> None:
    from golive_lib.errors import ParamsError

    with pytest.raises(ParamsError, match="unknown function with name 'ratez'"):
        params_with(
            tmp_path,
            {
                "slo_files": [],
                "slos": [
                    {
                        "name": "typo",
                        "objective": 0.99,
                        "ratio": {
                            "bad": "sum(ratez(http_requests_total[{{.window}}]))",
                            "total": "sum(rate(http_requests_total[{{.window}}]))",
                        },
                    }
                ],
            },
        )


def test_without_prometheus_the_live_checks_error_fast_and_the_rest_go_on(  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    params = example_params(
        monkeypatch, f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    )
    start = time.monotonic()
    checks = by_id(obs.evaluate(params))
    assert time.monotonic() - start < 3
    for name in LIVE:
        assert checks[name].status is Status.ERROR
        assert "Prometheus at http://127.0.0.1:" in checks[name].summary
        assert "unreachable" in checks[name].summary
    assert checks["alert-routing"].status is Status.ERROR
    assert "Alertmanager at" in checks["alert-routing"].summary
    assert checks["dashboards"].status is Status.PASS and checks["logging"].status is Status.PASS


def test_alertmanager_down_errors_its_checks_only(demo_stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    params = example_params(
        monkeypatch, demo_stack.prometheus_url, f"http://127.0.0.1:{free_port()}"
    )
    checks = by_id(obs.evaluate(params))
    assert checks["alert-routing"].status is Status.ERROR
    assert checks["watchdog"].status is Status.WARN  # exists; routing unknown
    assert checks["slo-compliance"].status is Status.FAIL
    assert checks["retention"].status is Status.PASS


def test_routing_slo_alerts_to_a_null_receiver_fails(demo_review) -> None:  # type: ignore[no-untyped-def]
    ev, _ = demo_review
    ev.am_config = parse_config("route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n")
    params = load_params(EXAMPLE_PARAMS)
    c = obs.alert_routing(ev, params)
    assert c.status is Status.FAIL and "no integration" in c.summary
    assert "IngestApiAvailabilityBurnRateFast -> blackhole" in c.summary


def _example_am(**route_extra: Any) -> str:
    """The example's alertmanager.yml with extra keys on its watchdog and pager routes."""
    am = yaml.safe_load((EXAMPLE_REPO / "alertmanager" / "alertmanager.yml").read_text())
    for route in am["route"]["routes"][:2]:
        route.update(route_extra)
    am["time_intervals"] = [
        {"name": "all-week", "time_intervals": [{"weekdays": ["sunday:saturday"]}]},
        {"name": "never", "time_intervals": [{"years": ["2001"]}]},
        {
            "name": "weekends",
            "time_intervals": [{"weekdays": ["saturday", "sunday"], "location": "Asia/Tokyo"}],
        },
    ]
    return yaml.safe_dump(am)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"mute_time_intervals": ["all-week"]}, "within mute_time_intervals all-week"),
        ({"active_time_intervals": ["never"]}, "outside active_time_intervals never"),
    ],
)
def test_a_muted_dead_mans_switch_and_muted_pages_fail(demo_review, extra, needle) -> None:  # type: ignore[no-untyped-def]
    ev, _ = demo_review
    saved = ev.am_config
    ev.am_config = parse_config(_example_am(**extra))
    params = load_params(EXAMPLE_PARAMS)
    try:
        watchdog, routing = obs.watchdog(ev, params), obs.alert_routing(ev, params)
    finally:
        ev.am_config = saved
    assert (
        watchdog.status is Status.FAIL and "IngestApiWatchdog notifies nobody" in watchdog.summary
    )
    assert needle in " ".join(e.value for e in watchdog.evidence)
    assert routing.status is Status.FAIL and "notifies nobody" in routing.summary


def test_a_weekend_mute_in_tokyo_says_when_the_watchdog_is_silenced(demo_review) -> None:  # type: ignore[no-untyped-def]
    ev, _ = demo_review
    saved, at = ev.am_config, ev.at
    ev.am_config = parse_config(_example_am(mute_time_intervals=["weekends"]))
    ev.at = datetime(2026, 12, 3, 13, 31, tzinfo=UTC)  # a Thursday
    try:
        c = obs.watchdog(ev, load_params(EXAMPLE_PARAMS))
    finally:
        ev.am_config, ev.at = saved, at
    assert c.status is Status.FAIL
    # Saturday 00:00 to Monday 00:00 in Tokyo (UTC+9)
    assert "Fri 2026-12-04 15:00 to Sun 2026-12-06 15:00 UTC" in c.summary


def test_retention_shorter_than_the_window_fails(demo_review) -> None:  # type: ignore[no-untyped-def]
    ev, _ = demo_review
    flags = dict(ev.flags or {})
    ev.flags = {**flags, "storage.tsdb.retention.time": "0s"}  # Prometheus' 15-day default
    c = obs.retention(ev, load_params(EXAMPLE_PARAMS))
    ev.flags = flags
    assert c.status is Status.FAIL and "15d" in c.summary


@pytest.mark.parametrize(
    ("lines", "status", "needle"),
    [
        (['{"ts":"t","level":"info","request_id":"a","msg":"x"}'] * 20, Status.PASS, "no PII"),
        (['ts=2026-01-01 level=info request_id=a msg="x y"'] * 20, Status.PASS, "100% structured"),
        (["plain text line"] * 20, Status.FAIL, "structured"),
        (
            ['{"ts":"t","level":"info","request_id":"a","msg":"mail jane.doe@example.com"}'],
            Status.FAIL,
            "email",
        ),
        (
            ['{"ts":"t","level":"info","request_id":"a","card":"4111 1111 1111 1111"}'],
            Status.FAIL,
            "card number",
        ),
        (['{"ts":"t","level":"info","request_id":"a","client":"10.1.2.3"}'], Status.FAIL, "IPv4"),
    ],
)
def test_logging(tmp_path: Path, lines: list[str], status: Status, needle: str) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "log.txt").write_text("\n".join(lines) + "\n")
    data = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    data["repository"] = str(tmp_path / "repo")
    data["observability"]["log_sample"] = "log.txt"
    data["observability"]["slo_files"] = []
    for k in (
        "capacity",
        "security",
        "cicd",
        "attestations",
        "waivers",
        "signoff",
        "not_applicable",
    ):
        data.pop(k, None)
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    params = load_params(tmp_path / "p.yaml")
    ev = obs.ObservabilityEvidence()
    obs.collect_logs(params, ev)
    c = obs.logging(ev, params)
    assert c.status is status and needle in c.summary
    text = " ".join(e.value for e in c.evidence)
    assert "jane.doe@" not in text and "4111 1111 1111 1111" not in text and "10.1.2.3" not in text


def test_params_refuse_bad_slos_before_anything_runs(tmp_path: Path) -> None:
    from golive_lib.errors import ParamsError

    with pytest.raises(ParamsError, match="between 0 and 1"):
        params_with(
            tmp_path,
            {
                "slos": [
                    {
                        "name": "x",
                        "objective": 99.5,
                        "ratio": {
                            "bad": "sum(rate(a[{{.window}}]))",
                            "total": "sum(rate(b[{{.window}}]))",
                        },
                    }
                ]
            },
        )
    with pytest.raises(ParamsError, match="token_env"):
        params_with(tmp_path, {"prometheus": {"url": "http://x:9090", "auth": {"kind": "bearer"}}})


def _review_with(tmp_path: Path, monkeypatch, demo_stack, observability: dict[str, Any]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOLIVE_PROMETHEUS_URL", demo_stack.prometheus_url)
    monkeypatch.setenv("GOLIVE_ALERTMANAGER_URL", demo_stack.alertmanager_url)
    params = params_with(tmp_path, observability)
    ev = obs.collect(params)
    return ev, by_id([fn(ev, params) for fn in obs.CHECKS])


def test_a_multi_document_sloth_file_and_a_subquery_sli_are_reviewed_end_to_end(  # type: ignore[no-untyped-def]
    demo_stack, tmp_path: Path, monkeypatch
) -> None:
    spec = Path(__file__).parents[1] / "data" / "slo" / "specs" / "sloth-multi.yml"
    rel = os.path.relpath(spec, EXAMPLE_REPO)
    ev, checks = _review_with(
        tmp_path, monkeypatch, demo_stack, {"slos": [], "slo_files": [str(rel)]}
    )
    assert not ev.spec_errors
    names = [s.name for s in ev.slos]
    assert names == [
        "ingest-api-events-availability",
        "ingest-api-events-ratio",
        "ingest-api-smoothed-hourly-availability",
    ]
    rows = {r["slo"]: r for r in checks["slo-compliance"].data["slos"]}
    assert set(rows) == set(names)  # every SLO of both documents measured
    for name in names:
        assert 0.9 < rows[name]["compliance"] <= 1, name
    smoothed = ev.results["ingest-api-smoothed-hourly-availability"]
    assert "[30d:5m]" in smoothed.query and smoothed.error is None
    # The raw and the events SLI of the same counters agree on compliance.
    assert rows["ingest-api-events-ratio"]["compliance"] == pytest.approx(
        rows["ingest-api-events-availability"]["compliance"], abs=1e-6
    )
    alerting = checks["slo-alerting"]
    assert alerting.status is Status.FAIL
    assert "ingest-api-events-availability lacks 1h/5m (page quick)" in alerting.summary
    assert "ingest-api-events-ratio" not in alerting.summary  # its alerts are disabled
    disabled = [e.value for e in alerting.evidence if e.label.startswith("ingest-api-events-ratio")]
    assert disabled and all(
        "slos[1].alerting.page_alert.disable" in v or "ticket_alert" in v for v in disabled
    )
    assert checks["sli-metrics-present"].status is Status.PASS


@pytest.mark.skipif(
    shutil.which("prometheus-blackbox-exporter") is None, reason="no blackbox exporter"
)
def test_compliance_over_a_window_the_data_barely_covers_is_a_warning_naming_the_coverage(  # type: ignore[no-untyped-def]
    demo_stack, tmp_path: Path, monkeypatch
) -> None:
    """The probe's series exist only since the stack started (minutes of 28 days); as an
    events SLI and as a raw error ratio (whose total is a constant)."""
    probe = 'probe_success{job="blackbox"}'
    raw = tmp_path / "probe.sloth.yml"
    raw.write_text(
        "version: prometheus/v1\nservice: e2e\nslos:\n  - name: probe-raw\n    objective: 90\n"
        "    sli: {raw: {error_ratio_query: "
        f"'1 - avg(avg_over_time({probe}[{{{{.window}}}}]))'}}}}\n"
    )
    _, checks = _review_with(
        tmp_path,
        monkeypatch,
        demo_stack,
        {
            "slo_files": [os.path.relpath(raw, EXAMPLE_REPO)],
            "slos": [
                {
                    "name": "probe",
                    "objective": 0.9,
                    "window": "28d",
                    "ratio": {
                        "bad": f"sum(count_over_time({probe}[{{{{.window}}}}])) - "
                        f"sum(sum_over_time({probe}[{{{{.window}}}}]))",
                        "total": f"sum(count_over_time({probe}[{{{{.window}}}}]))",
                    },
                }
            ],
        },
    )
    c = checks["slo-compliance"]
    assert c.status is Status.WARN, c.summary
    m = re.search(r"probe: data covers (\d+\.\d\d) % of 28d", c.summary)
    assert m and 0 < float(m.group(1)) < 1, c.summary
    m = re.search(r"e2e-probe-raw: data covers (\d+\.\d\d) % of 30d", c.summary)
    assert m and 0 < float(m.group(1)) < 1, c.summary


def test_sloth_files_take_the_period_sloth_generated_them_for(tmp_path: Path) -> None:
    from golive_lib.errors import ParamsError

    spec = Path(__file__).parents[1] / "data" / "slo" / "specs" / "sloth-multi.yml"
    params = params_with(
        tmp_path,
        {"slos": [], "slo_files": [os.path.relpath(spec, EXAMPLE_REPO)], "sloth_period": "7d"},
    )
    slos, errors = obs.load_slos(params)
    assert not errors and {s.window for s in slos} == {timedelta(days=7)}
    windows = Path(__file__).parents[1] / "data" / "slo" / "windows" / "14d.yaml"
    params = params_with(
        tmp_path,
        {
            "slos": [],
            "slo_files": [os.path.relpath(spec, EXAMPLE_REPO)],
            "sloth_period": "14d",
            "sloth_windows": [os.path.relpath(windows, EXAMPLE_REPO)],
        },
    )
    slos, errors = obs.load_slos(params)
    assert not errors and all(s.windows and s.windows.period == timedelta(days=14) for s in slos)
    with pytest.raises(ParamsError, match="sloth_period"):
        params_with(tmp_path, {"sloth_period": "a week"})


def test_compliance_whose_coverage_could_not_be_measured_is_not_a_pass() -> None:
    """The chart's range query failed: the instant query says 'met', but how much of the
    window the data covers is unknown, so it is a warning naming why."""
    from datetime import UTC, datetime

    params = load_params(EXAMPLE_PARAMS)
    slo = params.observability.slos[0].to_slo()
    result = obs.SLOResult(
        slo,
        "q",
        datetime.now(UTC),
        bad=0.0,
        total=10.0,
        compliance=1.0,
        remaining=1.0,
        chart_error="Prometheus at http://x: timed out after 10 s",
    )
    ev = obs.ObservabilityEvidence(slos=[slo], results={slo.name: result})
    c = obs.slo_compliance(ev, params)
    assert c.status is Status.WARN
    assert "coverage of 28d unknown (Prometheus at http://x: timed out after 10 s)" in c.summary
