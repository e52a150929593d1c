"""This checkout's `golive run` of the example against another checkout's, interleaved.

A change that moves code around (issue 24's splits) should not slow a review. Timing
each version alone on a shared host shows mostly the host's drift (10-20 % within
minutes), so the two versions alternate, pair by pair, and the figure is the median of
the paired ratios, in wall time and in CPU time (this process's children: the run, its
pool, kernel template and kernels, drills). Each run is the whole command, as a user
runs it: `python -m golive_lib run parameters/ingest-api.yaml` (no demo stack: the live
checks error fast), each version from its own checkout with this venv's packages.

    git worktree add --detach ../golive-before <commit>
    .venv/bin/python bench/compare_versions.py --baseline ../golive-before [--pairs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_run(checkout: Path, out: Path, workers: int) -> tuple[float, float]:
    """(wall s, CPU s of every process the run started) of one `golive run`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "golive_lib", "run", "parameters/ingest-api.yaml"]
        + ["--out", str(out), "--workers", str(workers), "--fail-on", "never"],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: golive run exited {done.returncode}: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    versions = {"baseline": args.baseline.resolve(), "this": ROOT}
    if not (versions["baseline"] / "golive_lib").is_dir():
        raise SystemExit(f"--baseline {args.baseline}: no golive_lib there (a checkout?)")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.pairs + 1):  # the first pair warms the page cache, untimed
            order = list(versions.items())
            for name, checkout in order if i % 2 else order[::-1]:  # who goes first alternates
                got = timed_run(checkout, Path(tmp) / f"{name}-{i}", args.workers)
                if i:
                    runs[name].append(got)
    print(f"example review, `golive run`, {args.workers} workers, {args.pairs} interleaved pairs")
    for name, checkout in versions.items():
        walls = [w for w, _ in runs[name]]
        cpus = [c for _, c in runs[name]]
        print(
            f"  {name:8} {str(checkout):40} wall median {statistics.median(walls):5.2f} s"
            f" ({min(walls):.2f}-{max(walls):.2f}), CPU median {statistics.median(cpus):5.2f} s"
        )
    for i, label in ((0, "wall"), (1, "CPU ")):
        ratios = [t[i] / b[i] for b, t in zip(runs["baseline"], runs["this"], strict=True)]
        print(
            f"  this / baseline, {label}: median {statistics.median(ratios):.3f}x"
            f" (pairs {min(ratios):.2f}-{max(ratios):.2f})"
        )
    print("target (issue 24): within 5 % of before (<= 1.05x)")


if __name__ == "__main__":
    main()
