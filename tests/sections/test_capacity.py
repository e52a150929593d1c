"""golive_lib.sections.capacity: every capacity.* check, on the example's real Locust
results, on parameters built here, and live: Locust run by the review against the example
service while a real Prometheus (Debian package) scrapes it, both started on loopback by
fixtures that wait until they are ready and always stop them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import integration_fixture

from golive_lib.model import Status
from golive_lib.params import load_params
from golive_lib.sections import capacity
from golive_lib.sources import loadtest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PARAMS = ROOT / "parameters" / "ingest-api.yaml"
SERVICE_DIR = ROOT / "examples" / "ingest-api"
DATA = ROOT / "tests" / "data" / "loadtest"
PROMETHEUS = shutil.which("prometheus")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def statuses(checks: list[Any]) -> dict[str, Status]:
    return {c.id.split(".", 1)[1]: c.status for c in checks}


def make_params(tmp_path: Path, **cap: Any) -> Any:
    repo = tmp_path / "repo"
    if not repo.exists():
        shutil.copytree(SERVICE_DIR / "results" / "loadtest", repo / "results" / "loadtest")
        shutil.copytree(SERVICE_DIR / "loadtest", repo / "loadtest")
        shutil.copy(DATA / "k6-summary-export.json", repo / "summary.json")
    data = {"schema_version": 1, "service": {"name": "x"}, "repository": "repo", "capacity": cap}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_params(path)


LOCUST = {"path": "results/loadtest/ingest", "format": "locust"}
# The day after the example's recorded Locust run: a review date that keeps it fresh (within
# max_age_days) whenever the suite runs.
_ENDED = loadtest.load(SERVICE_DIR / LOCUST["path"], "locust").ended
assert _ENDED is not None
LOCUST_DAY = _ENDED.date() + timedelta(days=1)


def test_the_example_shows_pass_warn_fail_and_error():
    params = load_params(EXAMPLE_PARAMS)
    # Reviewed the day after the example's load test ran: it stays within max_age_days
    # whenever the suite runs (the recorded run is dated; load-test-present ages it).
    ev = capacity.collect(params, LOCUST_DAY)
    got = {c.id: c for c in (fn(ev, params) for fn in capacity.CHECKS)}
    assert got["capacity.load-test-present"].status is Status.PASS
    # the files are named as in the repository, not by this machine's absolute paths
    [source] = [e for e in got["capacity.load-test-present"].evidence if e.label == "source"]
    assert source.location and not source.location.startswith("/")
    assert source.location.startswith(params.capacity.load_test.path.rstrip("/").rsplit("/", 1)[0])
    assert got["capacity.peak-projection"].status is Status.WARN  # no Prometheus here
    head = got["capacity.headroom"]
    assert head.status is Status.FAIL and "short" in head.summary
    assert head.data["capacity_rps"] < head.data["required_rps"]
    assert got["capacity.slo-during-load-test"].status is Status.ERROR
    assert got["capacity.scalability-model"].status is Status.PASS
    assert got["capacity.scalability-model"].data["x_peak"] > 0


@pytest.mark.parametrize(
    ("cap", "today", "expected"),
    [
        (
            {"load_test": LOCUST, "peak": {"rps": 50}, "safety_margin": 1.2},
            LOCUST_DAY,
            {
                "load-test-present": Status.PASS,
                "peak-projection": Status.PASS,
                "headroom": Status.PASS,
            },
        ),
        (
            {"load_test": LOCUST, "max_age_days": 30, "peak": {"rps": 50}},
            LOCUST_DAY + timedelta(days=45),
            {"load-test-present": Status.FAIL, "headroom": Status.PASS},
        ),
        (
            {},
            None,
            {
                "load-test-present": Status.FAIL,
                "peak-projection": Status.FAIL,
                "headroom": Status.FAIL,
                "scalability-model": Status.FAIL,
            },
        ),
        (
            {"load_test": {"path": "results/nothing"}, "peak": {"rps": 1}},
            None,
            {
                "load-test-present": Status.ERROR,
                "headroom": Status.ERROR,
                "slo-during-load-test": Status.ERROR,
                "scalability-model": Status.ERROR,
            },
        ),
        (
            {
                "load_test": LOCUST,
                "latency_slo": {"percentile": 99, "threshold_ms": 5},
                "peak": {"rps": 1},
            },
            None,
            {"headroom": Status.FAIL},
        ),
        (
            {
                "load_test": {"path": "summary.json"},
                "peak": {"rps": 10},
                "latency_slo": {"percentile": 95, "threshold_ms": 250},
            },
            None,
            {
                # a k6 summary holds no date: its age is unknown, never the file's mtime
                "load-test-present": Status.WARN,
                "headroom": Status.PASS,
                "scalability-model": Status.FAIL,
            },
        ),
        (
            {
                "load_test": LOCUST,
                "prometheus_url": "http://127.0.0.1:9",
                "peak": {"query": "sum(rate(x[5m]))"},
                "slis": [{"name": "a", "query": "x[{window}]", "objective": 0.9}],
            },
            None,
            {
                "peak-projection": Status.ERROR,
                "headroom": Status.ERROR,
                "slo-during-load-test": Status.ERROR,
            },
        ),
    ],
    ids=[
        "a small peak is covered",
        "an old load test fails",
        "nothing configured fails",
        "a missing result file is an error",
        "an SLO never held leaves no capacity",
        "a k6 summary gives capacity, no USL fit and no date",
        "an unreachable Prometheus without a given peak is an error",
    ],
)
def test_capacity_checks(tmp_path, cap, today, expected):
    params = make_params(tmp_path, **cap)
    got = statuses(
        capacity.evaluate(params)
        if today is None
        else [fn(capacity.collect(params, today), params) for fn in capacity.CHECKS]
    )
    for name, status in expected.items():
        assert got[name] is status, (name, got)


def test_unreachable_prometheus_is_named_with_its_url(tmp_path):
    params = make_params(
        tmp_path,
        load_test=LOCUST,
        prometheus_url="http://127.0.0.1:9",
        peak={"query": "sum(rate(x[5m]))", "rps": 30},
        slis=[{"name": "a", "query": "x[{window}]", "objective": 0.9}],
    )
    ev = capacity.collect(params)
    peak = capacity.peak_projection(ev, params)
    assert peak.status is Status.WARN and "127.0.0.1:9" in peak.summary
    assert peak.data["today_peak_rps"] == 30
    slo = capacity.slo_during_load_test(ev, params)
    assert slo.status is Status.ERROR and "127.0.0.1:9" in slo.summary


def test_charts_are_drawn_with_or_without_data(tmp_path):
    for cap in ({"load_test": LOCUST, "peak": {"rps": 40}}, {}):
        params = make_params(tmp_path, **cap)
        ev = capacity.collect(params)
        for chart in (capacity.timeline_chart, capacity.users_chart, capacity.peak_chart):
            assert chart(ev, params)["layout"]["title"]["text"]


# --------------------------------------------------------------------------- live


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, deadline_s: float = 20) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            with OPENER.open(url, timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.1)


def stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
@integration_fixture
def monitored_service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The example service and a Prometheus scraping it every second."""
    svc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingest_api",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            str(tmp_path / "e.db"),
            "--bucket-dir",
            str(tmp_path / "b"),
            "--log-level",
            "WARNING",
        ],
        cwd=SERVICE_DIR,
        env=os.environ | {"PYTHONPATH": str(SERVICE_DIR)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    prom = None
    try:
        assert svc.stdout is not None
        url = svc.stdout.readline().strip().removeprefix("listening on ")
        wait_http(url + "/readyz")
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "scrape_configs": [
                        {
                            "job_name": "ingest-api",
                            "static_configs": [{"targets": [url.removeprefix("http://")]}],
                        }
                    ],
                }
            )
        )
        prom = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        prom_url = f"http://127.0.0.1:{port}"
        wait_http(prom_url + "/-/ready")
        yield url, prom_url
    finally:
        if prom is not None:
            stop(prom)
        stop(svc)


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (apt install prometheus)")
def test_a_live_run_is_analysed_and_its_slos_read_from_prometheus(
    tmp_path, monitored_service, monkeypatch
):
    url, prom_url = monitored_service
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where the run's work folder goes
    api = 'job="ingest-api",handler=~"/v1/.*"'
    params = make_params(
        tmp_path,
        live={
            "locustfile": "loadtest/locustfile.py",
            "host": url,
            "users": 20,
            "spawn_rate": 5,
            "run_time_s": 8,
        },
        prometheus_url=prom_url,
        latency_slo={"percentile": 99, "threshold_ms": 500},
        sustain_s=3,
        peak={
            "query": f"sum(rate(http_requests_total{{{api}}}[5s]))",
            "lookback_days": 1,
            "step": "2s",
        },
        growth_per_year=0.5,
        event_multiplier=2,
        safety_margin=1.0,
        slis=[
            {
                "name": "availability",
                "objective": 0.99,
                "query": f'sum(increase(http_requests_total{{{api},code!~"5.."}}[{{window}}])) / '
                f"sum(increase(http_requests_total{{{api}}}[{{window}}]))",
            }
        ],
    )
    time.sleep(1.5)  # a scrape before the test, so increase() has a baseline
    lines: list[str] = []
    artifacts = tmp_path / "report" / "artifacts" / "capacity"  # golive run's layout
    ev = capacity.collect(params, progress=lines.append, artifacts_dir=artifacts)
    assert ev.error is None and ev.result is not None, ev.error
    # Locust's CSVs are kept with the report (named relative to it), the work folder is gone
    kept = sorted(f.name for f in artifacts.iterdir())
    assert {"locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv"} <= set(kept)
    assert ev.result.where == ", ".join(f"artifacts/capacity/{n}" for n in kept)
    assert loadtest.load(artifacts / "locust", "locust").total == ev.result.total
    assert list(temp.iterdir()) == []
    assert any("users at" in line for line in lines) and any("done in" in ln for ln in lines)
    time.sleep(1.5)
    got = {fn.check_id: fn(ev, params) for fn in capacity.CHECKS}
    assert got["capacity.load-test-present"].status is Status.PASS
    assert "live Locust run" in got["capacity.load-test-present"].evidence[0].value
    peak = got["capacity.peak-projection"]
    assert peak.status is Status.PASS and peak.data["source"] == "prometheus"
    assert peak.data["today_peak_rps"] > 1
    slo = got["capacity.slo-during-load-test"]
    assert slo.status is Status.PASS, slo.summary
    assert slo.data["slis"]["availability"] == pytest.approx(1.0)
    # The test's own load is today's peak; x1.5^2 x2 is more than it sustained.
    assert got["capacity.headroom"].status is Status.FAIL


