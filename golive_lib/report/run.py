"""Run orchestration: validate, execute notebooks, read checks, render, move into place.

The order is papermill's: load, parameterize, execute, collect, write. A report is
rendered in a hidden temporary folder beside its final place and moved there only
when complete, so an interrupted run never leaves a half report, and nothing already
written is overwritten: a second run on the same date gets `<date>-2`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import catalog, paramsfile
from ..catalog import SectionSpec
from ..errors import ParamsError, ReportError
from ..model import Decision, count_statuses, decide
from ..names import INDEX_HTML, JUNIT_XML, REPORT_HTML, RESULTS_JSON
from ..params import Params, load_params, params_sha256
from . import collect, default_workers, execute, history, index, portfolio, render, results, speed


def _default_notebooks() -> Path:
    """The section notebooks: beside the package in a checkout (and an editable install);
    in an installed wheel, where pyproject's data-files put them (<prefix>/share/golive)."""
    checkout = Path(__file__).resolve().parents[2] / "notebooks"
    installed = Path(sys.prefix, "share", "golive", "notebooks")
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


DEFAULT_NOTEBOOKS = _default_notebooks()

# Set when the run must stop (the CLI's SIGTERM/SIGINT handler). An exception raised
# from a signal handler can be swallowed (e.g. inside an at-fork hook), so the run also
# checks this at every stage and before anything is moved into place.
STOP = threading.Event()


def _checkpoint(abort: threading.Event | None = None) -> None:
    if STOP.is_set() or (abort is not None and abort.is_set()):
        raise KeyboardInterrupt("golive run interrupted")


def _result(future: Future[Any], abort: threading.Event | None) -> Any:
    """``future.result()``, checking for a stop request while it waits (services run on
    threads, and only the main thread receives signals)."""
    while True:
        try:
            return future.result(timeout=0.1)
        except FutureTimeout:
            _checkpoint(abort)


@dataclass(frozen=True)
class ProgressEvent:
    """One step of one service's review, for a progress display.

    stage: "start" (``total`` steps announced), "section" (one section notebook ended),
    "summary", "render", "done" or "failed". ``steps`` counts the steps ended so far.
    """

    service: str
    stage: str
    message: str
    section: str | None = None
    steps: int = 0
    total: int = 0


@dataclass(frozen=True)
class RunOptions:
    out: Path = Path("reports")
    sections: tuple[str, ...] | None = None  # None: every section notebook present
    # notebook processes; None: default_workers() (with the Dask executor, per task: its
    # worker's share, see dask_executor.review_task)
    workers: int | None = None
    notebooks_dir: Path = DEFAULT_NOTEBOOKS
    cell_timeout_s: int | None = None  # None: the parameters file's execution.cell_timeout_s
    run_date: date | None = None
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    events: Callable[[ProgressEvent], None] | None = None  # structured progress (rich)
    services: int | None = None  # services reviewed at once; None: 2 x workers
    # rewrite out/index.html as services end (portfolio.Rewriter); False: the caller
    # does (a Dask review process reviews one service per run: its client does)
    portfolio: bool = True


@dataclass(frozen=True)
class RunOutcome:
    """A reviewed service (``folder``, ``decision``), or one that could not be reviewed
    (``error`` set, ``folder`` and ``decision`` None: nothing of it was left in place)."""

    service: str
    folder: Path | None
    decision: Decision | None
    counts: dict[str, int]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def emit(
    options: RunOptions,
    service: str,
    stage: str,
    message: str,
    section: str | None = None,
    steps: int = 0,
    total: int = 0,
) -> None:
    options.progress(f"{service}: {message}")
    if options.events is not None:
        options.events(ProgressEvent(service, stage, message, section, steps, total))


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


def service_folder(out: Path, service: str) -> Path:
    """reports/<service>; refuses any name that would resolve outside ``out``."""
    root = out.resolve()
    folder = (root / service).resolve()
    if folder.parent != root:
        raise ParamsError("service.name", [f"{service!r} would leave the reports folder {root}"])
    return folder


