"""CPU seconds per review, by process, under the Dask executor and the local one.

Wall-clock ratios on a shared 2-core host move with other tenants' load; the CPU time
a review costs moves much less. This script reviews the same services (copies of the
example, ``--sections architecture,cicd``, as bench/batch_dask.py) three ways in one
run, alternating ``--repeat`` times:

- local: the local executor, ``--workers 2`` (its defaults otherwise);
- dask: a LocalCluster of 2 preloaded workers, each task ``--workers 1``, the next
  batch on that cluster (review processes warm), as batch_dask.py's "vs local" figure;
- (before): the same with the preload as it was before it quieted its worker
  (`dask_executor.quiet_worker`): Dask's profiler and its 20 ms tick left on;

and prints, per service, the CPU time of every process of the run, grouped by what the
process is. How: before and after the batch, every process descending from this one
is read from /proc (user + system time of the process itself, and of its children
that ended and were waited for: a kernel's time lands in its kernel template's, a
drill's in its kernel's). A process alive at both reads contributes the difference;
one that ended in between is counted through its parent. For the local executor the
kernel template and the notebook pool are held open around the batch (``run`` then
uses them as a Dask review process does), so they are read before they end.

    .venv/bin/python bench/review_cpu.py [--services 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_dask import PRELOAD, SECTIONS, review_on_dask, settle, write_services  # noqa: E402
from distributed import LocalCluster  # noqa: E402

from golive_lib.report import kernels, preload  # noqa: E402
from golive_lib.report.run import RunOptions, new_pool, run  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU s, CPU s of its waited-for children) of one process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / TICK
    reaped = (int(fields[13]) + int(fields[14])) / TICK
    return ppid, own, reaped


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def snapshot(root: int) -> dict[int, tuple[str, float, float]]:
    """Every process descending from ``root`` (itself included): pid -> (role, own CPU
    s, its ended children's CPU s)."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (st := _stat(int(name))) is not None:
            stats[int(name)] = st
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _own, _reaped) in stats.items():
        children[ppid].append(pid)
    out: dict[int, tuple[str, float, float]] = {}

    def walk(pid: int, parent_role: str, parent_cmd: str) -> None:
        cmd = _cmdline(pid)
        role = _role(pid, cmd, parent_role, parent_cmd, root)
        _ppid, own, reaped = stats[pid]
        out[pid] = (role, own, reaped)
        for child in children.get(pid, []):
            walk(child, role, cmd)

    if root in stats:
        walk(root, "", "")
    return out


WALL = "(wall-clock s, not CPU)"
MAIN = "main (client, scheduler, nannies; local: the run)"


def _role(pid: int, cmd: str, parent_role: str, parent_cmd: str, root: int) -> str:
    if pid == root:
        return MAIN
    if "multiprocessing" in cmd and "resource_tracker" in cmd:
        return "other"
    if cmd.startswith("dask ") or "spawn_main" in cmd or "multiprocessing-fork" in cmd:
        return "dask worker"
    if cmd == parent_cmd and parent_role in (MAIN, "review process"):
        return "notebook process"
    if "dask_executor --serve" in cmd:
        return "review process"
    if "golive_lib.report.kernels" in cmd:
        return "kernel" if parent_role in ("kernel template", "kernel") else "kernel template"
    if parent_role in ("kernel", "kernel's children"):
        return "kernel's children"
    return "other"


def delta(
    before: dict[int, tuple[str, float, float]], after: dict[int, tuple[str, float, float]]
) -> dict[str, float]:
    """CPU s per role between two snapshots. A process's own time is its role's; the
    time of children it reaped meanwhile goes to "<role>: ended children"."""
    roles: dict[str, float] = defaultdict(float)
    for pid, (role, own, reaped) in after.items():
        b = before.get(pid)
        own0, reaped0 = (b[1], b[2]) if b is not None and b[0] == role else (0.0, 0.0)
        roles[role] += own - own0
        if reaped - reaped0 > 0:
            roles[f"{role}: ended children"] += reaped - reaped0
    # a process alive before and gone after: its parent's reaped time has all of it,
    # and the part already counted before is taken off
    for pid, (_kind, own, reaped) in before.items():
        if pid not in after:
            roles["(ended: already counted)"] -= own + reaped
    return dict(roles)


