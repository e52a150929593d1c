"""golive_lib.demo.processes: processes always stop, missing binaries say how to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from procs import gone_within

from golive_lib.demo.processes import DemoError, ManagedProcess, require_binary, wait_until
from golive_lib.demo.stack import DemoStack


def test_stop_terminates_then_kills_and_removes_the_temporary_folders(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    # A program that ignores SIGTERM: stop() must fall back to SIGKILL.
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    proc = ManagedProcess(
        "stubborn",
        [sys.executable, "-c", code],
        tmp_path / "log.txt",
        cleanup=[scratch],
        grace_s=0.5,
    ).start()
    proc.wait_for_line("up", 10)
    popen = proc.proc
    assert popen is not None
    proc.stop()
    assert popen.returncode is not None and popen.returncode < 0
    assert not scratch.exists()


def test_stop_also_ends_a_child_that_outlived_the_program(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    code = (
        "import os, subprocess, sys; "
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pidfile) + '.tmp'!r}, 'w').write(str(c.pid)); "
        f"os.replace({str(pidfile) + '.tmp'!r}, {str(pidfile)!r})"
    )
    proc = ManagedProcess("parent", [sys.executable, "-c", code], tmp_path / "log.txt").start()
    assert proc.proc is not None
    assert proc.proc.wait(timeout=20) == 0  # the program is gone, its child is not
    child = int(pidfile.read_text())
    assert not gone_within(child, 0.2), "the child should still run before stop()"
    proc.stop()
    assert gone_within(child, 5), "a child of the stopped program still runs"


def test_a_process_that_dies_is_reported_with_its_output(tmp_path: Path) -> None:
    proc = ManagedProcess(
        "dying", [sys.executable, "-c", "print('boom'); raise SystemExit(3)"], tmp_path / "l.txt"
    ).start()
    with pytest.raises(DemoError, match=r"(?s)dying: exited with code 3.*boom"):
        proc.wait_for_line("never printed", 10)
    proc.stop()


def test_waiting_has_a_deadline() -> None:
    with pytest.raises(DemoError, match="not ready after"):
        wait_until(lambda: False, 0.2, "nothing")


def test_a_missing_binary_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DemoError, match="apt-get install prometheus prometheus-alertmanager"):
        require_binary("prometheus-not-installed-here")
    monkeypatch.setattr("golive_lib.demo.stack.PROMETHEUS", "prometheus-not-installed-here")
    with pytest.raises(DemoError, match="apt-get install"):
        DemoStack().start()


def test_the_stack_is_ready_with_data_and_backfilled_history(demo_stack: DemoStack) -> None:
    import httpx

    q = 'sum(increase(http_requests_total{job="ingest-api"}[28d]))'
    r = httpx.get(f"{demo_stack.prometheus_url}/api/v1/query", params={"query": q}, timeout=10)
    total = float(r.json()["data"]["result"][0]["value"][1])
    assert total > 1_000_000  # weeks of history, not minutes of live traffic
    flags = httpx.get(f"{demo_stack.prometheus_url}/api/v1/status/flags", timeout=10).json()
    assert flags["data"]["storage.tsdb.retention.time"] == "120d"
