"""The command line (typer): the app and `golive run`; the other commands live in the
cli_*.py modules beside it. Only in these modules do errors become one-line messages and
exit codes.

Exit codes: 0 go, 1 no-go (per --fail-on), 2 bad input (nothing written), 3 internal error
or, in a batch, a service that could not be reviewed (the others still are).
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_common import (
    EXIT_BAD_INPUT,
    EXIT_GO,
    EXIT_INTERNAL,
    EXIT_NO_GO,
    err,
    golive_errors_exit,
    interrupted_code,
    section_ids,
    terminate,
)
from .cli_demo import demo
from .cli_prepare import init, lab, rules
from .cli_signoff import attest, diff, history, metrics_command, signoff, verify, write_metrics

if TYPE_CHECKING:
    from .report.run import RunOptions, RunOutcome

__all__ = ["EXIT_BAD_INPUT", "EXIT_GO", "EXIT_INTERNAL", "EXIT_NO_GO", "app", "main"]

app = typer.Typer(
    name="golive",
    help="golive: a living runbook for production go-live reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Executor(StrEnum):
    local = "local"
    dask = "dask"


class FailOn(StrEnum):
    blocking = "blocking"
    any = "any"
    never = "never"


@app.command()
def run(
    params: Annotated[list[Path], typer.Argument(help="parameters files, one per service")],
    out: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    sections: Annotated[
        str | None, typer.Option(help="comma-separated section ids, e.g. architecture,cicd")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="notebook processes shared by all services (default: the cores, up to 4);"
            " with --executor dask, per task (default: the worker's cores over its threads,"
            " up to 4)",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[FailOn, typer.Option(help="what makes the exit code 1")] = FailOn.blocking,
    cell_timeout: Annotated[
        int | None, typer.Option(min=1, help="per-cell timeout in seconds (overrides the file)")
    ] = None,
    notebooks: Annotated[Path | None, typer.Option(help="notebooks folder")] = None,
    executor: Annotated[
        Executor, typer.Option(help="local: this machine; dask: one task per service")
    ] = Executor.local,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (--executor dask)"),
    ] = None,
    metrics_file: Annotated[
        Path | None,
        typer.Option(help="at the end, write every service's latest review as Prometheus metrics"),
    ] = None,
) -> None:
    """Review each service and render its dated report folder; print each folder.

    Services are reviewed concurrently; one that cannot be reviewed is reported in the
    summary table and the others go on. Exit code: the worst outcome."""
    from .report import speed

    speed.switch_on()  # before the heavy imports; GOLIVE_PLAIN_KERNELS=1 keeps it off
    from . import paramsfile
    from .report import batch
    from .report.run import DEFAULT_NOTEBOOKS, RunOptions

    if executor is Executor.dask and not scheduler:
        err("error: --executor dask needs --scheduler ADDRESS\nnothing was written.")
        raise typer.Exit(EXIT_BAD_INPUT)
    # a pipe (/dev/stdin, a FIFO) gives its text once: every later read is of a copy
    params = [paramsfile.spill(p) for p in params]
    options = functools.partial(
        RunOptions,
        out=out,
        sections=section_ids(sections),
        workers=workers,
        notebooks_dir=notebooks or DEFAULT_NOTEBOOKS,
        cell_timeout_s=cell_timeout,
    )
    outcomes = _review(params, options, executor, scheduler or "")
    for o in outcomes:
        if o.folder is not None:
            typer.echo(str(o.folder))  # one report folder per line: scripts parse this
    batch.print_summary(outcomes)
    if metrics_file is not None:
        write_metrics(out, metrics_file)
    raise typer.Exit(batch.exit_code(outcomes, _no_go(fail_on)))


def _service_names(params: list[Path]) -> list[str]:
    """Each file's service name, or its stem when it does not load: for the display only;
    the run validates the files and reports properly."""
    from .errors import ParamsError
    from .params import load_params

    names = []
    for path in params:
        try:
            names.append(load_params(path).service.name)
        except ParamsError:
            names.append(path.stem)
    return names


def _no_go(fail_on: FailOn) -> Callable[[RunOutcome], bool]:
    """What makes a service's outcome count as no-go (exit code 1), per --fail-on."""
    from .model import Decision

    def no_go(o: RunOutcome) -> bool:
        return {
            FailOn.blocking: o.decision is Decision.NO_GO,
            FailOn.any: any(o.counts.get(s, 0) for s in ("fail", "error", "pending", "warn")),
            FailOn.never: False,
        }[fail_on]

    return no_go


def _review(
    params: list[Path], options: Callable[..., RunOptions], executor: Executor, scheduler: str
) -> list[RunOutcome]:
    """Review the services under the progress display (``options`` given its progress
    callbacks), here or on Dask; bad input, an error or an interrupt ends the command."""
    from .report import batch
    from .report.run import run as run_reviews

    names = _service_names(params)  # for the progress display
    # SIGTERM (a CI job cancelled, a container stopped) unwinds like Ctrl-C, so the
    # half-rendered temporary folder is removed and no partial report is left in place.
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    try:
        with golive_errors_exit(), batch.progress_display(names) as (progress, events):
            if executor is Executor.dask:
                from .report.dask_executor import run_dask

                return run_dask(params, options(progress=progress, events=events), scheduler)
            return run_reviews(params, options(progress=progress, events=events))
    except (KeyboardInterrupt, SystemExit) as e:
        code = e.code if isinstance(e, SystemExit) and isinstance(e.code, int) else None
        code = code or interrupted_code()
        err("golive: interrupted; the unfinished report was removed, earlier reports are intact")
        raise typer.Exit(code) from None


@app.command()
def version() -> None:
    """Print golive's version."""
    from . import __version__

    typer.echo(__version__)


# registered in this order: the order of `golive --help` and of docs/commands.md
app.command("metrics")(metrics_command)
app.command()(lab)
app.command()(init)
app.command()(signoff)
app.command()(verify)
app.command()(attest)
app.command()(history)
app.command()(diff)
app.command()(demo)
app.command()(rules)
app.command()(version)


def main() -> None:
    app()
