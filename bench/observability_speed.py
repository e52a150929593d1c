"""Observability on the 28-day demo: the section's time, Prometheus calls per SLO and
points per chart series, against the stack's own start-up (run from the repository root).

    .venv/bin/python bench/observability_speed.py

Prints ratios measured in the same run: the section's collect + checks against one
bare instant query round trip, and against the demo stack's start (history cached).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golive_lib.demo.stack import DemoStack  # noqa: E402
from golive_lib.params import load_params  # noqa: E402
from golive_lib.sections import observability as obs  # noqa: E402
from golive_lib.sources.prometheus import PrometheusClient  # noqa: E402


def main() -> None:
    t0 = time.monotonic()
    with DemoStack() as stack:
        start_s = time.monotonic() - t0
        os.environ.update(stack.env())
        params = load_params(ROOT / "parameters" / "ingest-api.yaml")
        client = PrometheusClient(stack.prometheus_url)
        rtt = statistics.median(_timed(lambda: client.query("vector(1)")) for _ in range(20))
        runs = []
        for _ in range(5):
            t = time.monotonic()
            ev = obs.collect(params)
            checks = [fn(ev, params) for fn in obs.CHECKS]
            runs.append(time.monotonic() - t)
        section_s = statistics.median(runs)
        slos = len(ev.slos)
        points = [len(r.times) for r in ev.results.values()]
        print(
            f"demo stack start (history {stack.timings.get('history_s', 0):.2f} s, "
            f"first scraped sample {stack.timings.get('ready_s', 0):.2f} s): {start_s:.2f} s"
        )
        print(
            f"observability section (collect + {len(checks)} checks, {slos} SLOs, "
            f"median of 5): {section_s:.3f} s"
        )
        print(f"  vs one instant-query round trip {rtt * 1000:.1f} ms: {section_s / rtt:.0f}x")
        print(f"  vs the stack's start: {section_s / start_s:.2f}x")
        print(
            f"Prometheus calls: {ev.prometheus_calls} in all, "
            f"{(ev.prometheus_calls - 2) / slos:.1f} per SLO (+2: flags, rules)"
        )
        print(f"points per chart series: {points} (limit 720)")


def _timed(fn: object) -> float:
    t = time.monotonic()
    fn()  # type: ignore[operator]
    return time.monotonic() - t


if __name__ == "__main__":
    main()
