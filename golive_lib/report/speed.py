"""The speed layer, fenced: every override of papermill, nbclient and jupyter_client that
golive uses to review faster is reached through this module, and only once an entry
point has switched it on.

What it changes, each measured in bench/run_speed.py:
- kernels forked from a warm template process (`golive_lib.report.kernels`: a kernel
  manager on jupyter_client's private ``_async_launch_kernel`` and a client with a
  quicker ``wait_for_ready``);
- papermill's nbclient engine saving the notebook once, at the end (`_register_engine`);
- papermill imported without the remote stores golive never reads (`import_papermill`);
- the import of rfc3987-syntax blocked for the process (`switch_on`).

Importing golive_lib changes nothing. `golive run` and `golive demo`, the Dask review
process and the kernel template call `switch_on()`; a program that calls
`golive_lib.report.run.run` itself gets stock papermill and stock kernels unless it
switches the layer on too. The layer stays off, and reviews run stock, when:
- ``GOLIVE_PLAIN_KERNELS=1`` is set (read at every use, so it reaches the processes a
  run starts);
- an installed papermill, nbclient or jupyter_client is outside the versions in
  `TESTED`: one warning on stderr says which, then the review runs stock.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

PLAIN_ENV = "GOLIVE_PLAIN_KERNELS"
_TRUE = frozenset({"1", "true", "yes", "on"})

# (first tested, first untested) major.minor of each distribution the layer reaches into.
# Tested: papermill 2.6.0 and 2.7.0, nbclient 0.10.2 and 0.11.0, jupyter_client 8.9.1 and
# 8.10.0 (ipykernel 7 needs >= 8.9). Widen a range only after tests/report/ (test_kernels,
# test_speed, test_run, test_example_review) passed with that version.
TESTED: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "papermill": ((2, 6), (2, 8)),
    "nbclient": ((0, 10), (0, 12)),
    "jupyter_client": ((8, 9), (8, 11)),
}

# papermill's I/O module imports the client of every remote store it can read a notebook
# from: boto3 for s3://, pyarrow (with numpy) for hdfs://, ~0.2 s of every process that
# imports papermill. golive hands it local paths only. Hidden while papermill is
# imported, those handlers become papermill's "missing dependency" stubs; the modules
# themselves import as usual afterwards (a kernel's DuckDB or S3 checks are not touched).
UNUSED_STORES = ("papermill.s3", "pyarrow")

ENGINE = "golive"

_on = False
_warned = False


def plain_requested() -> bool:
    """Whether ``GOLIVE_PLAIN_KERNELS`` asks for stock papermill and stock kernels."""
    return os.environ.get(PLAIN_ENV, "").strip().lower() in _TRUE


def _minor(version: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)\.(\d+)", version)
    return (int(m.group(1)), int(m.group(2))) if m else None


def untested(version_of: Callable[[str], str] | None = None) -> list[str]:
    """The installed distributions outside `TESTED`, as ``"name X.Y.Z (tested: ...)"``
    (one not installed at all counts as untested)."""
    from importlib import metadata

    version_of = version_of or metadata.version
    found = []
    for name, (low, high) in TESTED.items():
        try:
            version = version_of(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        minor = _minor(version)
        if minor is None or not low <= minor < high:
            tested = f"{low[0]}.{low[1]} to below {high[0]}.{high[1]}"
            found.append(f"{name} {version} (tested: {tested})")
    return found


def switch_on() -> bool:
    """Called by the entry points that run reviews: turn the layer on unless plain mode
    is asked for or a version is untested (then one warning on stderr). Returns whether
    it is on; calling it again is harmless."""
    global _on, _warned
    if _on or plain_requested():
        return _on
    off = untested()
    if off:
        if not _warned:
            _warned = True
            print(
                "golive: warning: the speed layer is off, reviews run with stock papermill "
                f"and kernels (slower): untested {', '.join(off)}",
                file=sys.stderr,
            )
        return False
    _on = True
    # nbformat imports jsonschema, whose format checkers import rfc3987-syntax when it is
    # installed (jupyterlab pulls it in through jupyter-events). Building its grammar
    # costs about 1.6 s per process, for the "iri" format that no notebook schema uses.
    # Blocking the import makes jsonschema skip that one checker; validation is otherwise
    # unchanged. Measured: `import papermill, nbconvert` 2.7 s -> 0.9 s.
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    return True


def switch_off() -> None:
    """For tests: the layer off again (the blocked rfc3987-syntax import stays blocked)."""
    global _on
    _on = False


def active() -> bool:
    """Whether reviews use the speed layer now."""
    return _on and not plain_requested()


@contextlib.contextmanager
def _hidden(names: tuple[str, ...]) -> Iterator[None]:
    hidden = [n for n in names if n not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def import_papermill() -> None:
    """Import papermill (with the layer on: without the remote stores it would never be
    asked to use)."""
    if "papermill" in sys.modules:
        return
    with _hidden(UNUSED_STORES) if active() else contextlib.nullcontext():
        import papermill  # noqa: F401


@contextlib.contextmanager
def template(params: Sequence[Path] = ()) -> Iterator[Any]:
    """The kernel template for the kernels started in this block (see
    `golive_lib.report.kernels.template`); None with the layer off or where unsupported."""
    if not active():
        yield None
        return
    from . import kernels

    with kernels.template(params) as t:
        yield t


def execute_options() -> dict[str, Any]:
    """What `papermill.execute_notebook` gets besides its stock arguments: golive's engine
    and kernel manager with the layer on, nothing with it off."""
    if not active():
        return {}
    from . import kernels

    return {
        # saved once, when execution ends in any way, and every 30 s during a long cell
        "engine_name": _register_engine(),
        # forks the kernel from the run's template
        "kernel_manager_class": kernels.manager_class(),
    }


def _register_engine() -> str:
    """Papermill's nbclient engine saving the notebook once, when execution ends,
    instead of after every cell. Each save serialises and validates the whole notebook
    in the worker process: with ~60 checks displayed a review paid that ~60 times.
    When the cells ran (a failing cell included) papermill itself writes the notebook
    next, so the engine saves only when execution raised (a timeout, a dead kernel):
    what ran is kept. Registered once per process."""
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE in papermill_engines._engines:
        return ENGINE

    save_at_end = _save_at_end_manager()

    class SaveAtEndEngine(NBClientEngine):  # type: ignore[misc]
        @classmethod
        def execute_notebook(
            cls,
            nb: Any,
            kernel_name: str,
            output_path: str | None = None,
            progress_bar: bool = True,
            log_output: bool = False,
            autosave_cell_every: int = 30,
            **kwargs: Any,
        ) -> Any:
            # papermill's Engine.execute_notebook with the manager of _save_at_end_manager
            nb_man = save_at_end(
                nb,
                output_path=output_path,
                progress_bar=progress_bar,
                log_output=log_output,
                autosave_cell_every=autosave_cell_every,
            )
            nb_man.notebook_start()
            raised = True
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
                raised = False
            finally:
                nb_man.cleanup_pbar()
                # papermill writes the notebook after a normal end (with its error marker
                # when a cell failed); after an exception nothing would keep what ran
                nb_man.notebook_complete(save=raised)
            return nb_man.nb

    papermill_engines.register(ENGINE, SaveAtEndEngine)
    return ENGINE


def _save_at_end_manager() -> type[Any]:
    """Papermill's notebook manager, saving only when `_saving` lets it."""
    from papermill.engines import NotebookExecutionManager

    class SaveAtEnd(NotebookExecutionManager):  # type: ignore[misc]
        # papermill saves at the start, before and after every cell; this one saves only
        # from notebook_complete when asked to, and from the 30 s autosave.
        may_save = False

        def save(self, **kwargs: Any) -> None:
            if self.may_save:
                super().save(**kwargs)

        def _saving(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            self.may_save = True
            try:
                return method(*args, **kwargs)
            finally:
                self.may_save = False

        def autosave_cell(self) -> Any:
            return self._saving(super().autosave_cell)

        def notebook_complete(self, save: bool = True, **kwargs: Any) -> Any:
            if not save:  # the end time, duration and status only
                return super().notebook_complete(**kwargs)
            return self._saving(super().notebook_complete, **kwargs)

    return SaveAtEnd
