"""Reviews fanned out over a Dask distributed cluster: one task per service.

Every parameters file is validated here first (bad input: nothing is submitted). Each
task then reviews one service in a review process beside its Dask worker
(`python -m golive_lib.report.dask_executor --serve`), with that process's own local
notebook pool: a Dask worker is a daemonic process, which may not fork a process pool
itself, and a separate process also keeps a crashing kernel or a leaking import out of
the long-lived worker. A review process serves one task at a time and stays for the
next ones (papermill, nbconvert and the renderer are imported and warmed once, ~1.5 s
that a fresh process per task paid every time; its kernel template and notebook pool
serve every review too); one that dies is replaced at the next
task, and one that served `RECYCLE_AFTER` reviews is replaced too. The task writes into
the report store (``--out``) that the workers share with this machine (a network file
system or the same disk): every path handed to a task is absolute and must mean the
same on the workers.

Needs the optional extra: pip install 'golive[dask]'.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReportError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .run import ProgressEvent, RunOptions, RunOutcome

# A Dask worker imports this module to run `review_task`, which needs none of the review
# machinery (pydantic, the run): that is imported by the functions that use it, so a
# worker starts its review process ~0.2 s sooner.

INSTALL = "pip install 'golive[dask]'  (or: pip install 'dask[distributed]')"
CONNECT_TIMEOUT_S = 30


def _client(scheduler: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ReportError(
            f"--executor dask needs dask.distributed, not installed: {INSTALL}"
        ) from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ReportError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None


def task_spec(path: Path, options: RunOptions, run_id: str | None = None) -> dict[str, Any]:
    """What a worker needs to review one service; plain JSON, absolute paths. With
    ``run_id``, the review's progress goes to the client as Dask events (PROGRESS_TOPIC)
    of that run; without, it stays on the worker."""
    return {
        "params": str(path.resolve()),
        "out": str(options.out.resolve()),
        "sections": list(options.sections) if options.sections is not None else None,
        "workers": options.workers,
        "notebooks_dir": str(options.notebooks_dir.resolve()),
        "cell_timeout_s": options.cell_timeout_s,
        "run_date": (options.run_date or date.today()).isoformat(),
        "run": run_id,
    }


RESULT = "golive-review-result "  # prefixes the one stdout line a review answers with
# A review process's stderr: its progress as structured events (a ProgressEvent's fields
# as JSON) after EVENT, and END once a review's last event is written, before its result.
EVENT = "golive-review-event "
END = "golive-review-end"
PROGRESS_TOPIC = "golive-progress"  # one topic: the scheduler keeps a topic's last events
EVENTS_WAIT_S = 1.0  # the longest a service's end waits for its progress events
RECYCLE_AFTER = 100  # reviews served before a review process is replaced


class ReviewProcess:
    """A ``--serve`` child of a Dask worker: one JSON line in (a task spec), one result
    line out, per review. Its stderr (progress, errors) is kept as a short tail for the
    message of a review that fails; its progress events go to ``on_event``."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "golive_lib.report.dask_executor", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.served = 0
        self.tail: collections.deque[str] = collections.deque(maxlen=3)
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self._ended = threading.Event()  # END read: the review's events are all passed on
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if line.startswith(EVENT):
                on_event = self.on_event
                if on_event is not None:
                    with contextlib.suppress(Exception):  # progress only: never the review
                        on_event(json.loads(line[len(EVENT) :]))
            elif line.strip() == END:
                self._ended.set()
            elif line.strip():
                self.tail.append(line.strip())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def review(self, spec: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.served += 1
        self.tail.clear()  # the tail of this review only
        self._ended.clear()
        try:
            self.proc.stdin.write(json.dumps(spec) + "\n")
            self.proc.stdin.flush()
            for line in self.proc.stdout:
                if line.startswith(RESULT):
                    result: dict[str, Any] = json.loads(line[len(RESULT) :])
                    # its progress, written before the result, passed on before it
                    self._ended.wait(timeout=2)
                    return result
        except (OSError, ValueError):
            pass  # a broken pipe: the process died; said below
        code = self.proc.wait()
        self._drainer.join(timeout=1)  # its last words, unless a child still holds stderr
        tail = " | ".join(self.tail) or f"exit code {code}"
        return {"service": None, "error": f"review process failed: {tail}"}

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()  # end of input: it exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._drainer.join(timeout=1)
        streams = [self.proc.stdout] + ([] if self._drainer.is_alive() else [self.proc.stderr])
        for stream in streams:  # (stderr stays with a drainer still reading it)
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


_IDLE: list[ReviewProcess] = []  # review processes of this Dask worker not serving now
_IDLE_LOCK = threading.Lock()


def review_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs on a Dask worker: review one service in one of the worker's review processes
    (started on first use; one per task running at the same time); its outcome as a dict.
    A spec without a notebook-process count (``--workers`` not given) gets the worker's
    share of its machine (`worker_share`)."""
    if spec.get("workers") is None:
        spec = {**spec, "workers": worker_share()}
    with _IDLE_LOCK:
        server = _IDLE.pop() if _IDLE else None
    if server is None or not server.alive():
        server = ReviewProcess()
    server.on_event = _forward(spec.get("run"))
    try:
        result = server.review(spec)
    finally:
        server.on_event = None
    if server.alive() and server.served < RECYCLE_AFTER:
        with _IDLE_LOCK:
            _IDLE.append(server)
    else:
        server.close()
    return result


def worker_share() -> int:
    """Notebook processes for a task on this Dask worker: the cores Dask counts for this
    process (affinity and cgroup quota included) over the tasks the worker runs at once
    (its threads), up to 4 (`report.default_workers`); the client's own cores say nothing
    of the workers'. Outside a worker: this machine's default."""
    from . import default_workers

    try:
        from dask.system import CPU_COUNT
        from distributed import get_worker

        threads = max(1, get_worker().state.nthreads)
    except (ImportError, ValueError):
        return default_workers()
    return default_workers(CPU_COUNT // threads)


def _forward(run_id: str | None) -> Callable[[dict[str, Any]], None] | None:
    """Sends a review's progress events to the client, through the scheduler, as Dask
    events of that run; None outside a Dask worker (or without a run id)."""
    if not run_id:
        return None
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None
    return lambda event: worker.log_event(PROGRESS_TOPIC, {"run": run_id, "event": event})


def dask_setup(worker: Any) -> None:
    """`dask worker ADDRESS --preload golive_lib.report.dask_executor`: the worker starts
    its review process as it starts, not on its first task (the ~1.5-3 s that the first
    batch on a new cluster would otherwise wait for), and spends less CPU on its own
    bookkeeping (`quiet_worker`)."""
    quiet_worker(worker)
    server = ReviewProcess()
    with _IDLE_LOCK:
        _IDLE.append(server)


# A worker's periodic work that a golive task gives nothing to do. Its statistical
# profiler samples the stack of every running task's thread 100 times a second; a golive
# task's thread only waits for its review process's answer. Its event-loop check runs
# every 20 ms (it warns when the loop was blocked for `distributed.admin.tick.limit`, 3 s
# by default). Measured on a 2-worker LocalCluster whose tasks wait on a child's pipe
# (2 cores): the two did ~0.04 and ~0.03 CPU-s a second of the workers' ~0.09.
PROFILER_CALLBACKS = ("profile", "profile-cycle")
TICK_CALLBACK, TICK_MS = "tick", 500


def quiet_worker(worker: Any) -> None:
    """Run by the preload before the worker starts its periodic callbacks: no profiler,
    the event-loop check every 0.5 s (still well under the 3 s it warns at). Only what
    the worker has (another Dask version may name them otherwise: left as they are)."""
    callbacks = getattr(worker, "periodic_callbacks", None)
    if not isinstance(callbacks, dict):
        return
    for name in PROFILER_CALLBACKS:
        callback = callbacks.pop(name, None)
        if callback is not None:
            callback.stop()  # not started yet; stopped in case it was
    tick = callbacks.get(TICK_CALLBACK)
    if tick is not None and getattr(tick, "callback_time", TICK_MS) < TICK_MS:
        tick.callback_time = TICK_MS


def dask_teardown(worker: Any) -> None:
    """The worker is closing: end its review processes (they would end with it anyway)."""
    with _IDLE_LOCK:
        idle = list(_IDLE)
        _IDLE.clear()
    for server in idle:
        server.close()


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    from .run import RunOptions, run

    workers = int(spec["workers"])  # review_task said it, if the client did not
    options = RunOptions(
        out=Path(spec["out"]),
        sections=tuple(spec["sections"]) if spec["sections"] is not None else None,
        workers=workers,
        notebooks_dir=Path(spec["notebooks_dir"]),
        cell_timeout_s=spec["cell_timeout_s"],
        run_date=date.fromisoformat(spec["run_date"]),
        progress=lambda msg: print(f"golive: {msg}", file=sys.stderr, flush=True),
        events=_print_event if spec.get("run") else None,
        portfolio=False,  # the client rewrites index.html as the services end
    )
    [o] = run([Path(spec["params"])], options, _shared_pool(workers))
    return {
        "service": o.service,
        "folder": str(o.folder) if o.folder else None,
        "decision": o.decision.value if o.decision else None,
        "counts": o.counts,
        "error": o.error,
    }


def _print_event(event: ProgressEvent) -> None:
    print(EVENT + json.dumps(asdict(event)), file=sys.stderr, flush=True)


def _outcome(name: str, result: dict[str, Any]) -> RunOutcome:
    from ..model import Decision
    from .run import RunOutcome, failed

    if result.get("error") or not result.get("folder"):
        return failed(name, str(result.get("error") or "no report folder"))
    return RunOutcome(
        name,
        Path(result["folder"]),
        Decision(result["decision"]),
        {str(k): int(v) for k, v in result["counts"].items()},
    )


class _Events:
    """The progress of one run's services as their workers send it (Dask events).

    Per service: its worker's last event arrived. The client hands events over a moment
    after the task's result sometimes, though the worker sent them first: a service's
    end waits for them (briefly), and a step arriving after that end is not shown.
    """

    def __init__(self, options: RunOptions, run_id: str, services: list[str]) -> None:
        self.options = options
        self.run_id = run_id  # its events, not those of another run on the cluster
        self.last_event = {name: threading.Event() for name in services}
        self.ended: set[str] = set()
        self.lock = threading.Lock()
        self.wait_s = EVENTS_WAIT_S

    def progress(self, event: tuple[float, Any]) -> None:
        """A step of a service's review (a section, the summary) ended on its worker."""
        from .run import emit

        msg = event[1]
        if not isinstance(msg, dict) or msg.get("run") != self.run_id:
            return
        step = msg.get("event")
        if not isinstance(step, dict) or step.get("service") not in self.last_event:
            return
        if step.get("stage") in ("done", "failed"):  # said below, from the task's result
            self.last_event[step["service"]].set()
            return
        with self.lock, contextlib.suppress(Exception):
            if step["service"] not in self.ended:
                emit(self.options, **step)

    def wait_last(self, name: str) -> None:
        if self.wait_s and not self.last_event[name].wait(self.wait_s):
            self.wait_s = 0  # no event came (a review process that died): no more waits

    def end(self, name: str, outcome: RunOutcome) -> None:
        from .run import emit

        with self.lock:
            self.ended.add(name)
            if outcome.ok and outcome.decision is not None:
                emit(self.options, name, "done", outcome.decision.value.upper())
            else:
                emit(self.options, name, "failed", f"could not be reviewed: {outcome.error}")


def run_dask(params_paths: Sequence[Path], options: RunOptions, scheduler: str) -> list[RunOutcome]:
    """Validate locally, then one Dask task per service; outcomes in the order given.

    A task that raises or whose worker dies is a failed outcome; the others go on. An
    interrupt cancels the services not started yet; running ones end on their worker
    (each leaves its complete report or nothing) and the interrupt is raised.
    """
    from dataclasses import replace

    from . import portfolio
    from .run import emit, prepare

    loaded = prepare(params_paths, options)
    options = replace(options, run_date=options.run_date or date.today())
    client = _client(scheduler)
    events = _Events(options, uuid.uuid4().hex, [params.service.name for _p, params in loaded])
    client.subscribe_topic(PROGRESS_TOPIC, events.progress)
    # out/index.html rewritten as services end, and once more as this ends (also when
    # interrupted); then the client closes
    with contextlib.closing(client), portfolio.Rewriter(options.out) as rewriter:
        names: dict[str, str] = {}
        futures = []
        finished = threading.Event()  # a task ended: wakes the loop below at once
        for path, params in loaded:
            name = params.service.name
            key = f"golive-review-{name}-{uuid.uuid4().hex[:8]}"
            spec = task_spec(path, options, events.run_id)
            future = client.submit(review_task, spec, key=key, pure=False)
            future.add_done_callback(lambda _f: finished.set())
            futures.append(future)
            names[key] = name
            emit(options, name, "start", f"submitted to {scheduler}", total=1)
        try:
            results = _gather(futures, names, events, rewriter.service_ended, finished)
        except BaseException:
            client.cancel(futures)
            raise
        return [results[f.key] for f in futures]


def _gather(
    futures: list[Any],
    names: dict[str, str],
    events: _Events,
    service_ended: Callable[[], None],
    finished: threading.Event,
) -> dict[str, RunOutcome]:
    """Each task's outcome, by its key, as the tasks end; STOP interrupts."""
    from .run import STOP, failed

    results: dict[str, RunOutcome] = {}
    while len(results) < len(futures):
        if STOP.is_set():
            raise KeyboardInterrupt("golive run interrupted")
        finished.clear()
        done = [f for f in futures if f.key not in results and f.done()]
        if not done:
            finished.wait(0.1)  # and look at STOP again
            continue
        for fut in done:
            name = names[fut.key]
            try:
                outcome = _outcome(name, fut.result())
            except Exception as e:  # noqa: BLE001 - a lost worker, a task error
                outcome = failed(name, e)
            results[fut.key] = outcome
            events.wait_last(name)
            if outcome.ok:
                service_ended()
            events.end(name, outcome)
    return results


def serve() -> None:
    """A review process: for each task spec read from stdin (a JSON line), review that
    service and answer one result line; ends when its input ends (the worker is gone)."""
    from . import preload, speed

    speed.switch_on()  # an entry point, as `golive run` is

    # Results go through a private copy of stdout; fd 1 becomes stderr, so nothing else
    # (the notebook processes inherit it) writes there, and when this process dies the
    # worker reading its results sees the end at once.
    results = os.fdopen(os.dup(1), "w", buffering=1)  # os.dup: not inherited
    os.dup2(2, 1)
    with speed.template():  # one for every review this process serves
        preload()  # while the template imports, as `run` does
        from . import run  # noqa: F401 - what a review needs besides, before any task

        try:
            _serve(results)
        finally:
            if _pool is not None:
                _pool[1].shutdown(wait=False, cancel_futures=True)


# The notebook pool of this review process, kept from one review to the next as the
# template is (a pool per review forked and warmed its workers again each time): the
# worker count it has and the pool. Replaced when a review asks for another count, or
# when a worker died and broke it.
_pool: tuple[int, ProcessPoolExecutor] | None = None


def _shared_pool(workers: int) -> ProcessPoolExecutor:
    from .run import new_pool

    global _pool
    if _pool is not None and (_pool[0] != workers or getattr(_pool[1], "_broken", False)):
        _pool[1].shutdown(wait=False, cancel_futures=True)
        _pool = None
    if _pool is None:
        _pool = (workers, new_pool(workers))
    return _pool[1]


def _serve(results: Any) -> None:
    for line in sys.stdin:
        try:
            result = _child(json.loads(line))
        except Exception as e:  # noqa: BLE001 - reported to the task as a failed outcome
            print(f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
            result = {"service": None, "error": f"review process failed: {type(e).__name__}: {e}"}
        print(END, file=sys.stderr, flush=True)
        results.write(RESULT + json.dumps(result) + "\n")


def main() -> None:
    """Child process entry point: ``--serve`` (see `serve`)."""
    if sys.argv[1:] != ["--serve"]:
        raise SystemExit("usage: python -m golive_lib.report.dask_executor --serve")
    serve()


if __name__ == "__main__":
    main()
