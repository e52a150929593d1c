"""The one way golive runs a command: bounded, in its own process group, output redacted.

Every child (a drill, hadolint, Locust, ssh-keygen, a log command) runs without a shell,
with the review's environment (:func:`redaction.review_env`: golive's, less the
secret-looking variables the parameters do not name) and stdin closed unless input is
given. It starts a new session, so its process group holds it and everything it starts:
at the timeout, on an interrupt (``KeyboardInterrupt`` while waiting, as a kernel
interrupt raises) or when a size bound is reached, :func:`kill_group` stops the whole
group (SIGTERM, then SIGKILL after a grace), not the leader alone. Should golive's own
process die while a command runs (a kernel killed outright), :mod:`golive_lib.reaper`
stops the group.

Two shapes of run:

- :func:`stream`: stdout and stderr merged, each line passed on (redacted) to a
  ``progress`` callback as it comes, the last :data:`TAIL_BYTES` kept (redacted);
- :func:`capture`: standard output kept whole up to a bound (data to parse), the tail of
  standard error kept (redacted).

Neither raises for what the command does: a command that cannot start, fails, hangs or
prints without end is data in the result. Only an interrupt is re-raised, after the
group is stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import reaper, redaction

TAIL_BYTES = 4096
#: Output passed on to ``progress`` (a notebook prints it): a command printing without end
#: must not make a notebook of gigabytes. Past it only the tail is kept.
PROGRESS_BYTES = 256 * 1024
LINE_BYTES = 64 * 1024
#: Seconds given to the process group after SIGTERM before SIGKILL.
KILL_GRACE_S = 2.0
KILLED_WAIT_S = 30.0  # the longest wait for a killed process to be gone
#: Standard output :func:`capture` keeps by default.
CAPTURE_BYTES = 10_000_000


def kill_group(proc: subprocess.Popen[bytes], grace_s: float = KILL_GRACE_S) -> None:
    """SIGTERM the process group of ``proc`` (started with ``start_new_session``), then
    SIGKILL it if anything of it is still there after ``grace_s``.

    The group is killed even when the leader has already exited: its children may
    survive it. The group's id cannot be reused while a member lives, so this never
    reaches another program.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    # Children may survive the leader (or ignore SIGTERM): kill the whole group regardless.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    # SIGKILL cannot be refused, but a process inside a system call that does not wait
    # interruptibly (Prometheus flushing its database on a loaded disk) ends only when the
    # call returns: wait longer than the grace, so that "stopped" is true when said.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=max(grace_s, KILLED_WAIT_S))


def _popen(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str] | None,
    merge: bool,
    stdin: bool = False,
) -> subprocess.Popen[bytes]:
    """``argv`` started in a new session with the review's environment plus ``env``."""
    return subprocess.Popen(  # noqa: S603 - argv comes from the parameters or golive itself
        list(argv),
        cwd=cwd,
        env=redaction.review_env(env),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge else subprocess.PIPE,
        start_new_session=True,
    )