def measured(fn: Callable[[], None]) -> dict[str, float]:
    settle()
    me = os.getpid()
    before, started = snapshot(me), time.perf_counter()
    fn()
    roles = delta(before, snapshot(me))
    roles[WALL] = time.perf_counter() - started
    return roles


def local_batch(paths: list[Path], out: Path, workers: int) -> dict[str, float]:
    """The local executor, its template and pool held open across the reading."""
    options = RunOptions(out=out, sections=SECTIONS, workers=workers)
    with kernels.template([p.resolve() for p in paths]):
        preload()
        with new_pool(workers) as pool:
            # the pool's processes start on first use: start them before the reading
            list(pool.map(abs, range(workers)))

            def batch() -> None:
                outcomes = run(paths, options, pool)
                assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]

            return measured(batch)


# The preload as it was before it quieted the worker (`quiet_worker`): its review
# process only, Dask's profiler and 20 ms tick left on. Dask takes a preload's text too.
PRELOAD_DASK_DEFAULTS = """
from golive_lib.report import dask_executor


def dask_setup(worker):
    dask_executor._IDLE.append(dask_executor.ReviewProcess())


def dask_teardown(worker):
    dask_executor.dask_teardown(worker)
"""


def dask_batches(
    paths: list[Path], out: Path, per_task: int, preload: str = PRELOAD
) -> list[dict[str, float]]:
    """A first and a next batch on a new 2-worker preloaded LocalCluster."""
    roles = []
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        preload=[preload],
    ) as cluster:
        for i in range(2):

            def batch(i: int = i) -> None:
                review_on_dask(paths, out / str(i), per_task, cluster.scheduler_address)

            roles.append(measured(batch))
    return roles


def cpu(roles: dict[str, float]) -> float:
    return sum(v for k, v in roles.items() if k != WALL)


def table(runs: dict[str, list[dict[str, float]]], n: int) -> None:
    names = sorted({role for rs in runs.values() for r in rs for role in r})
    heads = list(runs)
    print(f"  {'CPU s per service (median of repeats)':48s}" + "".join(f"{h:>12s}" for h in heads))
    for role in names:
        cells = []
        for h in heads:
            values = [r.get(role, 0.0) / n for r in runs[h]]
            cells.append(f"{statistics.median(values):12.3f}")
        print(f"  {role:48s}" + "".join(cells))
    totals = [statistics.median(cpu(r) / n for r in runs[h]) for h in heads]
    print(f"  {'total':48s}" + "".join(f"{t:12.3f}" for t in totals))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.services
    runs: dict[str, list[dict[str, float]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_services(Path(tmp) / "parameters", n)
        for r in range(args.repeat):
            runs["local w2"].append(local_batch(paths, Path(tmp) / f"local-{r}", 2))
            _first, warm = dask_batches(paths, Path(tmp) / f"dask-{r}", 1)
            runs["dask next"].append(warm)
            _first, warm = dask_batches(
                paths, Path(tmp) / f"dask-defaults-{r}", 1, PRELOAD_DASK_DEFAULTS
            )
            runs["(before)"].append(warm)
            print(
                f"repeat {r + 1}:",
                {h: (round(rs[-1][WALL], 1), round(cpu(rs[-1]) / n, 3)) for h, rs in runs.items()},
                "(wall s, CPU s per service)",
                flush=True,
            )
    print(f"{n} services, sections {','.join(SECTIONS)}, {os.cpu_count()} cores")
    table(runs, n)


if __name__ == "__main__":
    main()
