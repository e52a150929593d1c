"""What every golive command shares: the exit codes, the error line, the signal handling."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

import typer

from .errors import GoliveError, ParamsError

EXIT_GO, EXIT_NO_GO, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def terminate(signum: int, _frame: object) -> None:
    """First signal: ask the run to stop at its next checkpoint (it polls every 0.1 s).

    Raising from a signal handler is unsafe: once it landed inside logging's at-fork
    hook, left the logging lock held, and the run deadlocked. A second signal exits
    at once (the temporary folder may then be left, hidden, beside the reports).
    """
    from .report.run import STOP

    if STOP.is_set():
        raise SystemExit(128 + signum)
    SIGNALLED.append(signum)
    STOP.set()


SIGNALLED: list[int] = []  # the signal that asked the run to stop (exit code 128 + it)


def interrupted_code() -> int:
    """130 for Ctrl-C, 143 for SIGTERM: the shell's convention, 128 + the signal."""
    return 128 + (SIGNALLED[0] if SIGNALLED else signal.SIGINT)


def err(message: str) -> None:
    typer.echo(message, err=True)


@contextlib.contextmanager
def golive_errors_exit() -> Iterator[None]:
    """A golive error ends the command with one line: bad parameters exit 2 (nothing was
    written), any other golive error 3."""
    try:
        yield
    except ParamsError as e:
        err(f"error: {e}\nnothing was written.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GoliveError as e:
        err(f"error: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None


def section_ids(sections: str | None) -> tuple[str, ...] | None:
    """--sections: comma-separated section ids (None: every section)."""
    if not sections:
        return None
    return tuple(s.strip() for s in sections.split(",") if s.strip())
