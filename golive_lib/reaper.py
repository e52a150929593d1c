"""Stop the commands golive started when golive's own process dies, however it dies.

`golive_lib.process` starts each command in its own session, so that it can stop the
whole process group at a timeout or an interrupt. Nothing stopped that group when the
process waiting for it was killed outright (a notebook kernel gets SIGKILL when a run is
stopped): the command ran on, unwatched. The reaper closes that gap: a small Python
process, one per process that runs commands, started with the first command, in a
session of its own. It reads ``+PGID`` and ``-PGID`` lines on its standard input; when
that pipe ends (its parent exited or was killed, by any signal) it stops every group
still registered (SIGTERM, then SIGKILL after a grace) and exits. A command is
registered while it runs only, so a normal exit stops nothing.

Should the reaper be missing or gone, commands run as before (they still stop at their
timeout); only the death of golive's process is then not covered.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

#: Seconds between SIGTERM and SIGKILL to the groups left when the parent died.
GRACE_S = 2.0

_SCRIPT = f"""
import os, signal, sys, time
groups = set()
for line in sys.stdin:
    if line[:1] == "+":
        groups.add(int(line[1:]))
    elif line[:1] == "-":
        groups.discard(int(line[1:]))
for sig in (signal.SIGTERM, signal.SIGKILL):
    for group in groups:
        try:
            os.killpg(group, sig)
        except OSError:
            pass
    if groups and sig == signal.SIGTERM:
        time.sleep({GRACE_S})
"""

_lock = threading.Lock()
_reaper: subprocess.Popen[bytes] | None = None
_pipe: int | None = None  # the write end of the reaper's stdin; only this process holds it


def _forget_after_fork() -> None:
    """In a forked child: its own lock, and no copy of the parent's pipe held open (the
    parent's reaper must see the pipe end when the parent dies); it starts its own."""
    global _lock, _reaper, _pipe
    _lock = threading.Lock()
    if _pipe is not None:
        with contextlib.suppress(OSError):
            os.close(_pipe)
    _reaper, _pipe = None, None


os.register_at_fork(after_in_child=_forget_after_fork)


def _started() -> int | None:
    """The pipe to this process's reaper, started now if there is none (or it is gone)."""
    global _reaper, _pipe
    if _reaper is not None and _reaper.poll() is None:
        return _pipe
    if _pipe is not None:
        with contextlib.suppress(OSError):
            os.close(_pipe)
    _reaper, _pipe = None, None
    read, write = os.pipe()  # both close on exec: no command inherits them
    try:
        _reaper = subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-I", "-S", "-c", _SCRIPT],
            stdin=read,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not in the groups it stops, nor in ours
        )
        _pipe = write
    except OSError:
        os.close(write)
    finally:
        os.close(read)
    return _pipe


def _send(line: str) -> None:
    global _pipe
    with _lock:
        pipe = _started()
        if pipe is None:
            return
        try:
            os.write(pipe, line.encode("ascii"))  # a few bytes: one atomic write
        except OSError:
            # gone: the next command starts another
            with contextlib.suppress(OSError):
                os.close(pipe)
            _pipe = None


@contextlib.contextmanager
def watched(pgid: int) -> Iterator[None]:
    """Have the reaper stop process group ``pgid`` should this process die meanwhile."""
    _send(f"+{pgid}\n")
    try:
        yield
    finally:
        _send(f"-{pgid}\n")
