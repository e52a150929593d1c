"""Run a drill command: bounded, timed, output captured, never raising.

A drill (restore, replay, smoke test, rollback) is a command from the parameters. It runs
without a shell (a string is split with :func:`shlex.split`; a leading ``python`` is the
interpreter running golive) through :func:`golive_lib.process.stream`, in its own process
group, so that at the timeout the whole group (the command and everything it started) is
killed.
Output (stdout and stderr merged) is streamed line by line to ``progress`` and the last
~4 KB are kept. The command gets no secret-looking variable of golive's environment that
the parameters do not name, and its output passes through the review's redactor
(:mod:`golive_lib.redaction`) before a progress line or the tail is kept.

Every outcome is a :class:`DrillResult`: a non-zero exit, a missing executable, an empty
command or a hang sets ``error`` instead of raising.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import process
from .process import PROGRESS_BYTES, TAIL_BYTES, Captured, capture

__all__ = ["PROGRESS_BYTES", "TAIL_BYTES", "Captured", "DrillResult", "capture", "run_command"]

#: A command starting with one of these runs with the interpreter running golive, so a
#: drill written ``python ops/restore.py`` works where only ``python3`` (or a venv) exists.
PYTHON_NAMES = frozenset({"python", "python3"})


@dataclass(frozen=True)
class DrillResult:
    """What happened when a drill command ran."""

    command: str
    #: None when the command did not start or was killed at the timeout.
    returncode: int | None
    duration_s: float
    timed_out: bool
    output_tail: str
    error: str | None

    @property
    def ok(self) -> bool:
        """True when the command ran to completion and exited 0."""
        return self.error is None and not self.timed_out and self.returncode == 0


def _argv(command: str | list[str]) -> list[str]:
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv and argv[0] in PYTHON_NAMES:
        argv[0] = sys.executable
    return argv


def _display(command: str | list[str]) -> str:
    return command if isinstance(command, str) else shlex.join(command)


def run_command(
    command: str | list[str],
    *,
    cwd: Path,
    timeout_s: float,
    env: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DrillResult:
    """Run ``command`` in ``cwd`` with at most ``timeout_s`` seconds; never raises.

    The command gets the review's environment (:func:`redaction.review_env`: golive's,
    without the secret-looking variables the parameters do not name) plus ``env``. Its
    output is redacted (:func:`redaction.review_redactor`, and ``env``'s values) before
    ``progress`` receives each line (without the newline) and in the tail kept; an
    exception inside ``progress`` is ignored. See :func:`process.stream`.
    """
    shown = _display(command)
    try:
        argv = _argv(command)
    except ValueError as e:
        return DrillResult(shown, None, 0.0, False, "", f"cannot parse command {shown!r}: {e}")
    if not argv:
        return DrillResult(shown, None, 0.0, False, "", "empty command")
    if not cwd.is_dir():
        return DrillResult(shown, None, 0.0, False, "", f"working directory {cwd} does not exist")
    r = process.stream(argv, cwd=cwd, timeout_s=timeout_s, env=env, progress=progress)
    error = r.error
    if r.timed_out:
        error = f"timed out after {timeout_s:g} s; process group killed"
    elif error is None and r.returncode != 0:
        error = f"exited with code {r.returncode}"
    return DrillResult(
        command=shown,
        returncode=r.returncode,
        duration_s=r.duration_s,
        timed_out=r.timed_out,
        output_tail=r.output_tail,
        error=error,
    )
