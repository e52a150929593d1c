"""Time the full review of the example on the demo stack against a floor, in one run.

The demo stack (example service, Prometheus with 30 days of history, Alertmanager) is
started once; the example is then reviewed with every section notebook present, and the
floor runs the same notebook files through the same pipeline (same pool, same worker
count, same rendering, kernels forked from the same kernel template) with every code
cell replaced by `pass`. Target: ratio <= 1.3.
Also prints each section notebook's own duration (from the progress lines) of the last
real run, to show where the time goes.

With the pre-mortem, the fault drill freezes the service and waits for its real alert to
fire and resolve: that wait is set by the service's alert rule (`for: 15s`) and the
scrape interval, not by golive, and runs after every other section (it must not show in
their live evidence). The ratio is then also printed without that window (read from the
drill's own evidence in results.json).

    .venv/bin/python bench/demo_speed.py [--repeat 3] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from run_speed import PARAMS, floor_notebooks

from golive_lib.demo.stack import DemoStack
from golive_lib.report import speed
from golive_lib.report.run import DEFAULT_NOTEBOOKS, RunOptions, notebooks_dir_sections, run

SECTIONS: tuple[str, ...] | None = None  # --sections: None reviews every section


def drill_window_s(folder: Path) -> float:
    """How long the fault drill kept the service disturbed (0 without a drill)."""
    doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    for check in doc["checks"]:
        data = check.get("data") or {}
        if check["id"] == "premortem.fault-drill" and data.get("disturbed_from"):
            start = datetime.fromisoformat(data["disturbed_from"])
            return (datetime.fromisoformat(data["disturbed_to"]) - start).total_seconds()
    return 0.0


def timed(
    notebooks: Path,
    out: Path,
    workers: int,
    lines: list[str] | None = None,
    windows: list[float] | None = None,
) -> float:
    started = time.perf_counter()
    progress = lines.append if lines is not None else (lambda _m: None)
    [o] = run(
        [PARAMS],
        RunOptions(
            out=out, notebooks_dir=notebooks, workers=workers, progress=progress, sections=SECTIONS
        ),
    )
    assert o.ok and o.folder is not None, o.error
    elapsed = time.perf_counter() - started
    if windows is not None:
        windows.append(drill_window_s(o.folder))
    return elapsed


def main() -> None:
    speed.switch_on()  # as `golive run` does
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sections", help="comma-separated section ids (default: all)")
    args = parser.parse_args()
    global SECTIONS
    SECTIONS = tuple(args.sections.split(",")) if args.sections else None
    with tempfile.TemporaryDirectory() as tmp, DemoStack() as stack:
        os.environ.update(stack.env())
        floor = floor_notebooks(Path(tmp) / "floor")
        timed(DEFAULT_NOTEBOOKS, Path(tmp) / "warm", args.workers)  # warm caches once
        real: list[float] = []
        base: list[float] = []
        lines: list[str] = []
        windows: list[float] = []
        for i in range(args.repeat):  # interleaved, so drift hits both alike
            base.append(timed(floor, Path(tmp) / f"f{i}", args.workers))
            lines.clear()
            real.append(timed(DEFAULT_NOTEBOOKS, Path(tmp) / f"r{i}", args.workers, lines, windows))
    n = len(SECTIONS or notebooks_dir_sections(DEFAULT_NOTEBOOKS)) + 1
    r, f = statistics.median(real), statistics.median(base)
    print(f"demo review: {n} notebooks, {args.workers} workers, median of {args.repeat}")
    print(f"  golive review  {r:6.2f}s  {[round(x, 2) for x in real]}")
    print(f"  floor          {f:6.2f}s  {[round(x, 2) for x in base]}")
    print(f"  ratio {r / f:.2f}x  (target <= 1.3x)")
    if any(windows):
        rest = statistics.median(x - w for x, w in zip(real, windows, strict=True))
        print(
            f"  without the fault drill's alert wait ({statistics.median(windows):.1f} s, set "
            f"by the alert rule): {rest:.2f}s, ratio {rest / f:.2f}x"
        )
    print("  per notebook (last real run):")
    for line in lines:
        m = re.search(r": (\w+) done in ([\d.]+)s", line)
        if m:
            print(f"    {m.group(1):20} {m.group(2):>6}s")


if __name__ == "__main__":
    main()
