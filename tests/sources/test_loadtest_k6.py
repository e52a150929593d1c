"""k6 results: summary JSON (both documented shapes) and --out json NDJSON points."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from golive_lib.sources import loadtest
from golive_lib.sources.loadtest import k6

DATA = Path(__file__).resolve().parents[1] / "data" / "loadtest"
T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def k6_points(path: Path, seconds: int = 20, rps: int = 50, seed: int = 1) -> np.ndarray:
    """A k6 --out json file as documented: Metric lines, then Point lines per request
    (http_reqs, http_req_duration, http_req_failed) and a vus gauge each second.
    Returns every latency written, to compare percentiles with."""
    rng = np.random.default_rng(seed)
    latencies = []
    with path.open("w") as f:
        for name, kind in (
            ("http_reqs", "counter"),
            ("http_req_duration", "trend"),
            ("http_req_failed", "rate"),
            ("vus", "gauge"),
        ):
            f.write(
                json.dumps(
                    {
                        "type": "Metric",
                        "data": {
                            "name": name,
                            "type": kind,
                            "contains": "time" if kind == "trend" else "default",
                            "thresholds": [],
                            "submetrics": None,
                        },
                        "metric": name,
                    }
                )
                + "\n"
            )
        for s in range(seconds):
            vus = 5 + s
            t = (T0 + timedelta(seconds=s)).astimezone(
                __import__("datetime").timezone(timedelta(hours=2))
            )
            f.write(
                json.dumps(
                    {
                        "type": "Point",
                        "metric": "vus",
                        "data": {"time": t.isoformat(), "value": vus, "tags": None},
                    }
                )
                + "\n"
            )
            for i in range(rps):
                ms = float(rng.lognormal(3, 0.5))
                latencies.append(ms)
                status = "500" if i % 25 == 0 else "200"
                tags = {
                    "group": "",
                    "method": "POST" if i % 2 else "GET",
                    "name": "http://127.0.0.1/v1/x",
                    "proto": "HTTP/1.1",
                    "scenario": "default",
                    "status": status,
                    "expected_response": "false" if status == "500" else "true",
                }
                when = (t + timedelta(microseconds=i * 1000)).isoformat()
                for metric, value in (
                    ("http_reqs", 1),
                    ("http_req_duration", ms),
                    ("http_req_failed", 1 if status == "500" else 0),
                ):
                    f.write(
                        json.dumps(
                            {
                                "type": "Point",
                                "metric": metric,
                                "data": {"time": when, "value": value, "tags": tags},
                            }
                        )
                        + "\n"
                    )
    return np.array(latencies)


def test_points_become_one_sample_a_second_with_users_errors_and_percentiles(tmp_path):
    path = tmp_path / "out.json"
    lat = k6_points(path, seconds=20, rps=50)
    result = loadtest.load(path)  # format detected from the first line
    assert result.format == "k6"
    assert result.total.requests == 1000
    assert result.total.failures == 40  # 2 of every 50 answered 500
    assert len(result.samples) == 20
    assert result.samples[0].users == 5 and result.max_users == 24
    assert result.started == T0 + timedelta(seconds=1)  # end of the first interval, in UTC
    for q, got in ((50, result.total.p50_ms), (95, result.total.p95_ms), (99, result.total.p99_ms)):
        exact = float(np.percentile(lat, q, method="inverted_cdf"))
        assert got == pytest.approx(exact, rel=0.016), q
    assert {e.method for e in result.endpoints} == {"GET", "POST"}
    assert sum(e.requests for e in result.endpoints) == 1000


def test_status_decides_failure_when_expected_response_is_absent(tmp_path):
    path = tmp_path / "old.json"
    lines = [
        {
            "type": "Point",
            "metric": "http_req_duration",
            "data": {"time": "2026-03-02T10:00:00.5Z", "value": 12.0, "tags": {"status": code}},
        }
        for code in ("200", "404", "0", "302")
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = k6.parse_points(path)
    assert (result.total.requests, result.total.failures) == (4, 2)


def test_truncated_ndjson_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "cut.json"
    k6_points(path, seconds=2, rps=5)
    text = path.read_text()
    path.write_text(text[: len(text) - 40])
    with pytest.raises(loadtest.MalformedFile) as e:
        loadtest.load(path, "k6")
    assert str(path) in str(e.value)


def test_points_without_requests_are_an_empty_result(tmp_path):
    path = tmp_path / "vus-only.json"
    path.write_text(
        json.dumps(
            {
                "type": "Point",
                "metric": "vus",
                "data": {"time": "2026-03-02T10:00:00Z", "value": 3, "tags": {}},
            }
        )
        + "\n"
    )
    with pytest.raises(loadtest.EmptyResult, match="no http_req_duration point"):
        loadtest.load(path, "k6")


def test_summary_export_gives_the_aggregate_and_no_date_since_it_holds_none():
    result = loadtest.load(DATA / "k6-summary-export.json")
    assert result.format == "k6-summary"
    t = result.total
    assert (t.requests, t.failures, t.throughput) == (12000, 60, 199.96)
    assert (t.p50_ms, t.p95_ms, t.p99_ms) == (30.5, 120.5, 310.25)
    assert result.max_users == 50 and result.samples == ()  # the vus gauge's max
    # the file's modification time is not the test's date: a fresh checkout resets it
    assert result.ended is None and result.started is None and result.duration is None


def test_handle_summary_shape_is_read_too():
    result = loadtest.load(DATA / "k6-handle-summary.json", "k6-summary")
    t = result.total
    assert (t.requests, t.failures, t.p95_ms, t.p99_ms) == (3000, 30, 55.5, None)
    # only vus_max (the 20 VUs allocated) is there: how many ran at the peak is unknown
    assert result.max_users is None


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (
            '{"metrics": {"http_reqs": {"count": 1}}}',
            loadtest.MissingColumns,
            "metrics.http_req_duration",
        ),
        (
            '{"metrics": {"http_reqs": {"count": 0, "rate": 0}, "http_req_duration": {}}}',
            loadtest.EmptyResult,
            "no request",
        ),
        ('{"metrics": {"http_reqs": ', loadtest.MalformedFile, "truncated"),
        ("[1, 2]", loadtest.MalformedFile, "no top-level `metrics`"),
    ],
    ids=["missing duration", "no requests", "truncated", "not a summary"],
)
def test_bad_summaries_say_what_is_wrong(tmp_path, content, error, words):
    path = tmp_path / "summary.json"
    path.write_text(content)
    with pytest.raises(error, match=words):
        loadtest.load(path, "k6-summary")


def test_unknown_format_is_refused(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(loadtest.UnknownFormat):
        loadtest.load(path)
    with pytest.raises(loadtest.UnknownFormat, match="expected one of"):
        loadtest.load(DATA / "k6-summary-export.json", "gatling")
