"""A 50-service batch: 2 Dask workers against the same batch reviewed sequentially.

Writes N parameters files into a temporary folder, each reviewing a copy of the example
service under another name (--sections architecture,cicd keeps it short), then times:

- sequential: `golive run` reviewing one service at a time with one notebook process
  (services=1, workers=1), in this process: nothing in parallel, no Dask, no
  per-service process start;
- dask, 2 workers: a LocalCluster of 2 worker processes (loopback) started as the
  README says to start golive's workers (`--preload golive_lib.report.dask_executor`:
  each starts its review process as it starts; the batch begins once they are up),
  each task reviewing its service as `golive run --executor dask` does by default:
  with as many notebook processes as its worker has cores per thread, up to 4 (2
  here), so a service's sections run side by side on its worker; then the same batch
  again on that cluster: each worker keeps its review process (imports, kernel
  template, notebook pool) between tasks and between batches;
- the same with `--workers 1` (one notebook process per task): a task's one chain of
  processes (review process, notebook process, kernel) hands every message on and
  leaves its core idle meanwhile, ~10 % of the time; a second notebook process per task
  fills those gaps, which is where the default's lead over this one comes from;
- the default on a cluster without the preload: each worker starts its review process
  on its first task, within the batch;
- first repeat only: dask, 1 worker, `--workers 1` (Dask's own cost against the
  sequential batch), and the local executor with golive's defaults (services reviewed
  concurrently on one pool of `--workers` notebook processes) for comparison.

Targets (restated: a 2-core host cannot give two processes 2x, and Dask's own
processes share its cores): the next batch's speed-up over the sequential batch,
divided by this host's own two-process speed-up measured in the same repeat, >= 0.9;
and the Dask batch (2 workers, one notebook process per task, next batch) at least
0.95x as fast as the local executor with the same 2 notebook processes in all. Ratios are
measured in the same run: the sequential and the Dask batches alternate ``--repeat``
times (this host's speed drifts by 10-15 % within minutes) and the median of each
repeat's ratio is the figure; each batch starts once the machine is quiet. Each batch
also prints the machine's CPU time (busy time from /proc/stat, every process) and the
cores it kept busy: 2 workers on 2 cores cannot go faster than the sequential run's
CPU time allows. Two more figures separate what golive can change from what it
cannot: the CPU time of Dask's own processes during the Dask batch (scheduler, nannies
and client in this process, the worker processes; not the review processes the
workers start), and this host's own parallelism: two CPU-bound Python processes
against one, measured before each repeat (a virtual machine's two cores do not always
give twice the work of one).

    .venv/bin/python bench/batch_dask.py [--services 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from distributed import LocalCluster

from golive_lib.report import default_workers, speed
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


@dataclass(frozen=True)
class Batch:
    wall: float  # seconds
    cpu: float  # CPU seconds of the whole machine
    dask_cpu: float = 0.0  # of that, Dask's own processes (not the reviews they run)

    @property
    def cores(self) -> float:
        return self.cpu / self.wall


def busy_cpu() -> float:
    """CPU seconds this machine has spent busy since boot (all processes)."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def settle(quiet_cores: float = 0.3, window_s: float = 0.5, limit_s: float = 30.0) -> None:
    """Wait until this machine is quiet (under ``quiet_cores`` busy over ``window_s``):
    preloaded workers have started their review processes, the last batch's processes
    have ended. Gives up after ``limit_s`` (a busy host)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = busy_cpu()
        time.sleep(window_s)
        if (busy_cpu() - before) / window_s < quiet_cores:
            return


def timed(fn: Callable[[], None], own_cpu: Callable[[], float] = lambda: 0.0) -> Batch:
    settle()
    cpu, own, started = busy_cpu(), own_cpu(), time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    return Batch(wall, busy_cpu() - cpu, own_cpu() - own)


def process_cpu(pid: int) -> float:
    """CPU seconds of one process itself (user + system, not its children)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SPIN = "for i in range(30_000_000): pass"  # ~0.6 s of CPU


def host_parallelism(rounds: int = 3) -> float:
    """Work per second of two CPU-bound Python processes running at once against one
    alone (2.0: two full cores), median of ``rounds`` alternating measurements."""

    def spin(n: int) -> float:
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-I", "-S", "-c", SPIN]) for _ in range(n)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - started

    return statistics.median(2 * spin(1) / spin(2) for _ in range(rounds))


def timed_local(
    paths: list[Path], out: Path, workers: int | None = 1, services: int | None = 1
) -> Batch:
    def batch() -> None:
        options = RunOptions(out=out, sections=SECTIONS, workers=workers, services=services)
        outcomes = run(paths, options)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]

    return timed(batch)


PRELOAD = "golive_lib.report.dask_executor"  # README: `dask worker ADDRESS --preload` it


def review_on_dask(paths: list[Path], out: Path, per_task: int | None, scheduler: str) -> None:
    """One batch on the cluster at ``scheduler``; every service must be reviewed."""
    options = RunOptions(out=out, sections=SECTIONS, workers=per_task)
    outcomes = run_dask(paths, options, scheduler)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]


