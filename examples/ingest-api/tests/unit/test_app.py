import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ingest_api.faults import Faults
from ingest_api.metrics import Metrics
from ingest_api.server import H_COUNT, H_EVENTS, IngestApp
from ingest_api.storage import EventStore, StorageError

EVENTS = "/v1/accounts/acme/events"


def samples(app: IngestApp) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = app.metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def requests_total(app, handler, method, code):
    key = ("http_requests_total", (("code", code), ("handler", handler), ("method", method)))
    return samples(app).get(key, 0.0)


def test_post_then_count(client, app):
    resp = client("POST", EVENTS, [{"type": "click"}, {"type": "view"}])
    assert resp.status == 202
    assert json.loads(resp.body) == {"accepted": 2}
    resp = client("POST", EVENTS, {"type": "click"})
    assert json.loads(resp.body) == {"accepted": 1}
    resp = client("GET", EVENTS + "/count")
    assert resp.status == 200
    assert json.loads(resp.body) == {"account": "acme", "count": 3}
    assert samples(app)[("ingest_events_total", (("account", "acme"),))] == 3
    assert requests_total(app, H_EVENTS, "POST", "202") == 2
    assert requests_total(app, H_COUNT, "GET", "200") == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/v1/accounts/Not_A_Slug!/events", {"type": "a"}, 400),
        ("GET", "/v1/accounts/ACME/events/count", None, 400),
        ("POST", EVENTS, b"{oops", 400),
        ("POST", EVENTS, {"payload": {}}, 400),
        ("GET", EVENTS, None, 405),
        ("POST", EVENTS + "/count", None, 405),
        ("POST", "/healthz", None, 405),
        ("GET", "/v1/accounts", None, 404),
        ("GET", "/", None, 404),
    ],
)
def test_client_errors(client, method, path, body, status):
    resp = client(method, path, body)
    assert resp.status == status
    assert "error" in json.loads(resp.body)


def test_errors_are_counted_under_route_templates(client, app):
    client("POST", "/v1/accounts/Bad!/events", {"type": "a"})
    client("GET", "/no/such/path")
    assert requests_total(app, H_EVENTS, "POST", "400") == 1
    assert requests_total(app, "unmatched", "GET", "404") == 1


def test_body_over_limit_is_413(client):
    resp = client("POST", EVENTS, b"[" + b" " * 5000 + b"]")
    assert resp.status == 413
    assert not resp.close  # drained: the client can read the answer


def test_huge_declared_body_closes_the_connection(client):
    resp = client("POST", EVENTS, b"", **{"Content-Length": str(10**9)})
    assert resp.status == 413 and resp.close


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Content-Length": "abc"}, 400), ({"Content-Length": "-1"}, 400), ({}, 411)],
)
def test_bad_content_length(app, headers, status):
    assert app.handle("POST", EVENTS, headers, io.BytesIO(b"{}")).status == status


def test_short_body_is_400(client):
    resp = client("POST", EVENTS, b"{}", **{"Content-Length": "10"})
    assert resp.status == 400


def test_request_id_is_echoed_or_generated(client):
    assert (
        client("GET", "/healthz", **{"X-Request-Id": "abc-123"}).headers["X-Request-Id"]
        == "abc-123"
    )
    generated = client("GET", "/healthz", **{"X-Request-Id": "bad id\n"}).headers["X-Request-Id"]
    assert len(generated) == 32


def test_health_ready_metrics(client):
    assert client("GET", "/healthz").status == 200
    assert json.loads(client("GET", "/readyz").body) == {"status": "ready"}
    resp = client("GET", "/metrics")
    assert resp.status == 200 and resp.content_type.startswith("text/plain")
    assert b"ingest_api_build_info{" in resp.body


def test_readyz_503_when_bucket_gone(client, bucket, app):
    bucket.rmdir()
    resp = client("GET", "/readyz")
    assert resp.status == 503
    assert samples(app)[("ingest_storage_errors_total", ())] == 1


class FailingObjects:
    def put(self, key, data):
        raise StorageError("object store write failed: simulated")

    def check(self):
        pass


def test_storage_failure_is_503_and_counted(tmp_path):
    app = IngestApp(EventStore(tmp_path / "e.db", FailingObjects()), Metrics())
    body = b'{"type": "a"}'
    resp = app.handle("POST", EVENTS, {"Content-Length": str(len(body))}, io.BytesIO(body))
    assert resp.status == 503 and resp.headers["Retry-After"] == "1"
    assert samples(app)[("ingest_storage_errors_total", ())] == 1
    assert ("ingest_events_total", (("account", "acme"),)) not in samples(app)


def test_error_rate_one_fails_api_but_not_probes(store):
    app = IngestApp(store, Metrics(), Faults(error_rate=1.0))
    body = b'{"type": "a"}'
    resp = app.handle("POST", EVENTS, {"Content-Length": str(len(body))}, io.BytesIO(body))
    assert resp.status == 500
    assert "injected" in json.loads(resp.body)["error"]
    assert store.count("acme") == 0
    assert app.handle("GET", "/readyz", {}, io.BytesIO()).status == 200
    assert requests_total(app, H_EVENTS, "POST", "500") == 1


def test_unexpected_exception_is_500_and_logged(store, caplog):
    app = IngestApp(store, Metrics())
    app._healthz = lambda: 1 / 0  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="ingest_api"):
        resp = app.handle("GET", "/healthz", {}, io.BytesIO())
    assert resp.status == 500
    assert "unhandled error" in caplog.text


def test_latency_histogram_has_slo_bucket(client, app):
    client("GET", "/healthz")
    key = (
        "http_request_duration_seconds_bucket",
        (("handler", "/healthz"), ("le", "0.25"), ("method", "GET")),
    )
    assert samples(app)[key] == 1


def test_access_log_levels(client, store, caplog):
    failing = IngestApp(store, Metrics(), Faults(error_rate=1.0))
    with caplog.at_level(logging.DEBUG, logger="ingest_api"):
        client("GET", "/metrics")
        client("POST", EVENTS, {"type": "a"})
        failing.handle("GET", EVENTS + "/count", {}, io.BytesIO())
    levels = [(r.fields["handler"], r.levelname) for r in caplog.records if r.msg == "request"]
    assert levels == [("/metrics", "DEBUG"), (H_EVENTS, "INFO"), (H_COUNT, "ERROR")]


class StalledBody(io.RawIOBase):
    """A request body whose client stopped sending: reads hit the socket timeout."""

    def read(self, size=-1):
        raise TimeoutError("timed out")


def test_stalled_body_is_408_and_closes(app):
    resp = app.handle("POST", EVENTS, {"Content-Length": "10"}, StalledBody())
    assert (resp.status, resp.close) == (408, True)


def test_stalled_oversized_body_is_413_and_closes(app):
    resp = app.handle("POST", EVENTS, {"Content-Length": "5000"}, StalledBody())
    assert (resp.status, resp.close) == (413, True)


def test_short_oversized_body_is_413_and_closes(client):
    resp = client("POST", EVENTS, b"x" * 10, **{"Content-Length": "5000"})
    assert (resp.status, resp.close) == (413, True)


def test_unexpected_error_is_counted_under_its_route(store):
    app = IngestApp(store, Metrics())
    app._count = lambda account: 1 / 0  # type: ignore[method-assign]
    assert app.handle("GET", EVENTS + "/count", {}, io.BytesIO()).status == 500
    assert requests_total(app, H_COUNT, "GET", "500") == 1
