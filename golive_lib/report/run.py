"""Run orchestration: validate, execute notebooks, read checks, render, move into place.

The order is papermill's: load, parameterize, execute, collect, write. A report is
rendered in a hidden temporary folder beside its final place and moved there only
when complete, so an interrupted run never leaves a half report, and nothing already
written is overwritten: a second run on the same date gets `<date>-2`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from datetime import date
from pathlib import Path
from typing import Any

from .. import catalog
from ..catalog import SectionSpec
from ..errors import ParamsError, ReportError
from ..params import Params, load_params
from . import default_workers, history, portfolio, speed
from .build import _build, _Tracking
from .options import DEFAULT_NOTEBOOKS as DEFAULT_NOTEBOOKS  # re-exported: run's public names
from .options import STOP as STOP
from .options import ProgressEvent as ProgressEvent
from .options import RunOptions as RunOptions
from .options import RunOutcome as RunOutcome
from .options import _checkpoint, _result
from .options import emit as emit
from .placement import _LOCK, _hold, _move_into_place, _sweep_stale
from .placement import service_folder as service_folder


def notebooks_dir_sections(notebooks_dir: Path) -> list[SectionSpec]:
    """The checklist sections whose notebook exists, in checklist order."""
    return [s for s in catalog.SECTIONS if (notebooks_dir / s.notebook).is_file()]


def select_sections(options: RunOptions) -> list[SectionSpec]:
    present = notebooks_dir_sections(options.notebooks_dir)
    if options.sections is None:
        return present
    known = {s.id: s for s in present}
    unknown = [s for s in options.sections if s not in known]
    if unknown:
        raise ParamsError(
            "--sections",
            [f"unknown section {u!r}; expected one of: {', '.join(known)}" for u in unknown],
        )
    return [s for s in present if s.id in options.sections]


def validate_all(paths: Sequence[Path]) -> list[tuple[Path, Params]]:
    """Load every parameters file first: one bad file stops the run before any write."""
    loaded: list[tuple[Path, Params]] = []
    problems: list[ParamsError] = []
    for path in paths:
        try:
            loaded.append((path, load_params(path)))
        except ParamsError as e:
            problems.append(e)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise ParamsError(", ".join(p.path for p in problems), [str(p) for p in problems])
    names = [p.service.name for _, p in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ParamsError(
            "parameters", [f"service {d!r} is reviewed twice in one run" for d in dupes]
        )
    return loaded


def review(
    params_path: Path,
    params: Params,
    options: RunOptions,
    pool: Executor,
    abort: threading.Event | None = None,
) -> RunOutcome:
    """Review one service; returns where its report landed. ``abort``: a run-wide stop
    request besides STOP (another thread was interrupted)."""
    run_date = options.run_date or date.today()
    sections = select_sections(options)
    folder = service_folder(options.out, params.service.name)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".tmp-{run_date.isoformat()}-{uuid.uuid4().hex[:8]}"
    moved = False
    submitted: list[Future[Any]] = []
    lock: int | None = None
    try:  # everything from the mkdir on: a signal may land between any two lines
        tmp.mkdir()
        lock = _hold(tmp)
        _sweep_stale(folder)
        outcome = _build(
            params_path,
            params,
            options,
            _Tracking(pool, submitted),
            run_date,
            sections,
            tmp,
            abort,
        )
        _checkpoint(abort)
        (tmp / _LOCK).unlink()  # still held through the open descriptor until the end
        final = _move_into_place(tmp, folder, run_date)
        moved = True
        history.remember_latest(folder)  # the portfolio then finds it without a listing
        return RunOutcome(params.service.name, final, outcome[0], outcome[1])
    except BaseException:
        if not moved:
            # Workers still running would write into tmp while it is being removed.
            for job in submitted:
                job.cancel()
            wait(submitted)
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            os.close(lock)


def prepare(params_paths: Sequence[Path], options: RunOptions) -> list[tuple[Path, Params]]:
    """Everything checked before anything is written: parameters, sections, folders."""
    if not params_paths:
        raise ParamsError("PARAMS", ["no parameters file given"])
    loaded = validate_all(params_paths)
    select_sections(options)  # a bad --sections is bad input too: refuse before writing
    for _path, params in loaded:
        service_folder(options.out, params.service.name)
    if not options.notebooks_dir.is_dir():
        raise ReportError(f"notebooks folder not found: {options.notebooks_dir}")
    return loaded


def failed(service: str, error: BaseException | str) -> RunOutcome:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return RunOutcome(service, None, None, {}, text)


def _end_with_parent(parent: int) -> None:
    """Pool worker initializer: exit when the golive process that started the worker is
    gone. Killed outright (SIGKILL, OOM), golive cannot stop its pool; a forked worker
    would block on the job queue forever and keep the caller's output pipes open. (The
    kernels a worker starts end with it: ipykernel polls its parent too.)"""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="golive-parent-watch", daemon=True).start()


def workers_of(options: RunOptions) -> int:
    return options.workers if options.workers is not None else default_workers()


def new_pool(workers: int) -> ProcessPoolExecutor:
    """The notebook pool: ``workers`` processes, forked from this one on first use."""
    return ProcessPoolExecutor(
        max_workers=max(1, workers), initializer=_end_with_parent, initargs=(os.getpid(),)
    )


def run(
    params_paths: Sequence[Path], options: RunOptions, pool: Executor | None = None
) -> list[RunOutcome]:
    """Validate every parameters file (ParamsError before anything is written), then
    review the services concurrently on one shared notebook pool (``pool``: one that
    outlives this run, e.g. a Dask review process's; else one for this run).

    A service whose review raises is reported as a failed outcome (``error``) and the
    others go on. An interrupt (STOP, KeyboardInterrupt) stops every service: each
    removes its unfinished folder after its own jobs ended, then the interrupt is raised.
    Outcomes are returned in the order of ``params_paths``.
    """
    loaded = prepare(params_paths, options)
    # The section kernels fork from this template; it starts now, and imports while
    # this process preloads (its pool workers, forked below, inherit where it listens).
    with speed.template([path.resolve() for path, _params in loaded]):
        if pool is not None:
            return _review_all(loaded, options, pool)
        from . import preload

        preload()  # workers fork after this and inherit the imports
        with new_pool(workers_of(options)) as own:
            return _review_all(loaded, options, own)


def _review_all(
    loaded: list[tuple[Path, Params]], options: RunOptions, pool: Executor
) -> list[RunOutcome]:
    abort = threading.Event()
    rewriter = portfolio.Rewriter(options.out) if options.portfolio else None
    at_once = options.services or 2 * max(1, workers_of(options))

    def one(path: Path, params: Params) -> RunOutcome:
        try:
            outcome = review(path, params, options, pool, abort)
        except Exception as e:  # noqa: BLE001 - one service failing must not stop the rest
            outcome = failed(params.service.name, e)
            emit(options, params.service.name, "failed", f"could not be reviewed: {outcome.error}")
            return outcome
        if rewriter is not None:
            rewriter.service_ended()  # reports/index.html over every service
        assert outcome.decision is not None
        emit(options, outcome.service, "done", outcome.decision.value.upper())
        return outcome

    with (
        rewriter or contextlib.nullcontext(),
        ThreadPoolExecutor(max_workers=max(1, min(at_once, len(loaded)))) as services,
    ):
        jobs = [services.submit(one, path, params) for path, params in loaded]
        try:
            for job in jobs:
                _result(job, abort)
        except BaseException:
            abort.set()  # the other services stop at their next checkpoint and clean up
            for job in jobs:
                job.cancel()
            wait(jobs)
            raise
    return [job.result() for job in jobs]