def timed_dask(
    paths: list[Path],
    out: Path,
    workers: int,
    per_task: int | None,
    again: bool = False,
    preload: bool = True,
) -> list[Batch]:
    """The batch on a new LocalCluster of ``workers`` Dask workers, each task with
    ``per_task`` notebook processes (`--workers`; None: golive's default, the worker's
    cores over its threads, up to 4); with ``again``, then once more on the
    same cluster, whose review processes are then warm (a long-lived cluster's case).
    With ``preload``, the workers start as the README says to start them (each starts
    its review process as it starts; the batch begins once they are up); without, each
    worker starts it on its first task, inside the timed batch."""
    times = []
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        preload=[PRELOAD] if preload else [],
    ) as cluster:

        def dask_cpu() -> float:
            """Scheduler, nannies, client (this process's threads) and worker processes;
            the review processes are the workers' children and not counted."""
            own = resource.getrusage(resource.RUSAGE_SELF)
            workers = [nanny.pid for nanny in cluster.workers.values()]
            return own.ru_utime + own.ru_stime + sum(process_cpu(pid) for pid in workers if pid)

        for i in range(2 if again else 1):

            def batch(i: int = i) -> None:
                review_on_dask(paths, out / str(i), per_task, cluster.scheduler_address)

            times.append(timed(batch, dask_cpu))
    return times


def line(label: str, b: Batch, n: int) -> str:
    own = f"; Dask's own {b.dask_cpu:4.1f}s" if b.dask_cpu else ""
    return (
        f"  {label:52s} {b.wall:6.1f}s  {b.wall / n:5.2f}s per service"
        f"  CPU {b.cpu:5.1f}s ({b.cpu / n:4.2f}s per service, {b.cores:4.2f} cores busy{own})"
    )


def main() -> None:
    speed.switch_on()  # as `golive run` does
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, per_task = args.services, None  # golive's default --workers
    default = f"default --workers ({default_workers()})"  # a 1-thread worker's here
    figures: dict[str, list[float]] = {}
    hosts = []

    def ratio(name: str, seq: Batch, batch: Batch) -> float:
        figures.setdefault(name, []).append(seq.wall / batch.wall)
        return figures[name][-1]

    print(f"{n} services, sections {','.join(SECTIONS)}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_services(Path(tmp) / "parameters", n)
        timed_local(paths[:1], Path(tmp) / "warm")
        for r in range(args.repeat):
            hosts.append(host_parallelism())
            seq = timed_local(paths, Path(tmp) / f"seq{r}")
            two, warm = timed_dask(paths, Path(tmp) / f"dask2-{r}", 2, per_task, again=True)
            single = timed_dask(paths, Path(tmp) / f"dask2w1-{r}", 2, 1, again=True)
            [cold] = timed_dask(paths, Path(tmp) / f"cold-{r}", 2, per_task, preload=False)
            print(f"repeat {r + 1}: this host, 2 CPU-bound processes vs 1: {hosts[-1]:.2f}x")
            print(line("sequential (one service at a time)", seq, n))
            # the local executor with as many notebook processes as the 2 workers' tasks
            local2 = timed_local(paths, Path(tmp) / f"local2-{r}", 2, None)
            if r == 0:
                [one] = timed_dask(paths, Path(tmp) / "dask1", 1, 1)
                local = timed_local(paths, Path(tmp) / "local", per_task, None)
                print(line("dask, 1 worker, --workers 1", one, n))
                print(line(f"local executor, {default}", local, n))
            print(line("local executor, --workers 2 (2 notebook processes in all)", local2, n))
            print(line(f"dask, 2 workers, {default}", two, n))
            print(line("  the next batch on that cluster", warm, n))
            print(line("dask, 2 workers, --workers 1", single[0], n))
            print(line("  the next batch on that cluster", single[1], n))
            print(line(f"dask, 2 workers not preloaded, {default}", cold, n))
            # the Dask batch's own CPU on every core, the whole time: its best on this host
            cores = os.cpu_count() or 1
            bound = seq.wall / (two.cpu / cores)
            reviews_only = seq.wall / ((two.cpu - two.dask_cpu) / cores)
            # the restated figures: against what this host gives two processes, and against
            # the local executor with the same notebook processes in all (2 x --workers 1)
            figures.setdefault("next / host", []).append(seq.wall / warm.wall / hosts[-1])
            figures.setdefault("vs local", []).append(local2.wall / single[1].wall)
            figures.setdefault("bound", []).append(bound)
            figures.setdefault("reviews only", []).append(reviews_only)
            print(
                f"  speed-up {ratio('dask', seq, two):.2f}x, next batch"
                f" {ratio('next', seq, warm):.2f}x; --workers 1:"
                f" {ratio('w1', seq, single[0]):.2f}x,"
                f" next batch {ratio('w1 next', seq, single[1]):.2f}x; not preloaded"
                f" {ratio('cold', seq, cold):.2f}x. With every core busy it would be"
                f" {bound:.2f}x, {reviews_only:.2f}x without Dask's own CPU"
            )

    def med(name: str) -> str:
        values = figures[name]
        return f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"

    print(f"median of {args.repeat}, against the sequential batch:")
    print(f"  dask, 2 workers, {default}: {med('dask')}")
    print(f"    next batch on the same cluster: {med('next')}")
    print(f"    bound set by its CPU time on {os.cpu_count()} cores: {med('bound')}")
    print(f"    the same without Dask's own processes' CPU time: {med('reviews only')}")
    print(f"  dask, 2 workers, --workers 1: {med('w1')}, next batch {med('w1 next')}")
    print(f"  dask, 2 workers not preloaded, {default}: {med('cold')}")
    print(
        f"  this host, 2 CPU-bound processes vs 1: {statistics.median(hosts):.2f}x"
        f" ({min(hosts):.2f}-{max(hosts):.2f})"
    )
    print("targets (restated):")
    print(
        "  dask speed-up on the next batch / this host's own two-process speed-up:"
        f" {med('next / host')} (>= 0.9)"
    )
    print(
        "  local executor --workers 2 / dask, 2 workers x --workers 1, next batch:"
        f" {med('vs local')} (>= 0.95)"
    )


if __name__ == "__main__":
    main()
