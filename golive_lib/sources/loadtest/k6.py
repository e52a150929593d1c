"""k6 results: ``--summary-export`` JSON (or ``handleSummary``'s JSON) and ``--out json`` points.

Points (NDJSON, one JSON object a line, https://grafana.com/docs/k6/latest/results-output/
real-time/json/) are read by pyarrow's streaming JSON reader with an explicit schema, in
blocks: ``http_req_duration`` points give each request's time, latency and outcome (tag
``expected_response``, else the status code), ``vus`` points the concurrency (the peak is
the largest ``vus`` value, the VUs actually running; ``vus_max`` is the pool allocated and
is not read). Every other metric and the ``Metric`` declaration lines are ignored.

A summary (``--summary-export``'s flat metrics, or ``handleSummary``'s ``values`` shape)
gives one aggregate: ``http_reqs`` count and rate, ``http_req_failed`` (a Rate: its
``passes`` are failed requests), ``http_req_duration`` ``med``/``p(50)``, ``p(95)``,
``p(99)`` (a percentile absent from ``summaryTrendStats`` is None: not measured), the peak
``vus`` (its ``max``) and ``state.testRunDurationMs``. A summary holds no date: the test's
time is unknown (None), never the file's modification time, which a checkout resets.
Ignored: groups and checks (``root_group``), thresholds, custom metrics, ``options``.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

from . import (
    EmptyResult,
    Endpoint,
    LoadTest,
    LoadTestError,
    MalformedFile,
    MissingColumns,
)
from ._buckets import Aggregator, line_blocks, load_test

BLOCK_BYTES = 16 << 20  # read this much at a time; pyarrow parses it in 1 MiB blocks in parallel
DURATION = "http_req_duration"
VUS = "vus"


def _schema() -> Any:
    import pyarrow as pa

    tags = pa.struct(
        [
            ("name", pa.string()),
            ("method", pa.string()),
            ("status", pa.string()),
            ("expected_response", pa.string()),
        ]
    )
    data = pa.struct(
        [("time", pa.timestamp("ns", tz="UTC")), ("value", pa.float64()), ("tags", tags)]
    )
    return pa.schema([("type", pa.string()), ("metric", pa.string()), ("data", data)])


def _failed(status: Any, expected: Any) -> Any:
    """A request failed when k6 says so (expected_response), else on status 0 or >= 400."""
    import pyarrow as pa
    import pyarrow.compute as pc

    exp = pc.fill_null(expected, "")
    st = pc.fill_null(status, "0")
    code = pc.cast(pc.if_else(pc.utf8_is_digit(st), st, "0"), pa.int64())
    by_status = pc.or_(pc.equal(code, 0), pc.greater_equal(code, 400))
    failed = pc.if_else(pc.equal(exp, ""), by_status, pc.equal(exp, "false"))
    return failed.to_numpy(zero_copy_only=False)


def parse_points(path: str | Path, interval_s: float = 1.0) -> LoadTest:
    """Reduce a k6 ``--out json`` file to per-interval samples, in bounded memory."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    path = Path(path)
    agg = Aggregator(interval_s)
    rows = 0
    try:
        options = pj.ParseOptions(explicit_schema=_schema(), unexpected_field_behavior="ignore")
        for block in line_blocks(path, BLOCK_BYTES):
            batch = pj.read_json(
                io.BytesIO(block),
                read_options=pj.ReadOptions(block_size=1 << 20),
                parse_options=options,
            ).combine_chunks()
            rows += batch.num_rows
            metric = batch.column("metric").combine_chunks()
            data = batch.column("data").combine_chunks()
            is_point = pc.equal(batch.column("type").combine_chunks(), "Point")
            for want in (DURATION, VUS):
                mask = pc.fill_null(pc.and_(is_point, pc.equal(metric, want)), False)
                if not pc.any(mask).as_py():
                    continue
                d = pc.filter(data, mask)
                times = pc.struct_field(d, "time")
                values = pc.struct_field(d, "value")
                if pc.any(pc.or_(pc.is_null(times), pc.is_null(values))).as_py():
                    raise MalformedFile(path, f"a {want} point lacks data.time or data.value")
                t_s = pc.cast(times, pa.int64()).to_numpy() / 1e9
                if want == VUS:
                    agg.add_users(t_s, values.to_numpy())
                    continue
                tags = pc.struct_field(d, "tags")
                names = pc.fill_null(pc.struct_field(tags, "name"), "")
                methods = pc.fill_null(pc.struct_field(tags, "method"), "")
                keyed = pc.dictionary_encode(pc.binary_join_element_wise(methods, names, " "))
                dictionary = keyed.dictionary.to_pylist()
                keys = [tuple(k.split(" ", 1)) for k in dictionary]
                agg.add(
                    t_s,
                    values.to_numpy(),
                    _failed(
                        pc.struct_field(tags, "status"), pc.struct_field(tags, "expected_response")
                    ),
                    name_codes=keyed.indices.to_numpy(zero_copy_only=False),
                    name_keys=[(k[0], k[1] if len(k) > 1 else "") for k in keys],
                )
    except LoadTestError:
        raise
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise MalformedFile(
            path, f"not k6 --out json NDJSON, or truncated (after {rows} good lines): {e}"
        ) from e
    except OSError as e:
        raise LoadTestError(path, f"cannot read: {e}") from e
    if rows == 0:
        raise EmptyResult(path, "the file holds no line")
    if agg.requests == 0:
        raise EmptyResult(path, f"no {DURATION} point among {rows} lines: no request was made")
    return load_test("k6", path, agg)


def _metric(metrics: dict[str, Any], name: str) -> dict[str, Any]:
    """A metric's values in either shape (--summary-export flat, handleSummary `values`)."""
    m = metrics.get(name)
    if not isinstance(m, dict):
        return {}
    values = m.get("values", m)
    return values if isinstance(values, dict) else {}


def _num(d: dict[str, Any], *keys: str) -> float | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    return None


def parse_summary(path: str | Path) -> LoadTest:
    """One aggregate from a k6 summary JSON; no time series."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise LoadTestError(path, f"cannot read: {e}") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MalformedFile(path, f"not JSON, or truncated: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("metrics"), dict):
        raise MalformedFile(path, "not a k6 summary: no top-level `metrics` object")
    metrics = doc["metrics"]
    missing = [m for m in (DURATION, "http_reqs") if m not in metrics]
    if missing:
        raise MissingColumns(path, [f"metrics.{m}" for m in missing], sorted(metrics))
    reqs = _metric(metrics, "http_reqs")
    dur = _metric(metrics, DURATION)
    count = _num(reqs, "count")
    rate = _num(reqs, "rate")
    if not count:
        raise EmptyResult(path, "http_reqs.count is 0: no request was made")
    failed = _metric(metrics, "http_req_failed")
    # A Rate metric: `passes` counts true values, i.e. failed requests; `rate`/`value` the ratio.
    ratio = _num(failed, "rate", "value")
    failures = int(_num(failed, "passes") or round((ratio or 0.0) * count))
    # The peak of VUs running (the vus gauge's max), not vus_max: the pool allocated.
    users = _num(_metric(metrics, VUS), "max")
    total = Endpoint(
        name="Aggregated",
        method="",
        requests=int(count),
        failures=failures,
        throughput=rate,
        p50_ms=_num(dur, "med", "p(50)"),
        p95_ms=_num(dur, "p(95)"),
        p99_ms=_num(dur, "p(99)"),
    )
    return LoadTest(
        format="k6-summary",
        files=(path,),
        total=total,
        max_users=users,
    )
