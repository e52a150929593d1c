"""Run orchestration (papermill), rendering (nbconvert), results, index and history."""

from __future__ import annotations

import functools
import os


def default_workers(cores: int | None = None) -> int:
    """Notebook processes when none are asked for (`--workers`): the cores, up to 4;
    unless given, those this process may run on (`taskset`, a container's cpuset)."""
    if cores is None:
        affinity = getattr(os, "sched_getaffinity", None)
        cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return min(4, max(1, cores))


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

    from . import html, render, speed

    speed.import_papermill()
    render.warm_up()  # templates and selectors built once, in the parent
    html.warm_up(pages=True)
