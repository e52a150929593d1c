"""Faults of the live monitoring sources: Prometheus down, too slow, answering 5xx or
garbage, rejecting a query; Alertmanager down. One batch run, one service per fault.

Down is a port where nothing listens; slow, 5xx and garbage are a deliberately broken
loopback server (faultkit.misbehaving_server: a real Prometheus cannot be made to
misbehave that way); the rejected query and Alertmanager-down run against a real
Prometheus (faultkit.small_prometheus).

The four services of a broken Prometheus also carry the dashboards file missing, empty,
truncated and malformed: observability.dashboards reads only files (it went on with
Prometheus down), and it cannot be spoilt beside the SLO files of
test_faults_inputs.py, which it reads first."""

from __future__ import annotations

import pytest
from faultkit import (
    MODES,
    NOWHERE,
    SECRETS,
    Batch,
    assert_error,
    assert_report,
    copy_repo,
    example_params,
    misbehaving_server,
    run_batch,
    small_prometheus,
    spoil_file,
)

# The checks that read Prometheus (alert-routing reads Alertmanager).
PROMETHEUS_CHECKS = (
    "observability.sli-metrics-present",
    "observability.slo-compliance",
    "observability.slo-alerting",
    "observability.watchdog",
    "observability.retention",
)
RULES = {
    "groups": [
        {
            "name": "faults",
            "rules": [
                {"record": "golive_fault_ready", "expr": "vector(1)"},
                {
                    "alert": "IngestApiWatchdog",
                    "expr": "vector(1)",
                    "labels": {"service": "ingest-api", "severity": "none"},
                },
            ],
        }
    ]
}
# Valid PromQL to golive's parser (Prometheus 2.50+), a function Prometheus 2.42 lacks:
# the parameters load and Prometheus itself rejects the query.
BAD_QUERY = 'sum(sort_by_label(rate(http_requests_total{job="ingest-api"}[{{.window}}]), "code"))'
DASHBOARD = "dashboards/ingest-api.json"
DASHBOARDS = dict(zip(("prom-down", "prom-slow", "prom-5xx", "prom-garbage"), MODES, strict=True))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    work = tmp_path_factory.mktemp("prometheus")
    auth = {"kind": "bearer", "token_env": "PROM_TOKEN"}

    def service(name: str, prometheus: str, alertmanager: str = NOWHERE, **prom: object) -> dict:
        repo = copy_repo(work / f"repo-{name}", only=["slo", "dashboards", "results/logs"])
        if name in DASHBOARDS:
            spoil_file(repo / DASHBOARD, DASHBOARDS[name])
        doc = example_params(name, repo)
        obs = doc["observability"]
        obs["prometheus"] = {"url": prometheus, "connect_timeout_s": 1, "auth": auth, **prom}
        obs["alertmanager"] = {"url": alertmanager, "connect_timeout_s": 1}
        return doc

    with (
        misbehaving_server("slow") as (slow, slow_handler),
        misbehaving_server("5xx") as (five, _),
        misbehaving_server("garbage") as (garbage, _),
        small_prometheus(work / "prom", RULES) as real,
    ):
        # a real Prometheus rejecting one SLO's query, and no Alertmanager: two faults on
        # different checks of one service
        rejecting = service("query-rejected-am-down", real)
        rejecting["observability"]["slos"][0]["ratio"]["bad"] = BAD_QUERY
        docs = [
            service("prom-down", NOWHERE),
            service("prom-slow", slow, timeout_s=1),
            service("prom-5xx", five),
            service("prom-garbage", garbage),
            rejecting,
        ]
        result = run_batch(work, docs, ("observability",))
        result.extra["urls"] = {
            "nowhere": NOWHERE,
            "slow": slow,
            "5xx": five,
            "garbage": garbage,
            "real": real,
        }
        result.extra["slow_seen"] = list(slow_handler.seen)
    return result


@pytest.mark.parametrize(
    ("service", "url", "cause"),
    [
        ("prom-down", "nowhere", "unreachable"),
        ("prom-slow", "slow", "timed out: no answer within 1 s"),
        ("prom-5xx", "5xx", "answered HTTP 503"),
        ("prom-garbage", "garbage", "not JSON"),
    ],
    ids=["down", "slow-past-timeout", "answering-5xx", "answering-garbage"],
)
def test_a_broken_prometheus_makes_its_checks_errors_naming_it(
    batch: Batch, service: str, url: str, cause: str
) -> None:
    report = assert_report(batch, service)
    source = f"Prometheus at {batch.extra['urls'][url]}"
    for check_id in PROMETHEUS_CHECKS:
        assert_error(report, check_id, source, cause)
    # the file-based checks of the section still went on
    assert report.check("observability.logging")["status"] == "pass"


@pytest.mark.parametrize(("service", "mode"), DASHBOARDS.items(), ids=DASHBOARDS.values())
def test_a_spoilt_dashboards_file_is_a_finding_or_an_error_naming_it(
    batch: Batch, service: str, mode: str
) -> None:
    report = assert_report(batch, service)
    check = report.check("observability.dashboards")
    if mode == "missing":  # nothing matches the glob: the finding itself
        assert check["status"] == "fail" and "dashboards/*.json" in check["summary"], check
    else:
        assert_error(report, "observability.dashboards", DASHBOARD, "not readable")


def test_a_query_prometheus_rejects_is_an_error_with_its_message(batch: Batch) -> None:
    report = assert_report(batch, "query-rejected-am-down")
    real = batch.extra["urls"]["real"]
    assert_error(
        report,
        "observability.slo-compliance",
        f"Prometheus at {real}",
        "rejected the query",
        "sort_by_label",
        'unknown function with name "sort_by_label"',  # Prometheus' own message
    )
    # the rest of the same Prometheus answered: the other checks were evaluated
    assert report.check("observability.retention")["status"] in ("pass", "fail")
    assert report.check("observability.slo-alerting")["status"] != "error"


def test_alertmanager_down_errors_routing_and_leaves_the_rest_going(batch: Batch) -> None:
    report = assert_report(batch, "query-rejected-am-down")
    url = batch.extra["urls"]["nowhere"]
    assert_error(report, "observability.alert-routing", f"Alertmanager at {url}", "unreachable")
    assert report.check("observability.retention")["status"] in ("pass", "fail")
    watchdog = report.check("observability.watchdog")  # found in Prometheus, routing unknown
    assert watchdog["status"] == "warn" and f"Alertmanager at {url}" in watchdog["summary"]


def test_the_prometheus_token_was_sent_and_is_in_no_output(batch: Batch) -> None:
    """The secret really travelled (the slow server saw it), yet no file holds it."""
    seen = [h.get("Authorization") for h in batch.extra["slow_seen"]]
    assert f"Bearer {SECRETS['PROM_TOKEN']}" in seen
    for service in ("prom-down", "prom-slow", "prom-5xx", "prom-garbage"):
        assert_report(batch, service)  # searched every file for every secret
