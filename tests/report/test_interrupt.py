"""An interrupted `golive run` leaves no half report, and a re-run works."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_PARAMS, ROOT


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_run_leaves_nothing_in_place(tmp_path, signum):
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "golive_lib", "run", str(EXAMPLE_PARAMS), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    service = out / "ingest-api"
    deadline = time.monotonic() + 60
    while not (service.is_dir() and any(service.glob(".tmp-*"))):
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signum)
    proc.wait(timeout=120)
    assert proc.returncode == 128 + signum  # 130 for Ctrl-C, 143 for SIGTERM
    assert list(service.iterdir()) == []  # neither a dated folder nor the temporary one
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 1, again.stderr
    assert [p.name for p in service.iterdir()] == [Path(again.stdout.split()[-1]).name]
