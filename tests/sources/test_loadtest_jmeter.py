"""JMeter JTL (CSV with JMeter's default header): parsed in blocks by pyarrow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from golive_lib.sources import loadtest

# JMeter's default CSV columns (jmeter.properties, saveservice defaults).
HEADER = (
    "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
    "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect"
)
T0_MS = 1_772_445_600_000  # 2026-03-02T10:00:00Z


def jtl(path: Path, seconds: int = 10, rps: int = 40, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lat = []
    rows = [HEADER]
    for s in range(seconds):
        threads = 2 * (s + 1)
        for i in range(rps):
            ms = int(rng.integers(5, 400))
            lat.append(ms)
            ok = i % 20 != 0
            label = "POST events" if i % 3 else "GET count"
            rows.append(
                f"{T0_MS + s * 1000 + i * 10},{ms},{label},{200 if ok else 503},"
                f"{'OK' if ok else 'Service Unavailable'},Thread Group 1-{i % threads + 1},text,"
                f"{'true' if ok else 'false'},{'' if ok else 'HTTP 503'},120,300,{threads},"
                f"{threads},http://127.0.0.1:8080/v1/x,{ms - 1},0,1"
            )
    path.write_text("\n".join(rows) + "\n")
    return np.array(lat, dtype=float)


def test_jtl_becomes_samples_with_threads_errors_and_labels(tmp_path):
    path = tmp_path / "results.jtl"
    lat = jtl(path)
    result = loadtest.load(path)
    assert result.format == "jmeter"
    assert (result.total.requests, result.total.failures) == (400, 20)
    assert [s.users for s in result.samples] == [2.0 * (s + 1) for s in range(10)]
    assert all(s.requests == 40 for s in result.samples)
    assert result.total.p95_ms == pytest.approx(
        float(np.percentile(lat, 95, method="inverted_cdf")), rel=0.016
    )
    assert {e.name for e in result.endpoints} == {"POST events", "GET count"}


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "bad.jtl"
    path.write_text("timeStamp,label,responseCode\n1,a,200\n")
    with pytest.raises(loadtest.MissingColumns) as e:
        loadtest.load(path, "jmeter")
    assert e.value.columns == ["elapsed", "success"]
    assert "elapsed, success" in str(e.value)


def test_truncated_jtl_is_an_error(tmp_path):
    path = tmp_path / "cut.jtl"
    jtl(path, seconds=2, rps=5)
    path.write_text(path.read_text()[:-60])
    with pytest.raises(loadtest.MalformedFile, match="truncated or malformed"):
        loadtest.load(path, "jmeter")


def test_header_only_is_an_empty_result(tmp_path):
    path = tmp_path / "empty.jtl"
    path.write_text(HEADER + "\n")
    with pytest.raises(loadtest.EmptyResult):
        loadtest.load(path, "jmeter")
    path.write_text("")
    with pytest.raises(loadtest.EmptyResult):
        loadtest.load(path, "jmeter")


def test_formatted_timestamps_are_explained(tmp_path):
    path = tmp_path / "fmt.jtl"
    path.write_text("timeStamp,elapsed,success\n2026/03/02 10:00:00,12,true\n")
    with pytest.raises(loadtest.MalformedFile, match="epoch milliseconds"):
        loadtest.load(path, "jmeter")


def test_xml_jtl_is_read_counting_top_level_samples_only(tmp_path):
    path = tmp_path / "x.jtl"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testResults version="1.2">\n'
        '<httpSample t="120" ts="1764000000000" s="true" lb="GET /a" rc="200" na="2" ng="2">'
        '<httpSample t="60" ts="1764000000000" s="true" lb="GET /a-0" rc="302"/>'
        "</httpSample>\n"
        '<httpSample t="80" ts="1764000000500" s="false" lb="GET /b" rc="500" na="3"/>\n'
        '<sample t="10" ts="1764000001200" s="true" lb="tx" na="3"/>\n'
        "</testResults>\n"
    )
    r = loadtest.load(path)
    assert r.format == "jmeter"
    # the redirect nested in the first sample is part of it, not a fourth request
    assert (r.total.requests, r.total.failures, r.max_users) == (3, 1, 3)
    assert r.started is not None and r.started.year == 2025


def test_a_truncated_xml_jtl_names_the_position(tmp_path):
    path = tmp_path / "x.jtl"
    path.write_text('<testResults version="1.2">\n<httpSample t="1" ts="1" s="true"/>\n<http')
    with pytest.raises(loadtest.MalformedFile, match="line 3"):
        loadtest.load(path)
