"""Child processes of the demo stack: start on loopback, wait until ready, always stop.

A `ManagedProcess` runs one program with its output in a log file, waits for
readiness with a deadline, and on `stop()` terminates its process group (SIGTERM, then
SIGKILL after a grace period) and removes the temporary folders it was given.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GoliveError
from ..process import kill_group

INSTALL_HINT = "sudo apt-get install prometheus prometheus-alertmanager"


class DemoError(GoliveError):
    """The demo stack could not start (a missing binary, a process that died or never
    became ready). The message names the program and ends with what to do."""


def require_binary(path_or_name: str) -> str:
    """The absolute path of a program, or DemoError with the install command."""
    found = shutil.which(path_or_name)
    if found is None:
        raise DemoError(
            f"{path_or_name} not found; the demo stack needs Prometheus and Alertmanager "
            f"from Debian: {INSTALL_HINT}"
        )
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    ready: Callable[[], bool],
    deadline_s: float,
    what: str,
    alive: Callable[[], str | None] = lambda: None,
    interval_s: float = 0.1,
) -> float:
    """Poll ``ready`` until it is true; return the seconds waited. ``alive`` returns why the
    process died (then stop waiting). Raise DemoError at the deadline."""
    start = time.monotonic()
    while True:
        # Why it died is read before asking whether it is ready, and acted on after: a
        # program that printed its line and exited between two polls was ready.
        died = alive()
        try:
            if ready():
                return time.monotonic() - start
        except Exception:  # noqa: BLE001, S110 - not ready yet
            pass
        if died:
            raise DemoError(f"{what}: {died}")
        if time.monotonic() - start > deadline_s:
            raise DemoError(f"{what}: not ready after {deadline_s:.0f} s")
        time.sleep(interval_s)


# util-linux's setpriv (Essential on Debian) sets the parent-death signal, then execs
# the program: if golive is killed outright (SIGKILL, OOM), the kernel sends the stack's
# processes SIGTERM instead of leaving them running in their own sessions. It is tied to
# the thread that started them: the demo stack is started on the main thread.
_SETPRIV = shutil.which("setpriv")
_DIE_WITH_PARENT: tuple[str, ...] = (_SETPRIV, "--pdeathsig", "SIGTERM", "--") if _SETPRIV else ()


@dataclass
class ManagedProcess:
    """One program of the demo stack. Use as a context manager or call start/stop."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    cleanup: list[Path] = field(default_factory=list)  # folders removed on stop
    grace_s: float = 5.0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - argv built by the demo stack
                [*_DIE_WITH_PARENT, *self.argv],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # Ctrl-C in the terminal reaches us, not it
            )
        except OSError as e:
            raise DemoError(f"{self.name}: cannot start {self.argv[0]}: {e}") from e
        finally:
            log.close()
        return self

    def died(self) -> str | None:
        """Why the process is gone (exit code and log tail), or None while it runs."""
        if self.proc is None or self.proc.poll() is None:
            return None
        return f"exited with code {self.proc.returncode}; last output:\n{self.tail()}"

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    def wait_for_line(self, pattern: str, deadline_s: float) -> re.Match[str]:
        """Wait for a line of the program's output matching ``pattern``; return the match."""
        rx = re.compile(pattern)
        found: list[re.Match[str]] = []

        def ready() -> bool:
            m = rx.search(self.log_path.read_text(encoding="utf-8", errors="replace"))
            if m:
                found.append(m)
            return m is not None

        wait_until(ready, deadline_s, self.name, self.died)
        return found[0]

    def stop(self) -> None:
        """Terminate its process group (then kill it after the grace period: a child that
        outlived the program goes too) and remove the temporary folders."""
        proc, self.proc = self.proc, None
        if proc is not None:
            kill_group(proc, self.grace_s)
        for folder in self.cleanup:
            shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
