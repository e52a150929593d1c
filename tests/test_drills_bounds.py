"""A drill that prints without end: what reaches the notebook live is bounded, the tail is
kept, and an endless line is never held whole."""

from __future__ import annotations

import sys
from pathlib import Path

from golive_lib.drills import PROGRESS_BYTES, TAIL_BYTES, capture, run_command

PY = sys.executable


def test_a_flood_of_lines_is_passed_on_only_up_to_the_bound(tmp_path: Path) -> None:
    seen: list[str] = []
    script = "for i in range(200_000): print('line', i, 'x' * 40)"
    r = run_command([PY, "-c", script], cwd=tmp_path, timeout_s=60, progress=seen.append)
    assert r.ok, r.error
    shown = sum(len(line) + 1 for line in seen)
    assert shown < PROGRESS_BYTES + 1024
    assert "not shown as it comes" in seen[-1]
    assert r.output_tail.endswith(f"line 199999 {'x' * 40}\n")
    assert len(r.output_tail) <= TAIL_BYTES


def test_one_endless_line_is_read_in_pieces(tmp_path: Path) -> None:
    script = "import sys\nfor _ in range(200): sys.stdout.write('y' * 65536)\nprint('end')"
    r = run_command([PY, "-c", script], cwd=tmp_path, timeout_s=60, progress=lambda _l: None)
    assert r.ok, r.error
    assert r.output_tail.endswith("end\n") and len(r.output_tail) <= TAIL_BYTES


def test_capture_stops_a_command_that_prints_past_the_bound(tmp_path: Path) -> None:
    script = 'while True: print(\'{"level": "info", "msg": "spam"}\')'
    r = capture([PY, "-c", script], cwd=tmp_path, timeout_s=60, max_bytes=200_000)
    assert r.truncated and r.error is None and r.returncode == 0
    assert 190_000 <= len(r.stdout) <= 200_000


def test_capture_stops_a_command_at_its_timeout(tmp_path: Path) -> None:
    script = "import sys, time; sys.stderr.write('waiting'); sys.stderr.flush(); time.sleep(60)"
    r = capture([PY, "-c", script], cwd=tmp_path, timeout_s=1)
    assert r.returncode is None and r.error == "timed out after 1 s"
    assert r.stderr_tail == "waiting"
