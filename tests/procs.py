"""Helpers for tests that check which processes are still running."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (killed, not yet reaped by init) counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    """Whether ``pid`` is dead now or becomes so within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    return not alive(pid)


def hanging_command(
    pidfile: Path, *, first_line: str = "started", flood: bool = False
) -> list[str]:
    """A command whose child ignores SIGTERM and outlives it. The child writes its pid to
    ``pidfile`` once it ignores SIGTERM; the command waits for that, prints
    ``first_line``, then hangs (or prints without end)."""
    child = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(pidfile) + '.tmp'!r}, 'w').write(str(os.getpid()))\n"
        f"os.replace({str(pidfile) + '.tmp'!r}, {str(pidfile)!r})\n"
        "time.sleep(60)\n"
    )
    script = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', {child!r}])\n"
        f"while not os.path.exists({str(pidfile)!r}): time.sleep(0.01)\n"
        f"print({first_line!r}, flush=True)\n"
        + ("while True: print('x' * 1000, flush=True)\n" if flood else "time.sleep(60)\n")
    )
    return [sys.executable, "-c", script]
