"""The service's log lines for the observability section: printed by the reviewer's
``log_command`` (run by :func:`golive_lib.process.capture`: bounded, and at the timeout
its whole process group is stopped, children included) or read from a
``log_sample`` file in the repository. Every failure is a message, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import process
from ..errors import SourceError
from ..params import Observability
from . import repofile


@dataclass(frozen=True)
class LogLines:
    """Non-blank log lines and where they came from; ``lines`` None when they could not
    be read (``error`` says why)."""

    source: str
    lines: tuple[str, ...] | None = None
    error: str | None = None


def _non_blank(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.splitlines() if line.strip())


def from_command(command: list[str], repository: Path, timeout_s: float) -> LogLines:
    """What ``command`` prints, run in the repository within ``timeout_s`` seconds."""
    source = " ".join(command)
    r = process.capture(command, cwd=repository, timeout_s=timeout_s)
    if r.timed_out:
        return LogLines(
            source,
            error=f"command {source!r} did not finish within {timeout_s:g} s "
            "(observability.log_command_timeout_s); it was stopped",
        )
    if r.error is not None:
        return LogLines(source, error=f"command {source!r} {r.error}")
    if r.returncode != 0:
        tail = r.stderr_tail.strip()[-300:]
        return LogLines(
            source,
            error=f"command {source!r} exited {r.returncode}" + (f": {tail}" if tail else ""),
        )
    return LogLines(source, _non_blank(r.stdout))


def from_file(repository: Path, rel: str) -> LogLines:
    """The lines of the sample file ``rel`` in the repository."""
    try:
        text = repofile.read_text(repository, rel)
    except SourceError as e:
        return LogLines(rel, error=f"cannot read {rel}: {e.message}")
    return LogLines(rel, _non_blank(text))


def read(obs: Observability, repository: Path) -> LogLines | None:
    """The configured log lines (the command wins over the sample); None when neither is
    configured."""
    if obs.log_command:
        return from_command(obs.log_command, repository, obs.log_command_timeout_s)
    if obs.log_sample:
        return from_file(repository, obs.log_sample)
    return None
