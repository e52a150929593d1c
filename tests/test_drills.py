"""The drill runner: real processes, real timeouts, real process groups."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from procs import gone_within

from golive_lib.drills import TAIL_BYTES, run_command

PY = sys.executable


def test_a_passing_command_is_timed_and_its_output_streamed(tmp_path: Path) -> None:
    seen: list[str] = []
    r = run_command(
        [PY, "-c", "import time\nfor i in range(3): print('step', i, flush=True); time.sleep(0.1)"],
        cwd=tmp_path,
        timeout_s=10,
        progress=seen.append,
    )
    assert r.ok and r.returncode == 0 and r.error is None and not r.timed_out
    assert seen == ["step 0", "step 1", "step 2"]
    assert r.output_tail == "step 0\nstep 1\nstep 2\n"
    assert 0.25 < r.duration_s < 5


def test_runs_in_cwd_and_a_leading_python_is_golives_interpreter(tmp_path: Path) -> None:
    r = run_command(
        "python -c 'import os, sys; print(os.getcwd()); print(sys.executable)'",
        cwd=tmp_path,
        timeout_s=10,
    )
    assert r.ok
    assert r.output_tail.splitlines() == [str(tmp_path), PY]


def test_a_failing_command_keeps_its_exit_code_and_stderr(tmp_path: Path) -> None:
    r = run_command(
        [PY, "-c", "import sys; sys.stderr.write('disk full\\n'); sys.exit(3)"],
        cwd=tmp_path,
        timeout_s=10,
    )
    assert (r.returncode, r.error, r.timed_out, r.ok) == (3, "exited with code 3", False, False)
    assert "disk full" in r.output_tail


def test_a_missing_command_is_an_error_not_an_exception(tmp_path: Path) -> None:
    r = run_command("no-such-restore-tool --now", cwd=tmp_path, timeout_s=5)
    assert r.returncode is None and r.error == "command not found: no-such-restore-tool"
    assert run_command("", cwd=tmp_path, timeout_s=5).error == "empty command"
    assert "cannot parse" in (run_command("echo 'open", cwd=tmp_path, timeout_s=5).error or "")
    gone = run_command("echo hi", cwd=tmp_path / "gone", timeout_s=5)
    assert gone.error is not None and "does not exist" in gone.error


def test_a_hanging_command_and_its_children_are_killed_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    t0 = time.monotonic()
    r = run_command([PY, "-c", script], cwd=tmp_path, timeout_s=1.5)
    assert time.monotonic() - t0 < 10
    assert r.timed_out and r.returncode is None
    assert r.error == "timed out after 1.5 s; process group killed"
    assert "started" in r.output_tail
    assert gone_within(int(pidfile.read_text()), 5), "the drill's child survived the timeout"


def test_the_tail_is_bounded_and_env_values_are_redacted(tmp_path: Path) -> None:
    seen: list[str] = []
    r = run_command(
        [
            PY,
            "-c",
            "import os\nfor i in range(2000): print('row', i)\n"
            "print('token', os.environ['DRILL_TOKEN'])",
        ],
        cwd=tmp_path,
        timeout_s=10,
        env={"DRILL_TOKEN": "s3cr3t-value-123"},
        progress=seen.append,
    )
    assert r.ok
    assert len(r.output_tail.encode()) <= TAIL_BYTES
    assert r.output_tail.endswith("row 1999\ntoken ***\n")
    assert seen[-1] == "token ***"
    assert "s3cr3t-value-123" not in r.output_tail + "".join(seen)


def test_a_progress_callback_that_raises_does_not_break_the_drill(tmp_path: Path) -> None:
    def boom(line: str) -> None:
        raise RuntimeError(line)

    r = run_command([PY, "-c", "print('x')"], cwd=tmp_path, timeout_s=10, progress=boom)
    assert r.ok and r.output_tail == "x\n"
