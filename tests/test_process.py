"""The one subprocess runner: real processes, real process groups, real signals.

Each hanging command here starts a child that ignores SIGTERM, writes its pid to a file
and sleeps: the runner must leave no member of the group running, whether it stops the
command at the timeout, at the output bound or on an interrupt.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from procs import gone_within, hanging_command

from golive_lib import process

PY = sys.executable


def _hang(pidfile: Path, *, flood: bool = False) -> list[str]:
    return hanging_command(pidfile, flood=flood)


def _child(pidfile: Path) -> int:
    assert pidfile.exists(), "the command never started its child"
    return int(pidfile.read_text())


def test_stream_stops_the_whole_group_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    seen: list[str] = []
    r = process.stream(_hang(pidfile), cwd=tmp_path, timeout_s=1.5, progress=seen.append)
    assert r.timed_out and r.returncode is None and r.error is None
    assert seen == ["started"] and r.output_tail == "started\n"
    assert gone_within(_child(pidfile), 5), "a child ignoring SIGTERM survived the timeout"


def test_capture_stops_the_whole_group_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    r = process.capture(_hang(pidfile), cwd=tmp_path, timeout_s=1.5)
    assert (r.returncode, r.error, r.truncated) == (None, "timed out after 1.5 s", False)
    assert r.stdout == "started\n"
    assert gone_within(_child(pidfile), 5)


def test_capture_stops_the_whole_group_at_the_output_bound(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    r = process.capture(_hang(pidfile, flood=True), cwd=tmp_path, timeout_s=60, max_bytes=50_000)
    assert r.truncated and r.error is None and len(r.stdout) == 50_000
    assert gone_within(_child(pidfile), 5)


@pytest.fixture
def interrupt_after() -> Iterator[None]:
    """SIGALRM raises KeyboardInterrupt in the main thread, as a kernel interrupt does."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("run", [process.stream, process.capture], ids=["stream", "capture"])
def test_an_interrupt_stops_the_whole_group_and_is_raised(
    run: object, tmp_path: Path, interrupt_after: None
) -> None:
    pidfile = tmp_path / "child.pid"
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run(_hang(pidfile), cwd=tmp_path, timeout_s=60)  # type: ignore[operator]
    assert time.monotonic() - t0 < 10
    assert gone_within(_child(pidfile), 5), "a child survived the interrupt"


def test_the_whole_group_is_stopped_when_the_waiting_process_is_killed(tmp_path: Path) -> None:
    """A kernel killed outright (SIGKILL) while a command runs: the reaper stops it. The
    killed process forked a child that lives on: its copy of the reaper's pipe must not
    keep the reaper waiting."""
    pidfile, forked = tmp_path / "child.pid", tmp_path / "forked.pid"
    script = (
        "import os, time\nfrom golive_lib import process\n"
        "process.capture(['true'], cwd=None, timeout_s=10)  # the reaper starts\n"
        "if os.fork() == 0:\n"
        f"    open({str(forked)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        f"process.stream({_hang(pidfile)!r}, cwd=None, timeout_s=120)\n"
    )
    waiter = subprocess.Popen([PY, "-c", script])
    try:
        deadline = time.monotonic() + 20
        while not pidfile.exists():
            assert waiter.poll() is None and time.monotonic() < deadline, "no command ran"
            time.sleep(0.05)
        waiter.kill()
        waiter.wait()
        assert gone_within(_child(pidfile), 10), "a command outlived the killed process"
    finally:
        waiter.kill()
        waiter.wait()
        if forked.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(forked.read_text()), signal.SIGKILL)


def test_capture_feeds_its_input_and_redacts_the_error_tail(tmp_path: Path) -> None:
    script = (
        "import os, sys\n"
        "sys.stdout.write(sys.stdin.read().upper())\n"
        "sys.stderr.write('using ' + os.environ['SCAN_TOKEN'])\n"
        "sys.exit(4)"
    )
    r = process.capture(
        [PY, "-c", script],
        cwd=None,
        timeout_s=30,
        env={"SCAN_TOKEN": "tok-1234567890"},
        input=b"signed data\n" * 10_000,
    )
    assert (r.returncode, r.error) == (4, None)
    assert r.stdout == "SIGNED DATA\n" * 10_000
    assert r.stderr_tail == "using ***"


def test_a_command_that_cannot_start_is_a_result(tmp_path: Path) -> None:
    s = process.stream(["no-such-tool"], cwd=tmp_path, timeout_s=5)
    assert (s.returncode, s.timed_out, s.error) == (None, False, "command not found: no-such-tool")
    c = process.capture(["no-such-tool"], cwd=tmp_path, timeout_s=5)
    assert c.returncode is None and (c.error or "").startswith("could not start")


def test_progress_without_a_bound_gets_every_line(tmp_path: Path) -> None:
    seen: list[str] = []
    script = "for i in range(20_000): print('line', i, 'x' * 40)"
    r = process.stream(
        [PY, "-c", script], cwd=tmp_path, timeout_s=60, progress=seen.append, progress_bytes=None
    )
    assert r.returncode == 0
    assert len(seen) == 20_000 and seen[-1] == f"line 19999 {'x' * 40}"
