"""The example service examples/ingest-api, run for real as the demo runs it.

A fixture starts `python -m ingest_api` on a loopback port 0 with a temporary
database and bucket directory, waits (bounded) until /readyz answers, and always
stops it. The service's own test suite runs in a subprocess from its folder, so
its `tests` tree and pytest configuration never mix with golive's.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import integration_fixture
from prometheus_client.parser import text_string_to_metric_families

SERVICE_DIR = Path(__file__).resolve().parents[2] / "examples" / "ingest-api"
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
ENV = os.environ | {"PYTHONPATH": str(SERVICE_DIR), "PYTHONDONTWRITEBYTECODE": "1"}
EVENTS_HANDLER = "/v1/accounts/{account}/events"


@dataclass
class Service:
    url: str
    proc: subprocess.Popen[str]
    log_path: Path

    def logs(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]


NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(url: str, body: object = None, timeout: float = 10.0) -> tuple[int, bytes]:
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with NO_PROXY.open(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read()


def _first_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(timeout=0.1):
                return proc.stdout.readline().strip()
            if proc.poll() is not None:
                break
    return ""


def _stop(proc: subprocess.Popen[str]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
    return proc.returncode


@contextmanager
def running_service(tmp_path: Path, *args: str, **env: str) -> Iterator[Service]:
    log_path = tmp_path / "service.log.jsonl"
    with log_path.open("w") as log:
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
                str(tmp_path / "events.db"),
                "--bucket-dir",
                str(tmp_path / "bucket"),
                *args,
            ],
            cwd=SERVICE_DIR,
            env=ENV | env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        line = _first_line(proc, deadline)
        assert line.startswith("listening on http://127.0.0.1:"), (
            f"service did not start: {line!r}; log: {log_path.read_text()[-2000:]}"
        )
        url = line.removeprefix("listening on ")
        while True:
            try:
                if http(url + "/readyz", timeout=1.0)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "service never became ready"
            time.sleep(0.05)
        yield Service(url, proc, log_path)
    finally:
        _stop(proc)


@pytest.fixture
@integration_fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(tmp_path) as svc:
        yield svc


def metrics(url: str) -> dict[str, object]:
    status, body = http(url + "/metrics")
    assert status == 200
    return {f.name: f for f in text_string_to_metric_families(body.decode())}


def requests_by_code(
    families: dict[str, object], handler: str = EVENTS_HANDLER
) -> dict[str, float]:
    return {
        s.labels["code"]: s.value
        for s in families["http_requests"].samples  # type: ignore[attr-defined]
        if s.name == "http_requests_total" and s.labels["handler"] == handler
    }


def test_post_events_then_count(service: Service) -> None:
    status, body = http(
        service.url + "/v1/accounts/acme/events",
        [{"type": "click", "payload": {"x": 1}}, {"type": "view"}],
    )
    assert (status, json.loads(body)) == (202, {"accepted": 2})
    status, body = http(
        service.url + "/v1/accounts/acme/events", {"type": "signup", "ts": "2024-05-01T12:00:00Z"}
    )
    assert (status, json.loads(body)) == (202, {"accepted": 1})
    status, body = http(service.url + "/v1/accounts/acme/events/count")
    assert (status, json.loads(body)) == (200, {"account": "acme", "count": 3})
    assert http(service.url + "/v1/accounts/globex/events/count")[1] == (
        b'{"account": "globex", "count": 0}\n'
    )


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/accounts/acme/events", b"{not json", 400),
        ("/v1/accounts/acme/events", {"payload": {"no": "type"}}, 400),
        ("/v1/accounts/acme/events", [], 400),
        ("/v1/accounts/Acme%20Corp/events", {"type": "a"}, 400),
        ("/v1/accounts/acme/events", b"[" + b" " * (1024 * 1024) + b"]", 413),
    ],
)
def test_bad_input(service: Service, path: str, body: object, status: int) -> None:
    got, raw = http(service.url + path, body)
    assert got == status
    assert json.loads(raw)["error"]


def test_metrics_expose_counters_and_histogram(service: Service) -> None:
    for _ in range(3):
        http(service.url + "/v1/accounts/acme/events", {"type": "a"})
    http(service.url + "/v1/accounts/initech/events", [{"type": "a"}, {"type": "b"}])
    http(service.url + "/v1/accounts/acme/events", b"oops")
    fams = metrics(service.url)
    assert fams["http_requests"].type == "counter"  # type: ignore[attr-defined]
    assert fams["http_request_duration_seconds"].type == "histogram"  # type: ignore[attr-defined]
    assert requests_by_code(fams) == {"202": 4.0, "400": 1.0}
    hist = fams["http_request_duration_seconds"].samples  # type: ignore[attr-defined]
    post_buckets = {
        s.labels["le"]: s.value
        for s in hist
        if s.name.endswith("_bucket")
        and (s.labels["handler"], s.labels["method"]) == (EVENTS_HANDLER, "POST")
    }
    assert {"0.005", "0.25", "1.0", "5.0", "+Inf"} <= post_buckets.keys()
    assert post_buckets["+Inf"] == 5.0
    events = {
        s.labels["account"]: s.value
        for s in fams["ingest_events"].samples  # type: ignore[attr-defined]
        if s.name == "ingest_events_total"
    }
    assert events == {"acme": 3.0, "initech": 2.0}
    storage = fams["ingest_storage_errors"].samples  # type: ignore[attr-defined]
    assert [s.value for s in storage if s.name == "ingest_storage_errors_total"] == [0.0]
    build = fams["ingest_api_build_info"].samples  # type: ignore[attr-defined]
    assert build[0].value == 1.0 and build[0].labels["version"]


def test_error_rate_one_answers_500_and_counts_them(tmp_path: Path) -> None:
    with running_service(tmp_path, INGEST_ERROR_RATE="1") as svc:
        codes = [http(svc.url + "/v1/accounts/acme/events", {"type": "a"})[0] for _ in range(5)]
        assert codes == [500] * 5
        assert http(svc.url + "/readyz")[0] == 200  # probes stay truthful
        assert requests_by_code(metrics(svc.url)) == {"500": 5.0}
        assert any(e["msg"] == "fault injection is on" for e in svc.logs())


def test_extra_latency_lands_above_the_slo_bucket(tmp_path: Path) -> None:
    with running_service(tmp_path, INGEST_EXTRA_LATENCY_MS="300") as svc:
        assert http(svc.url + "/v1/accounts/acme/events", {"type": "a"})[0] == 202
        hist = metrics(svc.url)["http_request_duration_seconds"].samples  # type: ignore[attr-defined]
        post = {
            s.labels["le"]: s.value
            for s in hist
            if s.name.endswith("_bucket") and s.labels["handler"] == EVENTS_HANDLER
        }
        assert (post["0.25"], post["0.5"]) == (0.0, 1.0)


def test_logs_are_structured_json(service: Service) -> None:
    http(service.url + "/v1/accounts/acme/events", {"type": "a", "payload": {"email": "x@y.z"}})
    _stop(service.proc)
    logs = service.logs()
    assert logs and all({"ts", "level", "msg", "request_id"} <= e.keys() for e in logs)
    assert any(e["msg"] == "request" and e["request_id"] for e in logs)
    assert "x@y.z" not in service.log_path.read_text()  # payloads are never logged


def run_traffic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest_api.traffic", *args],
        cwd=SERVICE_DIR,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "target", ["http://192.0.2.10:8080", "http://example.com", "https://127.0.0.1:8443"]
)
def test_traffic_generator_refuses_non_loopback(target: str) -> None:
    result = run_traffic("--target", target, "--rps", "1", "--duration", "1")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "target" in result.stderr


def test_traffic_generator_drives_n_requests(service: Service) -> None:
    result = run_traffic(
        "--target",
        service.url,
        "--rps",
        "40",
        "--duration",
        "1",
        "--accounts",
        "acme,globex,initech",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["planned"] == summary["sent"] == 40
    assert set(summary["codes"]) <= {"200", "202"}
    fams = metrics(service.url)
    api = [
        s.value
        for s in fams["http_requests"].samples  # type: ignore[attr-defined]
        if s.name == "http_requests_total" and s.labels["handler"].startswith("/v1/")
    ]
    assert sum(api) == 40


def test_service_own_test_suite_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=SERVICE_DIR,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