def test_a_live_run_against_a_target_that_is_down_is_an_error(tmp_path, monkeypatch):
    params = make_params(
        tmp_path,
        live={
            "locustfile": "loadtest/locustfile.py",
            "host": f"http://127.0.0.1:{free_port()}",
            "users": 1,
            "spawn_rate": 1,
            "run_time_s": 60,
        },
        peak={"rps": 1},
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    start = time.monotonic()
    got = capacity.evaluate(params)
    assert time.monotonic() - start < 15
    present = got[0]
    assert present.status is Status.ERROR and "does not answer" in present.summary
    assert list(temp.iterdir()) == [], "the run's temporary folder was left behind"


def test_bad_capacity_parameters_are_refused(tmp_path):
    from golive_lib.errors import ParamsError

    for bad in (
        {"safety_margin": 0.5},
        {"slis": [{"name": "a", "query": "x", "objective": 0.9}]},
        {
            "live": {
                "locustfile": "f.py",
                "host": "127.0.0.1",
                "users": 1,
                "spawn_rate": 1,
                "run_time_s": 1,
            }
        },
        # neither a host nor a variable holding it
        {"live": {"locustfile": "f.py", "users": 1, "spawn_rate": 1, "run_time_s": 1}},
    ):
        with pytest.raises(ParamsError):
            make_params(tmp_path, **bad)


def test_a_percentile_the_file_lacks_is_not_measured_never_an_slo_that_never_held(tmp_path):
    params = make_params(
        tmp_path,
        load_test={"path": "k6-default.json"},
        peak={"rps": 10},
        latency_slo={"percentile": 99, "threshold_ms": 250},
    )
    # k6's default summary trend stats are med, p(90) and p(95): no p99.
    shutil.copy(
        ROOT / "tests/corpus/reports/k6/summary-export-default-trend-stats.json",
        tmp_path / "repo" / "k6-default.json",
    )
    check = capacity.headroom(capacity.collect(params, LOCUST_DAY), params)
    assert check.status is Status.ERROR
    assert check.summary.startswith("p99 not measured: ")
    assert "percentiles it has: p50, p95" in check.summary
    assert check.remediation.startswith("Use percentile 95 in capacity.latency_slo, or a file")


LIVE_FROM_ENV = {
    "locustfile": "loadtest/locustfile.py",
    "host_env": "GOLIVE_TEST_LOAD_TARGET",
    "users": 1,
    "spawn_rate": 1,
    "run_time_s": 5,
}


def test_a_live_run_without_its_target_variable_reads_the_file_and_says_why(tmp_path, monkeypatch):
    monkeypatch.delenv("GOLIVE_TEST_LOAD_TARGET", raising=False)
    params = make_params(tmp_path, load_test=LOCUST, live=LIVE_FROM_ENV, peak={"rps": 1})
    ev = capacity.collect(params, LOCUST_DAY)
    assert capacity.load_test_present(ev, params).status is Status.PASS
    assert (
        ev.origin
        == "file results/loadtest/ingest (no live run: GOLIVE_TEST_LOAD_TARGET is not set)"
    )
    # without a file to fall back on, the missing variable is the error
    params = make_params(tmp_path, live=LIVE_FROM_ENV, peak={"rps": 1})
    present = capacity.load_test_present(capacity.collect(params, LOCUST_DAY), params)
    assert (
        present.status is Status.ERROR and "GOLIVE_TEST_LOAD_TARGET is not set" in present.summary
    )
    # a variable that holds no URL is named, and nothing is run
    monkeypatch.setenv("GOLIVE_TEST_LOAD_TARGET", "not a url")
    present = capacity.load_test_present(capacity.collect(params, LOCUST_DAY), params)
    assert present.status is Status.ERROR and "not an http:// or https:// URL" in present.summary
