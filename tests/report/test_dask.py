"""`--executor dask`: one task per service on a real Dask LocalCluster (2 worker
processes on loopback); each task writes its report into the shared reports folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import minirun
import pytest
from conftest import ROOT, integration_fixture

from golive_lib.errors import ParamsError, ReportError
from golive_lib.model import Decision
from golive_lib.report import dask_executor
from golive_lib.report.run import ProgressEvent, RunOptions

distributed = pytest.importorskip("distributed")


# The scheduler's HTTP server (its /health and metrics routes; the dashboard is off)
# would take port 8787, or warn and move when a cluster elsewhere on the machine has it.
ANY_FREE_PORT = {"dashboard_address": "127.0.0.1:0"}


@pytest.fixture(scope="module")
@integration_fixture
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs=ANY_FREE_PORT,
    ) as c:
        yield c


def write_services(tmp: Path, names: list[str]) -> list[Path]:
    (tmp / "repo").mkdir(exist_ok=True)
    paths = []
    for name in names:
        path = tmp / f"{name}.yaml"
        path.write_text(minirun.PARAMS.format(name=name), encoding="utf-8")
        paths.append(path)
    return paths


def test_each_service_is_reviewed_by_a_dask_task(tmp_path, cluster):
    nbdir = minirun.notebooks(tmp_path / "notebooks")
    out = tmp_path / "reports"
    events: list[ProgressEvent] = []
    options = RunOptions(out=out, notebooks_dir=nbdir, workers=1, events=events.append)
    paths = write_services(tmp_path, ["svc-a", "svc-b", "svc-c"])
    outcomes = dask_executor.run_dask(paths, options, cluster.scheduler_address)
    # the progress display gets each service's steps from its worker, as a local run's
    for name in ("svc-a", "svc-b", "svc-c"):
        steps = [(e.stage, e.section, e.steps, e.total) for e in events if e.service == name]
        assert steps[0] == ("start", None, 0, 1)  # submitted
        assert ("start", None, 0, 3) in steps  # on its worker: 1 section, summary, rendering
        assert ("section", "cicd", 1, 3) in steps and ("summary", "summary", 2, 3) in steps
        assert steps[-1][0] == "done" and [s[0] for s in steps].count("done") == 1
    assert [o.service for o in outcomes] == ["svc-a", "svc-b", "svc-c"]
    for o in outcomes:
        assert o.ok and o.decision is Decision.NO_GO and o.counts["fail"] == 1
        assert o.folder is not None and o.folder.parent == (out / o.service).resolve()
        doc = json.loads((o.folder / "results.json").read_text())
        assert doc["service"] == o.service and doc["decision"] == "no-go"
        assert (o.folder / "report.html").is_file()
    assert (out / "index.html").is_file()


def test_the_cli_runs_on_dask_and_prints_each_folder(tmp_path, cluster):
    nbdir = minirun.notebooks(tmp_path / "notebooks")
    out = tmp_path / "reports"
    (out / "broken").mkdir(parents=True)
    (out / "broken" / "2026-01-01").write_text("x")  # an unrelated file must stay
    paths = write_services(tmp_path, ["one", "two"])
    cmd = [sys.executable, "-m", "golive_lib", "run", *map(str, paths), "--out", str(out)]
    cmd += ["--notebooks", str(nbdir), "--workers", "1", "--sections", "cicd"]
    cmd += ["--executor", "dask", "--scheduler", cluster.scheduler_address]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr  # both NO-GO
    folders = [Path(line) for line in proc.stdout.splitlines()]
    assert sorted(f.parent.name for f in folders) == ["one", "two"]
    assert all((f / "results.json").is_file() for f in folders)
    for name in ("one", "two"):  # off a terminal: plain progress lines, sections included
        assert f"golive: {name}: cicd done in " in proc.stderr
        assert f"golive: {name}: NO-GO" in proc.stderr


def test_bad_input_is_refused_before_anything_is_submitted(tmp_path, cluster):
    (tmp_path / "bad.yaml").write_text("schema_version: 1\nservice: {name: x}\n")
    out = tmp_path / "reports"
    with pytest.raises(ParamsError):
        dask_executor.run_dask(
            [tmp_path / "bad.yaml"], RunOptions(out=out), cluster.scheduler_address
        )
    assert not out.exists()


def test_dask_without_scheduler_is_bad_input(tmp_path):
    [path] = write_services(tmp_path, ["svc"])
    cmd = [sys.executable, "-m", "golive_lib", "run", str(path), "--executor", "dask"]
    cmd += ["--out", str(tmp_path / "reports")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--scheduler" in proc.stderr
    assert not (tmp_path / "reports").exists()


def test_missing_dask_fails_only_when_used_and_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ReportError, match=r"pip install 'golive\[dask\]'"):
        dask_executor._client("tcp://127.0.0.1:1")


def test_a_workers_review_process_serves_many_tasks_and_is_replaced_when_it_dies(tmp_path):
    """review_task as a Dask worker runs it (called here directly): the first task starts
    a review process, the next reuses it, one killed in between is replaced."""
    nbdir = minirun.notebooks(tmp_path / "notebooks")
    options = RunOptions(out=tmp_path / "reports", notebooks_dir=nbdir, workers=1)
    paths = write_services(tmp_path, ["p1", "p2", "p3", "p4"])
    specs = [dask_executor.task_spec(p, options) for p in paths]
    try:
        first = dask_executor.review_task(specs[0])
        [server] = dask_executor._IDLE
        second = dask_executor.review_task(specs[1])
        assert dask_executor._IDLE == [server] and server.served == 2  # the same process
        server.proc.kill()
        server.proc.wait()
        third = dask_executor.review_task(specs[2])
        [replacement] = dask_executor._IDLE
        assert replacement is not server and replacement.alive()
        # a review that raises fails that task, saying why; the process serves the next
        broken = dict(specs[3], notebooks_dir=str(tmp_path / "no-such-notebooks"))
        fourth = dask_executor.review_task(broken)
        assert dask_executor._IDLE == [replacement]
        fifth = dask_executor.review_task(specs[3])
        # a process found dead when a task arrives: that task fails, naming the exit
        replacement.proc.kill()
        replacement.proc.wait()
        dead = replacement.review(specs[3])
    finally:
        while dask_executor._IDLE:
            dask_executor._IDLE.pop().close()
    assert [r["service"] for r in (first, second, third, fifth)] == ["p1", "p2", "p3", "p4"]
    assert all(r["error"] is None and r["decision"] == "no-go" for r in (first, third, fifth))
    assert fourth["service"] is None and "review process failed" in fourth["error"]
    assert "no-such-notebooks" in fourth["error"]
    assert dead["service"] is None and dead["error"] == "review process failed: exit code -9"


def test_a_review_process_keeps_its_pool_and_replaces_a_broken_one(monkeypatch):
    import os
    import signal

    monkeypatch.setattr(dask_executor, "_pool", None)
    first = dask_executor._shared_pool(1)
    try:
        assert dask_executor._shared_pool(1) is first  # the next review reuses it
        worker = first.submit(os.getpid).result(timeout=60)
        os.kill(worker, signal.SIGKILL)  # a worker dies: the pool is broken
        with pytest.raises(Exception, match="terminated abruptly|broken"):
            first.submit(os.getpid).result(timeout=60)
        second = dask_executor._shared_pool(1)
        assert second is not first
        assert second.submit(os.getpid).result(timeout=60) != worker
        assert dask_executor._shared_pool(2) is not second  # another worker count
    finally:
        assert dask_executor._pool is not None
        dask_executor._pool[1].shutdown(cancel_futures=True)


def test_a_worker_started_with_the_preload_has_its_review_process_ready(tmp_path):
    [path] = write_services(tmp_path, ["svc-pre"])
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs=ANY_FREE_PORT,
            preload=["golive_lib.report.dask_executor"],
        ) as c,
        distributed.Client(c) as client,
    ):

        def review_processes() -> list[tuple[int, bool, int]]:
            from golive_lib.report import dask_executor as d

            return [(s.proc.pid, s.alive(), s.served) for s in d._IDLE]

        [(started, alive, served)] = next(iter(client.run(review_processes).values()))
        assert alive and served == 0  # there before any task
        nbdir = minirun.notebooks(tmp_path / "notebooks")
        options = RunOptions(out=tmp_path / "reports", notebooks_dir=nbdir, workers=1)
        [outcome] = dask_executor.run_dask([path], options, c.scheduler_address)
        assert outcome.ok, outcome.error
        # the task was served by the process the worker started
        assert next(iter(client.run(review_processes).values())) == [(started, True, 1)]
        # the preloaded worker did not profile the task's wait, and checks its event loop
        # every 0.5 s, not every 20 ms
        assert client.profile()["count"] == 0

        def tick_ms(dask_worker: distributed.Worker) -> float:
            return float(dask_worker.periodic_callbacks["tick"].callback_time)

        assert next(iter(client.run(tick_ms).values())) == dask_executor.TICK_MS


@pytest.mark.parametrize("workers", [2, None])
def test_a_task_runs_its_sections_side_by_side_on_workers_notebook_processes(
    tmp_path, cluster, workers
):
    """`--workers 2` reaches each task: its two section notebooks, each pausing 1 s first,
    run at the same time on the task's worker. Without `--workers`, the worker gives the
    task its cores over its threads (this cluster: 1 thread per worker), up to 4."""
    from dask.system import CPU_COUNT

    share = min(4, CPU_COUNT) if workers is None else workers
    nbdir = minirun.notebooks(tmp_path / "notebooks", ("cicd", "testing"), pause_s=1)
    options = RunOptions(out=tmp_path / "reports", notebooks_dir=nbdir, workers=workers)
    [path] = write_services(tmp_path, ["svc"])
    [outcome] = dask_executor.run_dask([path], options, cluster.scheduler_address)
    assert outcome.ok and outcome.folder is not None
    doc = json.loads((outcome.folder / "results.json").read_text())
    assert {c["id"].split(".")[0] for c in doc["checks"]} == {"cicd", "testing"}
    spans = []
    for name in ("02_cicd.ipynb", "09_testing.ipynb"):
        meta = json.loads((outcome.folder / name).read_text())["metadata"]["papermill"]
        spans.append((meta["start_time"], meta["end_time"]))
    (_, end_a), (start_b, _) = sorted(spans)
    # side by side: the second started before the first ended (one at a time on 1 core)
    assert (start_b < end_a) == (share >= 2), spans


def test_the_test_clusters_take_free_ports_not_dasks_defaults(cluster):
    # tornado's server keeps its listening sockets here (no public accessor)
    ports = {s.getsockname()[1] for s in cluster.scheduler.http_server._sockets.values()}
    assert ports and not ports & {8786, 8787}
    assert not cluster.scheduler_address.endswith((":8786", ":8787"))


def test_a_workers_share_is_its_cores_over_its_threads(cluster):
    """What a task gets without `--workers`, asked by tasks on the workers themselves: a
    worker with 1 thread gives its machine's cores (up to 4), one with more threads less."""
    from dask.system import CPU_COUNT

    def share_on(scheduler: str) -> int:
        with distributed.Client(scheduler, set_as_default=False) as client:
            return int(client.submit(dask_executor.worker_share, pure=False).result())

    assert share_on(cluster.scheduler_address) == min(4, CPU_COUNT)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=CPU_COUNT * 2,  # 2 threads per core: half a core per task
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs=ANY_FREE_PORT,
    ) as busy:
        assert share_on(busy.scheduler_address) == 1
    assert dask_executor.worker_share() == min(4, len(os.sched_getaffinity(0)))  # not on one
