"""What a run is asked to do (RunOptions), what it reports as it goes (ProgressEvent,
emit) and what it ends with (RunOutcome); the run-wide stop request (STOP) and the
waits that honour it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..model import Decision


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
