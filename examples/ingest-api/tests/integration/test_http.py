"""The server over real sockets on a loopback port: in-process, and as the CLI process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ingest_api import traffic
from ingest_api.faults import Faults
from ingest_api.metrics import Metrics
from ingest_api.server import IngestApp, IngestServer
from ingest_api.storage import EventStore, LocalObjectStore

pytestmark = pytest.mark.integration

SERVICE_ROOT = Path(__file__).resolve().parents[2]
MAX_BODY = 64 * 1024

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(url: str, body: object = None, method: str | None = None, timeout: float = 10):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with NO_PROXY.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


@pytest.fixture
def server(tmp_path):
    store = EventStore(tmp_path / "events.db", LocalObjectStore(tmp_path / "bucket"))
    app = IngestApp(store, Metrics(), Faults(), max_body_bytes=MAX_BODY)
    srv = IngestServer(("127.0.0.1", 0), app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    store.close()
    thread.join(5)


def metric_samples(url: str) -> list:
    status, headers, body = request(url + "/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return [s for f in text_string_to_metric_families(body.decode()) for s in f.samples]


def test_post_and_count(server):
    status, headers, body = request(
        server.url + "/v1/accounts/acme/events", [{"type": "click"}, {"type": "view"}]
    )
    assert status == 202 and json.loads(body) == {"accepted": 2}
    assert headers["Content-Type"] == "application/json"
    assert len(headers["X-Request-Id"]) == 32
    status, _, body = request(server.url + "/v1/accounts/acme/events/count")
    assert status == 200 and json.loads(body) == {"account": "acme", "count": 2}


def test_oversized_body_gets_a_readable_413(server):
    status, _, body = request(server.url + "/v1/accounts/acme/events", b"x" * (MAX_BODY + 1))
    assert status == 413
    assert "larger than" in json.loads(body)["error"]


def test_bad_input_is_400_with_json_error(server):
    for path, body in [
        ("/v1/accounts/NOPE!/events", {"type": "a"}),
        ("/v1/accounts/acme/events", b"not json"),
        ("/v1/accounts/acme/events", {"payload": 1}),
    ]:
        status, headers, raw = request(server.url + path, body)
        assert status == 400, path
        assert headers["Content-Type"] == "application/json"
        assert json.loads(raw)["error"]


def test_concurrent_writers_lose_nothing(server, tmp_path):
    def post(i: int) -> int:
        return request(server.url + f"/v1/accounts/acct{i % 4}/events", {"type": "t"})[0]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(post, range(200)))
    assert codes == [202] * 200
    counts = [
        json.loads(request(server.url + f"/v1/accounts/acct{a}/events/count")[2])["count"]
        for a in range(4)
    ]
    assert counts == [50, 50, 50, 50]
    assert len(list((tmp_path / "bucket").rglob("*.jsonl"))) == 200


def test_metrics_after_requests(server):
    request(server.url + "/v1/accounts/acme/events", {"type": "a"})
    request(server.url + "/v1/accounts/acme/events", b"{")
    samples = metric_samples(server.url)
    by_name: dict[str, list] = {}
    for s in samples:
        by_name.setdefault(s.name, []).append(s)
    codes = {
        s.labels["code"]: s.value
        for s in by_name["http_requests_total"]
        if s.labels["handler"] == "/v1/accounts/{account}/events"
    }
    assert codes == {"202": 1.0, "400": 1.0}
    buckets = {
        s.labels["le"]
        for s in by_name["http_request_duration_seconds_bucket"]
        if s.labels["handler"] == "/v1/accounts/{account}/events"
    }
    assert {"0.25", "+Inf"} <= buckets
    assert [(s.labels, s.value) for s in by_name["ingest_events_total"]] == [
        ({"account": "acme"}, 1.0)
    ]
    assert by_name["ingest_storage_errors_total"][0].value == 0


def test_traffic_generator_drives_the_server(server):
    summary = traffic.run(server.url, rps=100, duration=0.5, accounts=["a", "b"], seed=3)
    assert summary["planned"] == summary["sent"] == 50
    assert set(summary["codes"]) <= {"200", "202"}
    api = [
        s
        for s in metric_samples(server.url)
        if s.name == "http_requests_total" and s.labels["handler"].startswith("/v1/")
    ]
    assert sum(s.value for s in api) == 50


def start_cli(tmp_path: Path, **env: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingest_api",
            "--port",
            "0",
            "--db",
            str(tmp_path / "e.db"),
            "--bucket-dir",
            str(tmp_path / "bucket"),
        ],
        cwd=SERVICE_ROOT,
        env=os.environ | {"PYTHONPATH": str(SERVICE_ROOT)} | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on http://127.0.0.1:"), line
    return proc, line.removeprefix("listening on ")


def test_cli_serves_and_stops_gracefully_on_sigterm(tmp_path):
    proc, url = start_cli(tmp_path, INGEST_EXTRA_LATENCY_MS="400")
    try:
        assert request(url + "/healthz")[0] == 200
        result: list = []
        slow = threading.Thread(
            target=lambda: result.append(request(url + "/v1/accounts/acme/events", {"type": "a"}))
        )
        slow.start()
        time.sleep(0.15)  # the request is in flight, sleeping in the latency fault
        proc.send_signal(signal.SIGTERM)
        slow.join(10)
        assert result and result[0][0] == 202  # the request in flight was finished
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    logs = [json.loads(line) for line in proc.stderr.read().splitlines()]
    proc.stdout.close()
    proc.stderr.close()
    assert [entry["msg"] for entry in logs if entry["msg"] in ("started", "stopped")] == [
        "started",
        "stopped",
    ]
    assert all({"ts", "level", "msg", "request_id"} <= entry.keys() for entry in logs)