_RENAME_NOREPLACE = 1  # linux/fs.h


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2(2), or None where the C library lacks it."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _rename_noreplace(src: Path, dst: Path) -> bool:
    """Move ``src`` to ``dst`` in one step unless ``dst`` exists (FileExistsError then).
    False when this system or file system cannot do it (the caller falls back)."""
    fn = _renameat2()
    if fn is None:
        return False
    at_cwd = -100  # AT_FDCWD
    if fn(at_cwd, os.fsencode(src), at_cwd, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err == errno.EEXIST:
        raise FileExistsError(err, os.strerror(err), str(dst))
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # e.g. NFS: no RENAME_NOREPLACE
    raise OSError(err, os.strerror(err), str(dst))


def _move_into_place(tmp: Path, folder: Path, run_date: date) -> Path:
    """Move the finished review to its dated folder: <date>, else <date>-2, -3, ...

    Never overwrites a report, and never leaves an empty dated folder behind, even when
    killed: one atomic rename that refuses an existing name. Where the file system
    cannot refuse (no RENAME_NOREPLACE), the name is reserved with mkdir first and the
    review renamed onto that empty folder; only a kill between those two steps can
    leave it empty.
    """
    base = run_date.isoformat()
    n = 1
    while True:
        target = folder / (base if n == 1 else f"{base}-{n}")
        try:
            if _rename_noreplace(tmp, target):
                return target
            target.mkdir()
        except FileExistsError:
            n += 1
            continue
        try:
            os.replace(tmp, target)  # onto the empty folder just made: never a report
        except BaseException:
            with contextlib.suppress(OSError):
                target.rmdir()  # give the name back
            raise
        return target


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


_LOCK = ".lock"
_ABANDONED_AFTER_S = 3600.0  # a temporary folder without a lock file, older than this


def _hold(tmp: Path) -> int:
    """Lock the temporary folder for as long as this review runs: the lock ends with the
    process however it ends (even SIGKILL), which is how `_sweep_stale` tells an
    abandoned folder from one in use."""
    fd = os.open(tmp / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _sweep_stale(folder: Path) -> None:
    """Remove the hidden temporary folders of reviews that were killed outright (their
    lock is free), never one of a review still running."""
    for tmp in folder.glob(".tmp-*"):
        try:
            fd = os.open(tmp / _LOCK, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:  # killed before it locked, or about to be moved in place
            with contextlib.suppress(OSError):
                if time.time() - tmp.stat().st_mtime > _ABANDONED_AFTER_S:
                    shutil.rmtree(tmp, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # held: that review is running
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        finally:
            os.close(fd)


class _Tracking:
    """Submits to a pool and remembers the futures, so an aborted review can wait for
    its own jobs before removing their folder."""

    def __init__(self, pool: Executor, submitted: list[Future[Any]]) -> None:
        self._pool = pool
        self._submitted = submitted

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        future = self._pool.submit(fn, *args)
        self._submitted.append(future)
        return future


def _build(
    params_path: Path,
    params: Params,
    options: RunOptions,
    pool: _Tracking,
    run_date: date,
    sections: list[SectionSpec],
    tmp: Path,
    abort: threading.Event | None = None,
) -> tuple[Decision, dict[str, int]]:
    timeout = options.cell_timeout_s or params.execution.cell_timeout_s
    injected = {"params_path": str(params_path.resolve()), "run_date": run_date.isoformat()}
    name = params.service.name
    has_summary = (options.notebooks_dir / catalog.SUMMARY.notebook).is_file()
    total = len(sections) + int(has_summary) + 1  # sections, summary, rendering
    emit(options, name, "start", f"executing {len(sections)} section notebooks", total=total)

    def start(s: SectionSpec) -> Future[Any]:
        return pool.submit(
            execute.execute,
            options.notebooks_dir / s.notebook,
            tmp / s.notebook,
            {**injected, "artifacts_dir": str(tmp.resolve() / "artifacts" / s.id)},
            timeout,
            options.notebooks_dir,
        )

    # Sections that disturb the service (catalog.DISRUPTIVE) start only once every other
    # section of this service has ended: their fault must not show in live evidence.
    calm = [s for s in sections if s.id not in catalog.DISRUPTIVE]
    disruptive = [s for s in sections if s.id in catalog.DISRUPTIVE]
    futures = {s.id: start(s) for s in calm}
    runs: dict[str, execute.Execution] = {}
    renders: dict[str, Future[Any]] = {}  # anchor -> its page's fragment for report.html

    def render_job(anchor: str, title: str, path: Path) -> Future[Any]:
        target = tmp / path.name.replace(".ipynb", ".html")
        page_title = f"{name} · {title} · {run_date.isoformat()}"
        return pool.submit(render.render_notebook, path, target, page_title, anchor, title)

    for i, s in enumerate([*calm, *disruptive], start=1):
        if s.id not in futures:
            futures[s.id] = start(s)
        run = runs[s.id] = _result(futures[s.id], abort)
        _checkpoint(abort)
        # Its page renders now, on a free worker, while later sections and the summary run.
        renders[s.id] = render_job(s.id, s.title, tmp / s.notebook)
        emit(
            options,
            name,
            "section",
            f"{s.id} done in {run.duration_s:.1f}s" + (f" ({run.error})" if run.error else ""),
            s.id,
            i,
            total,
        )
    section_results = [
        collect.section_result(
            s.id, runs[s.id].notebook, params, runs[s.id].duration_s, runs[s.id].error, run_date
        )
        for s in sections
    ]
    html_names = {s.id: s.notebook.replace(".ipynb", ".html") for s in sections}
    doc = results.build_results(
        service=name,
        run_date=run_date,
        generated_at=datetime.now(UTC),
        params_file=paramsfile.original_name(params_path),
        params_sha256=params_sha256(params_path),
        sections=section_results,
        rendered=html_names,
        params=params,
    )
    # Changes since the newest earlier run of this service (this run is not in place yet).
    doc = history.with_previous(doc, tmp.parent)
    (tmp / RESULTS_JSON).write_text(results.dumps(doc), encoding="utf-8")

    summary = catalog.SUMMARY
    if has_summary:
        # on the pool too: papermill runs in worker processes only, never on a thread
        run = _result(
            pool.submit(
                execute.execute,
                options.notebooks_dir / summary.notebook,
                tmp / summary.notebook,
                {**injected, "results_path": str((tmp / RESULTS_JSON).resolve())},
                timeout,
                options.notebooks_dir,
            ),
            abort,
        )
        message = f"summary done in {run.duration_s:.1f}s"
        if run.error:
            message = f"summary notebook failed: {run.error}"
        emit(options, name, "summary", message, summary.id, len(sections) + 1, total)
        renders[summary.id] = render_job(summary.id, summary.title, tmp / summary.notebook)

    _checkpoint(abort)
    options.progress(f"{name}: rendering")
    order = [summary.id, *(s.id for s in sections)]
    parts = [_result(renders[anchor], abort) for anchor in order if anchor in renders]
    # report.html is put together from the pages just rendered (cheap: no nbconvert pass)
    report_job = pool.submit(
        _write_report, parts, tmp / REPORT_HTML, f"{name} go-live review {run_date}"
    )
    _result(report_job, abort)
    _checkpoint(abort)
    (tmp / INDEX_HTML).write_text(index.render(doc), encoding="utf-8")
    (tmp / JUNIT_XML).write_text(results.build_junit(doc), encoding="utf-8")
    checks = [c for s in section_results for c in s.checks]
    return decide(checks), count_statuses(checks)


def _write_report(parts: list[render.Fragment], target: Path, title: str) -> None:
    render.write_page(target, render.report_page(parts, title))


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
