"""Time the full review of the example on the demo stack against a floor, in one run.

The demo stack (example service, Prometheus with 30 days of history, Alertmanager) is
started once; the example is then reviewed with every section notebook present, and the
floor runs the same notebook files through the same pipeline (same pool, same worker
count, same rendering) with every code cell replaced by `pass`. Target: ratio <= 1.3.
Also prints each section notebook's own duration (from the progress lines) of the last
real run, to show where the time goes.

    .venv/bin/python bench/demo_speed.py [--repeat 3] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from run_speed import PARAMS, floor_notebooks

from golive_lib.demo.stack import DemoStack
from golive_lib.report.run import DEFAULT_NOTEBOOKS, RunOptions, notebooks_dir_sections, run

SECTIONS: tuple[str, ...] | None = None  # --sections: None reviews every section


def timed(notebooks: Path, out: Path, workers: int, lines: list[str] | None = None) -> float:
    started = time.perf_counter()
    progress = lines.append if lines is not None else (lambda _m: None)
    [o] = run(
        [PARAMS],
        RunOptions(
            out=out, notebooks_dir=notebooks, workers=workers, progress=progress, sections=SECTIONS
        ),
    )
    assert o.ok, o.error
    return time.perf_counter() - started


def main() -> None:
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
        for i in range(args.repeat):  # interleaved, so drift hits both alike
            base.append(timed(floor, Path(tmp) / f"f{i}", args.workers))
            lines.clear()
            real.append(timed(DEFAULT_NOTEBOOKS, Path(tmp) / f"r{i}", args.workers, lines))
    n = len(SECTIONS or notebooks_dir_sections(DEFAULT_NOTEBOOKS)) + 1
    r, f = statistics.median(real), statistics.median(base)
    print(f"demo review: {n} notebooks, {args.workers} workers, median of {args.repeat}")
    print(f"  golive review  {r:6.2f}s  {[round(x, 2) for x in real]}")
    print(f"  floor          {f:6.2f}s  {[round(x, 2) for x in base]}")
    print(f"  ratio {r / f:.2f}x  (target <= 1.3x)")
    print("  per notebook (last real run):")
    for line in lines:
        m = re.search(r": (\w+) done in ([\d.]+)s", line)
        if m:
            print(f"    {m.group(1):20} {m.group(2):>6}s")


if __name__ == "__main__":
    main()
