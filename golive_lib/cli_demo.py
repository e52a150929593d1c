"""`golive demo`: the demo stack on loopback, a review of the example service, signed."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_common import (
    EXIT_GO,
    EXIT_INTERNAL,
    err,
    golive_errors_exit,
    interrupted_code,
    section_ids,
    terminate,
)

if TYPE_CHECKING:
    from .demo.stack import DemoStack


def demo(
    out: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    keep: Annotated[
        bool, typer.Option("--keep", help="keep the stack running after the review (Ctrl-C stops)")
    ] = False,
    params: Annotated[Path | None, typer.Option(help="parameters file to review")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="notebook processes (default: the cores, up to 4)", show_default=False
        ),
    ] = None,
    sections: Annotated[
        str | None, typer.Option(help="comma-separated section ids (default: every section)")
    ] = None,
) -> None:
    """Start the demo stack on loopback (the example service, Prometheus with weeks of
    history, Alertmanager), review the example service, print the report folder, stop.
    With --keep the stack stays up until Ctrl-C or SIGTERM, then everything is stopped."""
    from .report import speed

    speed.switch_on()  # before the heavy imports; GOLIVE_PLAIN_KERNELS=1 keeps it off
    from .demo.stack import DemoStack

    root = Path(__file__).resolve().parents[1]
    params_path = params or root / "parameters" / "ingest-api.yaml"
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    stack = DemoStack(progress=True)
    kept = False  # --keep ended by Ctrl-C / SIGTERM: an orderly stop, exit 0
    try:
        with golive_errors_exit(), stack:  # DemoError is a GoliveError: exit 3
            _review_example(stack, params_path, out, workers, sections)
            if keep:
                _keep_running(stack)
                kept = True
    except KeyboardInterrupt:
        err("golive: interrupted; the demo stack was stopped")
        raise typer.Exit(interrupted_code()) from None
    if kept:
        err("golive: the demo stack was stopped")
    raise typer.Exit(EXIT_GO)


def _review_example(
    stack: DemoStack, params_path: Path, out: Path, workers: int | None, sections: str | None
) -> None:
    """Review the example service against the running stack, sign its report with the
    demo's throwaway key, and print its folder."""
    from .report.run import DEFAULT_NOTEBOOKS, RunOptions
    from .report.run import run as run_reviews

    err(f"golive: demo stack ready in {stack.timings.get('start_s', 0):.1f} s")
    os.environ.update(stack.env())  # the example's parameters read the URLs from these
    options = RunOptions(
        out=out,
        workers=workers,
        sections=section_ids(sections),
        notebooks_dir=DEFAULT_NOTEBOOKS,
        progress=lambda msg: err(f"golive: {msg}"),
    )
    outcomes = run_reviews([params_path], options)
    for o in outcomes:
        if o.folder is None or o.decision is None:
            err(f"error: {o.service} could not be reviewed: {o.error}")
            raise typer.Exit(EXIT_INTERNAL)
        _demo_signoff(o.folder, out)
        typer.echo(str(o.folder))


def _keep_running(stack: DemoStack) -> None:
    """--keep: show where the stack runs, then wait for Ctrl-C or SIGTERM."""
    from .report.run import STOP

    err(
        f"golive: stack kept running (Ctrl-C stops it):\n"
        f"  Prometheus    {stack.prometheus_url}\n"
        f"  Alertmanager  {stack.alertmanager_url}\n"
        f"  ingest-api    {stack.service_url}\n"
        + "\n".join(f"  export {k}={v}" for k, v in stack.env().items())
    )
    try:
        while not STOP.wait(0.5):  # Ctrl-C and SIGTERM set it (terminate)
            pass
    except (KeyboardInterrupt, SystemExit):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cut the clean-up short
    err("golive: stopping the demo stack")


def _demo_signoff(folder: Path, out: Path) -> None:
    """The demo report signed with a throwaway key, so its pages show a verified sign-off."""
    from .demo import signer
    from .errors import GoliveError

    try:
        allowed = signer.sign(folder, out)
    except (GoliveError, OSError) as e:
        err(f"warning: the demo report was not signed: {e}")
        return
    err(
        f"golive: signed with a throwaway demo key; check it: golive verify {folder} "
        f"--trusted-signers {allowed}"
    )
