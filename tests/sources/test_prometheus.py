"""golive_lib.sources.prometheus against the real Prometheus of the demo stack, and the
typed errors of a Prometheus that is down, slow, failing or talking nonsense.

The slow, failing and garbage servers below are small hand-written HTTP servers: a real
Prometheus cannot be made to answer 503 or hang on purpose. They test only how the
client classifies those answers, nothing of Prometheus' API.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from golive_lib.demo.processes import free_port
from golive_lib.sources.httpapi import AuthRefused, BadResponse, ServerError, TimedOut, Unreachable
from golive_lib.sources.prometheus import PrometheusClient, QueryRejected


def test_instant_and_range_queries_return_samples(demo_stack) -> None:  # type: ignore[no-untyped-def]
    c = PrometheusClient(demo_stack.prometheus_url)
    [s] = c.query('sum(up{job="ingest-api"})')
    assert s.value == 1.0 and s.labels == {}
    end = datetime.now(UTC)
    series = c.query_range(
        'sum(rate(http_requests_total{job="ingest-api"}[1h]))',
        end - timedelta(days=7),
        end,
        timedelta(hours=1),
    )
    assert len(series) == 1 and 160 <= len(series[0].points) <= 169
    assert c.calls == 2


def test_rules_and_flags(demo_stack) -> None:  # type: ignore[no-untyped-def]
    c = PrometheusClient(demo_stack.prometheus_url)
    rules = [r for g in c.rules() for r in g.rules]
    watchdog = next(r for r in rules if r.name == "IngestApiWatchdog")
    assert watchdog.kind == "alerting" and watchdog.query == "vector(1)"
    assert watchdog.file.endswith("rules.yml") and watchdog.labels["service"] == "ingest-api"
    assert c.flags()["storage.tsdb.retention.time"] == "120d"


def test_a_bad_query_keeps_the_query_and_prometheus_message(demo_stack) -> None:  # type: ignore[no-untyped-def]
    c = PrometheusClient(demo_stack.prometheus_url)
    with pytest.raises(QueryRejected) as info:
        c.query("sum(ratez(http_requests_total[5m]))")
    assert info.value.query == "sum(ratez(http_requests_total[5m]))"
    assert "unknown function" in info.value.server_message
    assert "ratez" in info.value.message


def test_no_data_is_an_empty_result_not_an_error(demo_stack) -> None:  # type: ignore[no-untyped-def]
    assert PrometheusClient(demo_stack.prometheus_url).query("no_such_metric_anywhere") == []


def test_nothing_listening_is_unreachable_and_fast() -> None:
    c = PrometheusClient(f"http://127.0.0.1:{free_port()}", connect_timeout_s=1)
    start = time.monotonic()
    with pytest.raises(Unreachable, match="unreachable"):
        c.query("up")
    assert time.monotonic() - start < 1.5


class _Handler(BaseHTTPRequestHandler):
    mode = "ok"
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append(dict(self.headers))
        if self.mode == "slow":
            time.sleep(3)
        status, body = {
            "503": (503, b"upstream overloaded"),
            "garbage": (200, b"<html>not json</html>"),
            "401": (401, b"unauthorized"),
        }.get(self.mode, (200, b'{"status":"success","data":{"resultType":"vector","result":[]}}'))
        self.send_response(status)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def odd_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"mode": "ok", "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("mode", "error", "text"),
    [
        ("slow", TimedOut, "timed out"),
        ("503", ServerError, "HTTP 503"),
        ("garbage", BadResponse, "not JSON"),
        ("401", AuthRefused, "refused the credentials"),
    ],
)
def test_each_failure_of_the_server_is_a_typed_error(odd_server, mode, error, text) -> None:  # type: ignore[no-untyped-def]
    url, handler = odd_server
    handler.mode = mode
    with pytest.raises(error, match=text) as info:
        PrometheusClient(url, timeout_s=0.5).query("up")
    assert info.value.source == f"Prometheus at {url}"


def test_auth_headers_are_sent_and_never_in_messages(odd_server) -> None:  # type: ignore[no-untyped-def]
    from golive_lib.sources.httpapi import basic, bearer

    url, handler = odd_server
    PrometheusClient(url, headers=bearer("tok-123")).query("up")
    PrometheusClient(url, headers=basic("u", "p")).query("up")
    PrometheusClient(url, headers={"X-Scope-OrgID": "tenant-a"}).query("up")
    assert handler.seen[0]["Authorization"] == "Bearer tok-123"
    assert handler.seen[1]["Authorization"] == "Basic dTpw"
    assert handler.seen[2]["X-Scope-OrgID"] == "tenant-a"
    handler.mode = "401"
    with pytest.raises(AuthRefused) as info:
        PrometheusClient(url, headers=bearer("tok-123")).query("up")
    assert "tok-123" not in str(info.value) and "tok-123" not in repr(info.value)


def test_a_port_that_accepts_but_never_answers_times_out() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        with pytest.raises(TimedOut):
            PrometheusClient(url, timeout_s=0.3).query("up")
