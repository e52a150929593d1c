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
_owner = 0  # the pid that started _reaper: a forked child starts its own


def _started() -> subprocess.Popen[bytes] | None:
    """The reaper of this process, started now if there is none (or it is gone)."""
    global _reaper, _owner
    if _reaper is not None and _owner != os.getpid() and _reaper.stdin is not None:
        # inherited through fork: this copy of the pipe must not keep the parent's open
        with contextlib.suppress(OSError):
            _reaper.stdin.close()
        _reaper = None
    if _reaper is None or _reaper.poll() is not None:
        try:
            _reaper = subprocess.Popen(  # noqa: S603 - our interpreter, our script
                [sys.executable, "-I", "-S", "-c", _SCRIPT],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not in the groups it stops, nor in ours
            )
        except OSError:
            _reaper = None
        _owner = os.getpid()
    return _reaper


def _send(line: str) -> None:
    global _reaper
    with _lock:
        reaper = _started()
        if reaper is None or reaper.stdin is None:
            return
        try:
            reaper.stdin.write(line.encode("ascii"))
            reaper.stdin.flush()
        except OSError:
            _reaper = None  # gone: the next command starts another


@contextlib.contextmanager
def watched(pgid: int) -> Iterator[None]:
    """Have the reaper stop process group ``pgid`` should this process die meanwhile."""
    _send(f"+{pgid}\n")
    try:
        yield
    finally:
        _send(f"-{pgid}\n")
