"""Locust: its --csv output produced here by running Locust headless against the example
service (started on loopback by a fixture that waits for /readyz and always stops it),
the live run's bounds (target down, timeout, Locust missing), and damaged CSV files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import integration_fixture

from golive_lib.sources import loadtest
from golive_lib.sources.loadtest import locust

ROOT = Path(__file__).resolve().parents[2]
SERVICE_DIR = ROOT / "examples" / "ingest-api"
LOCUSTFILE = SERVICE_DIR / "loadtest" / "locustfile.py"
EXAMPLE = SERVICE_DIR / "results" / "loadtest" / "ingest"


def start_service(tmp: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingest_api",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            str(tmp / "events.db"),
            "--bucket-dir",
            str(tmp / "bucket"),
            "--log-level",
            "WARNING",
        ],
        cwd=SERVICE_DIR,
        env=os.environ | {"PYTHONPATH": str(SERVICE_DIR)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()  # the service prints it first, or exits
    assert line.startswith("listening on "), line
    url = line.removeprefix("listening on ")
    deadline = time.monotonic() + 15
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        try:
            with opener.open(url + "/readyz", timeout=1):
                return proc, url
        except OSError:
            assert time.monotonic() < deadline, "the example service never became ready"
            time.sleep(0.05)


def stop_service(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
@integration_fixture
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_service(tmp_path_factory.mktemp("svc"))
    try:
        yield url
    finally:
        stop_service(proc)


@pytest.fixture(scope="module")
def live_run(service: str, tmp_path_factory: pytest.TempPathFactory) -> locust.RunResult:
    out = tmp_path_factory.mktemp("locust") / "run"
    lines: list[str] = []
    spec = locust.RunSpec(
        LOCUSTFILE,
        service,
        users=20,
        spawn_rate=5,
        run_time_s=8,
        out_prefix=out,
        probe_path="/healthz",
    )
    result = locust.run(spec, lines.append)
    assert any("done in" in line for line in lines), lines  # progress was reported
    return result


def test_a_live_run_against_the_example_service_is_read_back(live_run):
    r = live_run.result
    assert live_run.returncode == 0
    assert r.format == "locust" and r.total.requests > 50
    assert r.max_users == 20
    assert {e.name for e in r.endpoints} == {
        "/v1/accounts/{account}/events",
        "/v1/accounts/{account}/events/count",
    }
    assert sum(s.requests for s in r.samples) <= r.total.requests
    assert r.samples and all(s.interval_s > 0 for s in r.samples)
    assert r.duration is not None and 5 <= r.duration.total_seconds() <= 15
    assert live_run.wall_s < 30
    assert "--exit-code-on-error" in live_run.command


def test_failed_requests_do_not_fail_the_run_and_are_listed(service, tmp_path):
    """Locust exits 1 on any failed request unless told not to: golive tells it."""
    bad = tmp_path / "locustfile.py"
    bad.write_text(
        "from locust import HttpUser, constant, task\n"
        "class U(HttpUser):\n"
        "    wait_time = constant(0.2)\n"
        "    @task\n"
        "    def nope(self):\n"
        "        self.client.get('/no/such/route')\n"
    )
    spec = locust.RunSpec(
        bad, service, users=2, spawn_rate=2, run_time_s=3, out_prefix=tmp_path / "f"
    )
    r = locust.run(spec).result
    assert r.total.failures == r.total.requests > 0
    assert r.failures and r.failures[0].error.startswith("HTTPError('404")


def test_a_target_that_is_down_fails_fast_with_the_url(tmp_path):
    spec = locust.RunSpec(
        LOCUSTFILE,
        "http://127.0.0.1:9",
        users=1,
        spawn_rate=1,
        run_time_s=60,
        out_prefix=tmp_path / "x",
    )
    start = time.monotonic()
    with pytest.raises(loadtest.LiveRunError, match="does not answer at http://127.0.0.1:9/"):
        locust.run(spec)
    assert time.monotonic() - start < 10


def test_a_run_that_overruns_is_stopped(service, tmp_path):
    spec = locust.RunSpec(
        LOCUSTFILE,
        service,
        users=1,
        spawn_rate=1,
        run_time_s=30,
        out_prefix=tmp_path / "x",
        grace_s=-27,
    )  # 3 s in all
    start = time.monotonic()
    with pytest.raises(loadtest.LiveRunError, match="did not finish"):
        locust.run(spec)
    assert time.monotonic() - start < 10


def test_locust_missing_is_an_error_with_the_install_command(monkeypatch, tmp_path):
    # The only stand-in here: Locust cannot be uninstalled for one test.
    monkeypatch.setattr(locust, "locust_available", lambda: False)
    spec = locust.RunSpec(LOCUSTFILE, "http://127.0.0.1:9", 1, 1, 1, tmp_path / "x")
    with pytest.raises(loadtest.LiveRunError, match=r"pip install 'golive\[locust\]'"):
        locust.run(spec)


def test_the_example_results_are_real_locust_output():
    r = loadtest.load(EXAMPLE)
    assert r.format == "locust" and r.total.requests > 10_000
    assert len(r.samples) > 60 and r.max_users == 200
    assert r.total.failures == 0 and r.failures == ()


def test_the_row_written_as_locust_stops_counts_the_users_that_ran_it():
    # Locust's last history row is written while it stops its users: the example's real
    # file says 157 of 200 there, for a second that 200 users ran at full rate.
    rows = Path(f"{EXAMPLE}_stats_history.csv").read_text().splitlines()
    assert [r.split(",")[1] for r in rows[-2:]] == ["200", "157"]
    samples = loadtest.load(EXAMPLE).samples
    assert samples[-1].users == samples[-2].users == 200
    assert samples[-1].requests > 200  # a full second's requests, as the row before


def test_a_live_run_ends_at_the_users_it_held(live_run):
    samples = live_run.result.samples
    assert samples[-1].users == 20


def copy_example(tmp_path: Path) -> Path:
    for f in EXAMPLE.parent.glob("ingest_*.csv"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "ingest"


def test_truncated_history_names_the_line(tmp_path):
    prefix = copy_example(tmp_path)
    history = Path(f"{prefix}_stats_history.csv")
    text = history.read_text()
    history.write_text(text[: len(text) - 80])
    with pytest.raises(loadtest.MalformedFile, match=r"line \d+ has \d+ of 24 columns"):
        loadtest.load(prefix)


def test_stats_without_the_aggregated_row_is_truncated(tmp_path):
    prefix = copy_example(tmp_path)
    stats = Path(f"{prefix}_stats.csv")
    stats.write_text("\n".join(stats.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(loadtest.MalformedFile, match="no Aggregated row"):
        loadtest.load(prefix, "locust")


def test_missing_columns_are_named(tmp_path):
    prefix = copy_example(tmp_path)
    history = Path(f"{prefix}_stats_history.csv")
    lines = history.read_text().splitlines()
    lines[0] = lines[0].replace("User Count", "Users").replace("99%", "p99")
    history.write_text("\n".join(lines) + "\n")
    with pytest.raises(loadtest.MissingColumns) as e:
        loadtest.load(prefix)
    assert e.value.columns == ["User Count", "99%"]


def test_a_missing_file_and_an_empty_test_are_errors(tmp_path):
    with pytest.raises(loadtest.LoadTestError, match="no such file"):
        loadtest.load(tmp_path / "nothing", "locust")
    prefix = copy_example(tmp_path)
    stats = Path(f"{prefix}_stats.csv")
    header = stats.read_text().splitlines()[0]
    zeros = ",Aggregated,0,0" + ",0" * (header.count(",") - 3)
    stats.write_text(header + "\n" + zeros + "\n")
    with pytest.raises(loadtest.EmptyResult, match="0 requests"):
        loadtest.load(prefix)


def test_a_folder_with_one_run_is_read():
    assert loadtest.load(EXAMPLE.parent).total.requests == loadtest.load(EXAMPLE).total.requests
