"""The command line (typer). Only here do errors become one-line messages and exit codes.

Exit codes: 0 go, 1 no-go (per --fail-on), 2 bad input (nothing written), 3 internal error.
"""

from __future__ import annotations

import os
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

EXIT_GO, EXIT_NO_GO, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="golive",
    help="golive: a living runbook for production go-live reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class FailOn(StrEnum):
    blocking = "blocking"
    any = "any"
    never = "never"


def _terminate(signum: int, _frame: object) -> None:
    from .report.run import STOP

    STOP.set()
    raise SystemExit(128 + signum)


def _err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def run(
    params: Annotated[list[Path], typer.Argument(help="parameters files, one per service")],
    out: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    sections: Annotated[
        str | None, typer.Option(help="comma-separated section ids, e.g. architecture,cicd")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="notebooks run in parallel")] = min(
        4, os.cpu_count() or 1
    ),
    fail_on: Annotated[FailOn, typer.Option(help="what makes the exit code 1")] = FailOn.blocking,
    cell_timeout: Annotated[
        int | None, typer.Option(min=1, help="per-cell timeout in seconds (overrides the file)")
    ] = None,
    notebooks: Annotated[Path | None, typer.Option(help="notebooks folder")] = None,
) -> None:
    """Review each service and render its dated report folder; print each folder."""
    from .errors import GoliveError, ParamsError
    from .model import Decision
    from .report.run import DEFAULT_NOTEBOOKS, RunOptions
    from .report.run import run as run_reviews

    options = RunOptions(
        out=out,
        sections=tuple(s.strip() for s in sections.split(",") if s.strip()) if sections else None,
        workers=workers,
        notebooks_dir=notebooks or DEFAULT_NOTEBOOKS,
        cell_timeout_s=cell_timeout,
        progress=lambda msg: _err(f"golive: {msg}"),
    )
    # SIGTERM (a CI job cancelled, a container stopped) unwinds like Ctrl-C, so the
    # half-rendered temporary folder is removed and no partial report is left in place.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        outcomes = run_reviews(params, options)
    except ParamsError as e:
        _err(f"error: {e}\nnothing was written.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GoliveError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None
    except (KeyboardInterrupt, SystemExit) as e:
        code = e.code if isinstance(e, SystemExit) and isinstance(e.code, int) else 130
        _err("golive: interrupted; the unfinished report was removed, earlier reports are intact")
        raise typer.Exit(code) from None
    worst = EXIT_GO
    for o in outcomes:
        typer.echo(str(o.folder))
        counts = ", ".join(f"{n} {s}" for s, n in o.counts.items() if n)
        _err(f"golive: {o.service}: {o.decision.value.upper()} ({counts})")
        bad = {
            FailOn.blocking: o.decision is Decision.NO_GO,
            FailOn.any: any(o.counts.get(s, 0) for s in ("fail", "error", "pending", "warn")),
            FailOn.never: False,
        }[fail_on]
        if bad:
            worst = EXIT_NO_GO
    raise typer.Exit(worst)


@app.command()
def lab(
    params: Annotated[Path, typer.Argument(help="parameters file to preselect")],
    port: Annotated[int | None, typer.Option(help="port for JupyterLab")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="do not open a browser")] = False,
) -> None:
    """Open JupyterLab on the notebooks with PARAMS preselected."""
    from .errors import ParamsError
    from .names import LAB_PARAMS_ENV
    from .params import load_params
    from .report.run import DEFAULT_NOTEBOOKS

    try:
        load_params(params)
    except ParamsError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    env = {**os.environ, LAB_PARAMS_ENV: str(params.resolve())}
    argv = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={DEFAULT_NOTEBOOKS}"]
    if port:
        argv.append(f"--port={port}")
    if no_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI machines often run as root
    _err(f"golive: JupyterLab on {DEFAULT_NOTEBOOKS}, reviewing {params}")
    os.execve(sys.executable, argv, env)


@app.command()
def init(
    service: Annotated[str, typer.Argument(help="service name (a slug)")],
    repository: Annotated[Path, typer.Option(help="the service repository")] = Path("."),
    out: Annotated[Path | None, typer.Option(help="file to write")] = None,
) -> None:
    """Write a commented parameters file to start from (never overwrites)."""
    from .params import SLUG_RE
    from .templates import parameters_template

    if not SLUG_RE.match(service):
        _err(f"error: service name {service!r} is not a slug (e.g. ingest-api)")
        raise typer.Exit(EXIT_BAD_INPUT)
    target = out or Path("parameters") / f"{service}.yaml"
    if target.exists():
        _err(f"error: {target} exists; not overwritten")
        raise typer.Exit(EXIT_BAD_INPUT)
    target.parent.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(repository.resolve(), target.resolve().parent)
    with target.open("x", encoding="utf-8") as fh:
        fh.write(parameters_template(service, rel))
    typer.echo(str(target))


@app.command()
def version() -> None:
    """Print golive's version."""
    from . import __version__

    typer.echo(__version__)


def main() -> None:
    app()
