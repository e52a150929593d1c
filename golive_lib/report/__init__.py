"""Run orchestration (papermill), rendering (nbconvert), results, index and history."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# nbformat imports jsonschema, whose format checkers import rfc3987-syntax when it is
# installed (jupyterlab pulls it in through jupyter-events). Building its grammar costs
# about 1.6 s per process, for the "iri" format that no notebook schema uses. Blocking
# the import makes jsonschema skip that one checker; validation is otherwise unchanged.
# Measured: `import papermill, nbconvert` 2.7 s -> 0.9 s (bench/run_speed.py shows the rest).
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


# papermill's I/O module imports the client of every remote store it can read a notebook
# from: boto3 for s3://, pyarrow (with numpy) for hdfs://, ~0.2 s of every process that
# imports papermill. golive hands it local paths only. Hidden while papermill is
# imported, those handlers become papermill's "missing dependency" stubs; the modules
# themselves import as usual afterwards (a kernel's DuckDB or S3 checks are not touched).
UNUSED_STORES = ("papermill.s3", "pyarrow")


@contextmanager
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


def default_workers(cores: int | None = None) -> int:
    """Notebook processes when none are asked for (`--workers`): the cores, up to 4;
    unless given, those this process may run on (`taskset`, a container's cpuset)."""
    if cores is None:
        affinity = getattr(os, "sched_getaffinity", None)
        cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return min(4, max(1, cores))


def import_papermill() -> None:
    """Import papermill without the remote stores it would never be asked to use."""
    if "papermill" not in sys.modules:
        with _hidden(UNUSED_STORES):
            import papermill  # noqa: F401


@functools.cache
def preload() -> None:
    """Import the heavy modules once, before worker processes fork, so they inherit them
    (and a review process of the Dask executor keeps them from one task to the next)."""
    # jupyter_client finds the "python3" kernel through ipykernel.kernelspec, IPython's
    # paths and psutil: ~50 ms of CPU in each new worker on its first notebook otherwise.
    import ipykernel.kernelspec  # noqa: F401
    import IPython  # noqa: F401
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import plotly.io  # noqa: F401
    import psutil  # noqa: F401

    from . import html, render

    import_papermill()
    render.warm_up()  # templates and selectors built once, in the parent
    html.warm_up(pages=True)
