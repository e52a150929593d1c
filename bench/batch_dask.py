"""A 50-service batch: 2 Dask workers against the same batch reviewed sequentially.

Writes N parameters files into a temporary folder, each reviewing a copy of the example
service under another name (--sections architecture,cicd keeps it short), then times:

- sequential: `golive run` reviewing one service at a time (services=1, workers=1),
  in this process: no Dask, no per-service process start;
- dask, 1 worker: the same tasks on a LocalCluster of 1 worker (one at a time);
- dask, 2 workers: a LocalCluster of 2 worker processes (loopback), 1 notebook process each;
  then the same batch again on that cluster: each Dask worker keeps its review process
  (imports, kernel template, notebook pool) between tasks and between batches, so a
  long-lived cluster starts them once, not once per batch.

Target: sequential / dask-2 >= 1.8x. Ratios are measured in the same run.

    .venv/bin/python bench/batch_dask.py [--services 50]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from distributed import LocalCluster

from golive_lib.report.dask_executor import run_dask
from golive_lib.report.run import RunOptions, run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "parameters" / "ingest-api.yaml"
SECTIONS = ("architecture", "cicd")


def write_services(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(
        r"^repository: \S+", f"repository: {ROOT / 'examples' / 'ingest-api'}", text, flags=re.M
    )
    paths = []
    for i in range(n):
        path = folder / f"svc-{i:02d}.yaml"
        path.write_text(
            re.sub(r"^  name: ingest-api\b", f"  name: svc-{i:02d}", text, count=1, flags=re.M),
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def timed_local(paths: list[Path], out: Path) -> float:
    started = time.perf_counter()
    outcomes = run(paths, RunOptions(out=out, sections=SECTIONS, workers=1, services=1))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    return time.perf_counter() - started


def timed_dask(paths: list[Path], out: Path, workers: int, again: bool = False) -> list[float]:
    """The batch on a new LocalCluster; with ``again``, then once more on the same
    cluster, whose review processes are then warm (a long-lived cluster's case)."""
    times = []
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        for i in range(2 if again else 1):
            started = time.perf_counter()
            outcomes = run_dask(
                paths,
                RunOptions(out=out / str(i), sections=SECTIONS, workers=1),
                cluster.scheduler_address,
            )
            times.append(time.perf_counter() - started)
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_services(Path(tmp) / "parameters", args.services)
        timed_local(paths[:1], Path(tmp) / "warm")
        seq = timed_local(paths, Path(tmp) / "seq")
        [one] = timed_dask(paths, Path(tmp) / "dask1", 1)
        two, warm = timed_dask(paths, Path(tmp) / "dask2", 2, again=True)
    n = args.services
    print(f"{n} services, sections {','.join(SECTIONS)}")
    print(f"  sequential (one service at a time) {seq:7.1f}s  {seq / n:5.2f}s per service")
    print(f"  dask, 1 worker                     {one:7.1f}s  {one / n:5.2f}s per service")
    print(f"  dask, 2 workers                    {two:7.1f}s  {two / n:5.2f}s per service")
    print(f"  dask, 2 workers, next batch        {warm:7.1f}s  {warm / n:5.2f}s per service")
    print(f"  speed-up vs sequential: {seq / two:.2f}x  (vs dask 1 worker: {one / two:.2f}x)")
    print(f"  next batch on the same cluster (review processes already started): {seq / warm:.2f}x")
    print("target: >= 1.8x vs sequential")


if __name__ == "__main__":
    main()
