"""Execute one notebook with papermill. A failing cell still leaves the notebook written."""

from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import redaction
from . import speed


@dataclass(frozen=True)
class Execution:
    notebook: Path  # the executed notebook written
    duration_s: float
    error: str | None = None  # "cell N: ExcName: message" when a cell raised


def execute(
    source: Path,
    output: Path,
    parameters: dict[str, Any],
    cell_timeout_s: int,
    cwd: Path | None = None,
) -> Execution:
    """Run ``source`` into ``output`` with papermill; never raises for a notebook error."""
    speed.import_papermill()
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    started = time.monotonic()
    params_path = parameters.get("params_path")
    # The kernel inherits the environment; `golive lab`'s preselection must not leak in.
    os.environ.pop("GOLIVE_LAB_PARAMS", None)
    error: str | None = None
    for attempt in (1, 2):
        try:
            # Inject only what the notebook's parameters cell declares (e.g. artifacts_dir
            # is capacity's): papermill warns on stderr about every unknown parameter.
            declared = pm.inspect_notebook(str(source))
            if declared:
                parameters = {k: v for k, v in parameters.items() if k in declared}
            pm.execute_notebook(
                str(source),
                str(output),
                parameters=parameters,
                kernel_name="python3",
                execution_timeout=cell_timeout_s,
                progress_bar=False,
                log_output=False,
                cwd=str(cwd or source.parent),
                # nbclient passes these to the kernel: keep its start-up banner off stderr
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                # Every output has arrived when the last cell ends. A graceful shutdown
                # took 0.2 s, and about one run in twenty stalled 3 s in it: kill it.
                shutdown_kernel="immediate",
                # golive's engine and kernel manager, unless the speed layer is off
                **speed.execute_options(),
            )
        except PapermillExecutionError as e:
            error = f"cell {e.exec_count}: {e.ename}: {e.evalue}"
        except Exception as e:  # noqa: BLE001 - kernel death, timeout: a result, not a crash
            if attempt == 1 and _died_starting(e):
                continue  # no cell ran: start it once more
            error = f"{type(e).__name__}: {e}"
            if not output.exists():
                _write_failed_copy(source, output, error)
        break
    # The boundary: every output of the notebook (a drill's lines, a remote answer quoted
    # in an error, a traceback) is redacted before a page, results.json or junit.xml is
    # built from it.
    redact = redaction.for_params_path(params_path)
    redaction.scrub_notebook(output, redact)
    if error is not None:
        error = redact(error)
    return Execution(output, time.monotonic() - started, error)


def _died_starting(e: Exception) -> bool:
    """A kernel that died before it answered its first request, so before any cell ran.
    Seen about once in 60 kernels started at the same moment on a loaded machine (each
    worker process picks the kernel's TCP ports on its own, and two can collide)."""
    return isinstance(e, RuntimeError) and "died before replying to kernel_info" in str(e)


def _write_failed_copy(source: Path, output: Path, error: str) -> None:
    """Papermill could not even start: keep the notebook with the reason on top."""
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    nb.cells.insert(
        0,
        nbformat.v4.new_markdown_cell(
            f"**This notebook could not be executed:** {html.escape(error)}",
            metadata={"tags": ["golive-error"]},
        ),
    )
    nbformat.write(nb, str(output))