def _wait(proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Wait for ``proc`` to exit; False when ``timeout_s`` passed first, its process group
    then stopped. An interrupt while waiting stops the group, then is raised again. While
    it waits, the group is :func:`reaper.watched`: stopped should this process die."""
    # A blocking wait on a thread ends the moment the command exits; Popen.wait(timeout)
    # polls with sleeps of up to 50 ms instead.
    exited = threading.Event()

    def wait_exit() -> None:
        proc.wait()
        exited.set()

    threading.Thread(target=wait_exit, name="process-wait", daemon=True).start()
    with reaper.watched(proc.pid):
        try:
            if exited.wait(timeout=max(timeout_s, 0.0)):
                return True
        except BaseException:
            kill_group(proc)
            raise
        kill_group(proc)
        return False


@dataclass(frozen=True)
class Streamed:
    """What a :func:`stream` run did."""

    #: None when the command did not start or was stopped at the timeout.
    returncode: int | None
    duration_s: float
    timed_out: bool
    output_tail: str  # redacted
    #: Why the command did not start (``command not found: x``, ``cannot start x: ...``).
    error: str | None


class _Tail:
    """The last ``limit`` bytes of an output, kept in whole reads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: deque[bytes] = deque()
        self.size = 0

    def add(self, raw: bytes) -> None:
        self.parts.append(raw)
        self.size += len(raw)
        while self.size > self.limit and len(self.parts) > 1:
            self.size -= len(self.parts.popleft())

    def text(self, redact: Callable[[str], str]) -> str:
        # redacted whole, then cut: a cut through a secret would leave part of it unrecognised
        return redact(b"".join(self.parts).decode("utf-8", errors="replace"))[-self.limit :]


def _forwarder(
    progress: Callable[[str], None] | None, limit: int | None, redact_line: Callable[[str], str]
) -> Callable[[bytes], None]:
    """Pass each line on to ``progress`` (redacted, without its newline) until ``limit``
    bytes have been passed on; an exception inside ``progress`` is ignored."""
    forwarded = [0]

    def forward(raw: bytes) -> None:
        if progress is None or (limit is not None and forwarded[0] > limit):
            return
        forwarded[0] += len(raw)
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if limit is not None and forwarded[0] > limit:
            line = (
                f"[output past {limit // 1024} KB is not shown as it comes; "
                f"the last {TAIL_BYTES // 1024} KB are kept]"
            )
        with contextlib.suppress(Exception):
            progress(redact_line(line))

    return forward


def stream(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    progress_bytes: int | None = PROGRESS_BYTES,
) -> Streamed:
    """Run ``argv`` with at most ``timeout_s`` seconds, stdout and stderr merged; never
    raises but for an interrupt (after the group is stopped).

    The command gets the review's environment plus ``env``; its output is redacted
    (:func:`redaction.review_redactor` and ``env``'s values) before ``progress`` receives
    each line and in the tail kept. ``progress_bytes`` bounds what ``progress`` receives
    (None: no bound, for a caller that keeps only some lines). A line is read at most
    :data:`LINE_BYTES` at a time: one endless line is not held whole.
    """
    redact = redaction.review_redactor((env or {}).values())
    forward = _forwarder(progress, progress_bytes, redact.lines())
    tail = _Tail(TAIL_BYTES)
    start = time.monotonic()
    try:
        proc = _popen(argv, cwd=cwd, env=env, merge=True)
    except FileNotFoundError:
        return Streamed(None, time.monotonic() - start, False, "", f"command not found: {argv[0]}")
    except OSError as e:
        return Streamed(None, time.monotonic() - start, False, "", f"cannot start {argv[0]}: {e}")

    def pump() -> None:
        assert proc.stdout is not None
        for raw in iter(lambda: proc.stdout.readline(LINE_BYTES), b""):  # type: ignore[union-attr]
            tail.add(raw)
            forward(raw)

    reader = threading.Thread(target=pump, name="process-output", daemon=True)
    reader.start()
    timed_out = not _wait(proc, timeout_s)
    duration = time.monotonic() - start
    # A grandchild that left the group may keep the pipe open: do not wait for it forever.
    reader.join(timeout=KILL_GRACE_S)
    if proc.stdout is not None and not reader.is_alive():
        with contextlib.suppress(OSError):
            proc.stdout.close()
    return Streamed(
        returncode=None if timed_out else proc.returncode,
        duration_s=duration,
        timed_out=timed_out,
        output_tail=tail.text(redact),
        error=None,
    )


@dataclass(frozen=True)
class Captured:
    """What a command printed: its standard output (up to a bound), its error tail."""

    returncode: int | None  # None: not started, or stopped at the timeout
    stdout: str
    stderr_tail: str  # redacted
    error: str | None  # could not start / timed out
    truncated: bool = False  # stdout reached the bound: the command was stopped there
    timed_out: bool = False  # stopped at the timeout (``error`` says so too)


def capture(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    timeout_s: float,
    max_bytes: int = CAPTURE_BYTES,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,  # noqa: A002 - subprocess.run's name for it
) -> Captured:
    """Run ``argv`` and keep at most ``max_bytes`` of its standard output: past it the
    command's process group is stopped and the output so far is the result
    (``truncated``). ``input`` is written to its standard input (closed otherwise).
    Never raises but for an interrupt (after the group is stopped)."""
    try:
        proc = _popen(argv, cwd=cwd, env=env, merge=False, stdin=input is not None)
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
                kill_group(proc)
                return

    def read_err() -> None:
        assert proc.stderr is not None
        for chunk in iter(lambda: proc.stderr.read1(4096), b""):  # type: ignore[union-attr,attr-defined]
            err.append(chunk)

    def write_in() -> None:
        assert proc.stdin is not None
        # a command that exits without reading all of it closes the pipe: not an error
        with contextlib.suppress(OSError), proc.stdin:
            proc.stdin.write(input or b"")

    threads = [read_out, read_err] + ([write_in] if input is not None else [])
    workers = [threading.Thread(target=f, daemon=True) for f in threads]
    for t in workers:
        t.start()
    # past max_bytes read_out stopped the group: that is no timeout
    timed_out = not _wait(proc, timeout_s) and not full.is_set()
    for t in workers:
        t.join(timeout=KILL_GRACE_S)
    stdout = bytes(out).decode("utf-8", errors="replace")
    tail = redaction.review_redactor((env or {}).values())(
        b"".join(err).decode("utf-8", errors="replace")
    )[-TAIL_BYTES:]
    if timed_out:
        return Captured(None, stdout, tail, f"timed out after {timeout_s:g} s", timed_out=True)
    if full.is_set():
        return Captured(0, stdout, tail, None, truncated=True)
    return Captured(proc.returncode, stdout, tail, None)
