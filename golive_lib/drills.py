"""Run a drill command: bounded, timed, output captured, never raising.

A drill (restore, replay, smoke test, rollback) is a command from the parameters. It runs
without a shell (a string is split with :func:`shlex.split`; a leading ``python`` is the
interpreter running golive) in its own process group, so
that at the timeout the whole group (the command and everything it started) is killed.
Output (stdout and stderr merged) is streamed line by line to ``progress`` and the last
~4 KB are kept. The command gets no secret-looking variable of golive's environment that
the parameters do not name, and its output passes through the review's redactor
(:mod:`golive_lib.redaction`) before a progress line or the tail is kept.

Every outcome is a :class:`DrillResult`: a non-zero exit, a missing executable, an empty
command or a hang sets ``error`` instead of raising.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import redaction

TAIL_BYTES = 4096
#: Output passed on to ``progress`` (a notebook prints it): a drill printing without end
#: must not make a notebook of gigabytes. Past it only the tail is kept.
PROGRESS_BYTES = 256 * 1024
LINE_BYTES = 64 * 1024
#: Seconds given to the process group after SIGTERM before SIGKILL.
KILL_GRACE_S = 2.0
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


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after a grace."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    # Children may survive the leader: kill the whole group regardless.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=KILL_GRACE_S)


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
    exception inside ``progress`` is ignored.
    """
    shown = _display(command)
    redact = redaction.review_redactor((env or {}).values())
    redact_line = redact.lines()
    try:
        argv = _argv(command)
    except ValueError as e:
        return DrillResult(shown, None, 0.0, False, "", f"cannot parse command {shown!r}: {e}")
    if not argv:
        return DrillResult(shown, None, 0.0, False, "", "empty command")
    if not cwd.is_dir():
        return DrillResult(shown, None, 0.0, False, "", f"working directory {cwd} does not exist")

    full_env = redaction.review_env(env)
    tail: deque[bytes] = deque()
    tail_size = [0]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - the reviewer's own drill command
            argv,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        return DrillResult(
            shown, None, time.monotonic() - start, False, "", f"command not found: {argv[0]}"
        )
    except OSError as e:
        return DrillResult(
            shown, None, time.monotonic() - start, False, "", f"cannot start {argv[0]}: {e}"
        )

    forwarded = [0]

    def pump() -> None:
        assert proc.stdout is not None
        # a line is read at most LINE_BYTES at a time: one endless line is not held whole
        for raw in iter(lambda: proc.stdout.readline(LINE_BYTES), b""):  # type: ignore[union-attr]
            tail.append(raw)
            tail_size[0] += len(raw)
            while tail_size[0] > TAIL_BYTES and len(tail) > 1:
                tail_size[0] -= len(tail.popleft())
            if progress is None or forwarded[0] > PROGRESS_BYTES:
                continue
            forwarded[0] += len(raw)
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if forwarded[0] > PROGRESS_BYTES:
                line = (
                    f"[output past {PROGRESS_BYTES // 1024} KB is not shown as it comes; "
                    f"the last {TAIL_BYTES // 1024} KB are kept]"
                )
            with contextlib.suppress(Exception):
                progress(redact_line(line))

    reader = threading.Thread(target=pump, name="drill-output", daemon=True)
    reader.start()
    # A blocking wait on a thread ends the moment the command exits; Popen.wait(timeout)
    # polls with sleeps of up to 50 ms instead.
    exited = threading.Event()

    def wait_exit() -> None:
        proc.wait()
        exited.set()

    threading.Thread(target=wait_exit, name="drill-wait", daemon=True).start()
    timed_out = not exited.wait(timeout=max(timeout_s, 0.0))
    if timed_out:
        _kill_group(proc)
    duration = time.monotonic() - start
    # A grandchild that left the group may keep the pipe open: do not wait for it forever.
    reader.join(timeout=KILL_GRACE_S)
    if proc.stdout is not None and not reader.is_alive():
        with contextlib.suppress(OSError):
            proc.stdout.close()

    # redacted whole, then cut: a cut through a secret would leave part of it unrecognised
    text = redact(b"".join(tail).decode("utf-8", errors="replace"))[-TAIL_BYTES:]
    error = None
    if timed_out:
        error = f"timed out after {timeout_s:g} s; process group killed"
    elif proc.returncode != 0:
        error = f"exited with code {proc.returncode}"
    return DrillResult(
        command=shown,
        returncode=None if timed_out else proc.returncode,
        duration_s=duration,
        timed_out=timed_out,
        output_tail=text,
        error=error,
    )


@dataclass(frozen=True)
class Captured:
    """What a command printed: its standard output (up to a bound), its error tail."""

    returncode: int | None  # None: not started, or stopped at the timeout
    stdout: str
    stderr_tail: str  # redacted
    error: str | None  # could not start / timed out
    truncated: bool = False  # stdout reached the bound: the command was stopped there


def capture(
    argv: list[str], *, cwd: Path, timeout_s: float, max_bytes: int = 10_000_000
) -> Captured:
    """Run ``argv`` (no shell) with the review's environment and keep at most
    ``max_bytes`` of its standard output: past it the command's process group is stopped
    and the output so far is the result (``truncated``). Never raises."""
    try:
        proc = subprocess.Popen(  # noqa: S603 - the reviewer's own command
            argv,
            cwd=cwd,
            env=redaction.review_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as e:
        return Captured(None, "", "", f"could not start: {e}")
    out = bytearray()
    err: deque[bytes] = deque(maxlen=64)
    full = threading.Event()

    def read_out() -> None:
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read1(65536), b""):  # type: ignore[union-attr,attr-defined]
            out.extend(chunk[: max_bytes - len(out)])
            if len(out) >= max_bytes:
                full.set()
                _kill_group(proc)
                return

    def read_err() -> None:
        assert proc.stderr is not None
        for chunk in iter(lambda: proc.stderr.read1(4096), b""):  # type: ignore[union-attr,attr-defined]
            err.append(chunk)

    readers = [threading.Thread(target=f, daemon=True) for f in (read_out, read_err)]
    for t in readers:
        t.start()
    try:
        proc.wait(timeout=max(timeout_s, 0.0))
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = not full.is_set()
        _kill_group(proc)
    for t in readers:
        t.join(timeout=KILL_GRACE_S)
    stdout = bytes(out).decode("utf-8", errors="replace")
    tail = redaction.review_redactor()(b"".join(err).decode("utf-8", errors="replace"))
    if timed_out:
        return Captured(None, stdout, tail[-TAIL_BYTES:], f"timed out after {timeout_s:g} s")
    if full.is_set():
        return Captured(0, stdout, tail[-TAIL_BYTES:], None, truncated=True)
    return Captured(proc.returncode, stdout, tail[-TAIL_BYTES:], None)
