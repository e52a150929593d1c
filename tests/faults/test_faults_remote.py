"""A hostile Prometheus: an answer that drips one byte every 0.5 s, one of 800 MB, valid
JSON of a shape the API never gives, JSON nested 100,000 deep. Each Prometheus check is an
`error` naming the server and why, within the server's timeout (a total deadline, not one
per read); the checks that need no server (dashboards, logging: files of the repository)
are still evaluated; the section never crashes and the report is complete.

One batch run, one service per misbehaviour (faultkit.misbehaving_server: a real
Prometheus cannot be made to misbehave that way).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from faultkit import (
    Batch,
    assert_error,
    assert_report,
    copy_repo,
    example_params,
    misbehaving_server,
    run_batch,
)

PROMETHEUS_CHECKS = (
    "observability.sli-metrics-present",
    "observability.slo-compliance",
    "observability.slo-alerting",
    "observability.watchdog",
    "observability.retention",
)
FILE_CHECKS = ("observability.dashboards", "observability.logging")
MODES = {
    "prom-drip": ("drip", "timed out"),
    "prom-huge": ("huge", "more than 10 MB"),
    "prom-shape": ("shape", "unexpected"),
    "prom-shape-deep": ("shape-deep", "unexpected"),
    "prom-nested": ("deep", "nested too deeply"),
}
TIMEOUT_S = 1.5


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    work = tmp_path_factory.mktemp("remote")
    repo = copy_repo(work / "repo")
    with ExitStack() as stack:
        docs = []
        for service, (mode, _cause) in MODES.items():
            url, _handler = stack.enter_context(misbehaving_server(mode))
            doc = example_params(service, repo)
            doc["observability"]["prometheus"] = {
                "url": url,
                "timeout_s": TIMEOUT_S,
                "connect_timeout_s": 1,
            }
            docs.append(doc)
        started = time.monotonic()
        result = run_batch(work, docs, ("observability",))
        result.extra["seconds"] = time.monotonic() - started
        yield result


@pytest.mark.parametrize("service", list(MODES))
def test_a_hostile_prometheus_is_an_error_naming_it_and_the_file_checks_still_run(
    batch: Batch, service: str
) -> None:
    report = assert_report(batch, service)
    mode, cause = MODES[service]
    for check_id in PROMETHEUS_CHECKS:
        if mode == "shape-deep" and check_id == "observability.retention":
            # its flags answer is a well-formed object that lacks the retention flag:
            # Prometheus' default (15d) is assumed, which is short of the 30d SLO window
            assert report.check(check_id)["status"] == "fail"
            continue
        check = assert_error(report, check_id, "Prometheus at http://127.0.0.1:")
        assert cause in check["summary"] + str(check["evidence"]), (check_id, check["summary"])
    for check_id in FILE_CHECKS:
        status = report.check(check_id)["status"]
        assert status != "error", (check_id, report.check(check_id)["summary"])
        assert "CellTimeoutError" not in report.check(check_id)["summary"]
    [section] = report.results["sections"]
    assert not section.get("execution_error"), section.get("execution_error")


def test_the_hostile_servers_cost_seconds_not_the_cell_timeout(batch: Batch) -> None:
    # four services at once; each Prometheus call ends by its 1.5 s deadline. Precise
    # figures: bench/hostile_inputs.py
    assert batch.extra["seconds"] < 150, batch.extra["seconds"]
