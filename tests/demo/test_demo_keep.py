"""`golive demo --keep`: the stack stays up (its URLs printed and answering) until Ctrl-C
or SIGTERM, then every process of it is stopped and its work folder removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (the stack's processes: own sessions)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_demo_keep_serves_until_a_signal_then_stops_everything(
    tmp_path: Path, sig: signal.Signals
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "golive_lib", "demo", "--keep", "--sections", "architecture"]
            + ["--out", str(tmp_path / "reports")],
            stdout=o,
            stderr=e,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env={**env, "TMPDIR": str(tmp)},
        )
    try:
        deadline = time.monotonic() + 300
        while "stack kept running" not in err.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text()
            time.sleep(0.2)
        stderr = err.read_text()
        assert "stack kept running" in stderr, stderr
        # the report was written before the wait, its folder printed
        folder = Path(out.read_text().strip().splitlines()[-1])
        assert (folder / "index.html").is_file()
        urls = {
            line.split()[0]: line.split()[1]
            for line in stderr.splitlines()
            if line.startswith("  ") and "http://127.0.0.1:" in line and "export" not in line
        }
        assert set(urls) == {"Prometheus", "Alertmanager", "ingest-api"}
        assert f"export GOLIVE_PROMETHEUS_URL={urls['Prometheus']}" in stderr
        time.sleep(1.0)  # still up a moment later: it waits, it did not exit
        assert proc.poll() is None
        assert httpx.get(urls["Prometheus"] + "/-/ready", timeout=5).status_code == 200
        assert httpx.get(urls["Alertmanager"] + "/-/ready", timeout=5).status_code == 200
        assert httpx.get(urls["ingest-api"] + "/metrics", timeout=5).status_code == 200
        stack = _children(proc.pid)
        assert len(stack) >= 3, stack  # service, Prometheus, Alertmanager (and traffic)
        assert list(tmp.glob("golive-demo-*")), "the stack's work folder is in TMPDIR"

        proc.send_signal(sig)
        assert proc.wait(timeout=60) == (-9 if sig == signal.SIGKILL else 0), err.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGKILL:
        # nothing of golive ran after the kill: the kernel's parent-death signal stops the
        # stack (setpriv --pdeathsig), only its work folder is left behind in TMPDIR
        deadline = time.monotonic() + 20
        while [p for p in stack if _alive(p)] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in stack if _alive(p)] == [], "a process of the stack is orphaned"
        return
    assert "the demo stack was stopped" in err.read_text()
    assert [p for p in stack if _alive(p)] == [], "a process of the stack is still running"
    assert not list(tmp.glob("golive-demo-*")), "the work folder was not removed"
    with pytest.raises(httpx.TransportError):
        httpx.get(urls["Prometheus"] + "/-/ready", timeout=2)
