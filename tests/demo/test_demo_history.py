"""golive_lib.demo.history: the generated history is valid OpenMetrics promtool accepts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from golive_lib.demo import history

END = datetime(2026, 3, 2, 12, tzinfo=UTC)


def small(**kw: object) -> history.HistoryParams:
    return history.HistoryParams(end=END, days=2, step_s=600, incidents=(), **kw)  # type: ignore[arg-type]


def test_openmetrics_has_types_strictly_increasing_timestamps_and_ends_with_eof() -> None:
    h = history.generate(small())
    lines = list(history.openmetrics_lines(h))
    assert lines[-1] == "# EOF\n"
    assert "# TYPE http_requests counter\n" in lines
    assert "# TYPE http_request_duration_seconds histogram\n" in lines
    last: dict[str, tuple[int, float]] = {}
    for line in lines:
        if line.startswith("#"):
            continue
        m = re.match(r"^(\S+\{.*\}) (\S+) (\d+)$", line.strip())
        assert m, line
        key, value, ts = m.group(1), float(m.group(2)), int(m.group(3))
        if key in last:
            assert ts > last[key][0]  # strictly increasing per series
            if "_sum" not in key:
                assert value >= last[key][1]  # counters never go down
        last[key] = (ts, value)
    assert max(ts for ts, _ in last.values()) == int(END.timestamp())


def test_an_incident_raises_the_error_share_only_during_it() -> None:
    p = small(error_rate=0.0)
    quiet = history.generate(p)
    hit = history.generate(
        history.HistoryParams(
            end=END,
            days=2,
            step_s=600,
            error_rate=0.0,
            incidents=(history.Incident(start_h=10, hours=2, error_rate=0.5),),
        )
    )
    assert sum(quiet.api_errors) == 0
    bad_steps = [i for i, e in enumerate(hit.api_errors) if e > 0]
    assert len(bad_steps) == 12  # 2 h at 10-minute steps
    assert abs(sum(hit.api_errors) / sum(hit.api_total[i] for i in bad_steps) - 0.5) < 1e-9


def test_blocks_are_built_once_and_reused(tmp_path: Path) -> None:
    p = small()
    first = history.build_blocks(p, cache=tmp_path)
    blocks = [b for b in first.iterdir() if b.is_dir()]
    assert blocks and all((b / "meta.json").is_file() for b in blocks)
    stamp = (first / "complete").stat().st_mtime_ns
    assert history.build_blocks(p, cache=tmp_path) == first
    assert (first / "complete").stat().st_mtime_ns == stamp  # not rebuilt
    data = tmp_path / "data"
    assert history.install_blocks(first, data) == len(blocks)
    assert p.key() != small(seed=8).key()
