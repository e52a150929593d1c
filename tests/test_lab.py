"""`golive lab`: JupyterLab on the notebooks, with a parameters file preselected."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, ROOT

from golive_lib.names import CHECKS_MIME, LAB_PARAMS_ENV

pytestmark = pytest.mark.integration  # JupyterLab and kernels

OTHER = """\
schema_version: 1
service: {name: other-svc}
repository: repo
"""


def emitted(path: Path) -> dict[str, dict]:
    nb = json.loads(path.read_text())
    return {
        check["id"]: check
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if CHECKS_MIME in out.get("data", {})
        for check in out["data"][CHECKS_MIME]["checks"]
    }


def test_the_preselected_file_wins_over_the_notebook_default(write_params, tmp_path):
    other = write_params(OTHER)
    out = tmp_path / "out.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOKS / "01_architecture.ipynb"),
            str(out),
            "--cwd",
            str(NOTEBOOKS),
        ],
        env={**os.environ, LAB_PARAMS_ENV: str(other)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    checks = emitted(out)
    # the other service has no owner and an empty repository: not the example's passes
    assert checks["architecture.ownership"]["status"] == "fail"
    assert checks["architecture.doc-present"]["status"] == "fail"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_lab_starts_jupyterlab_with_the_file_preselected(write_params):
    other = write_params(OTHER)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "golive_lib",
            "lab",
            str(other),
            "--port",
            str(port),
            "--no-browser",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as r:
                    assert "version" in json.loads(r.read())
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.5)
        environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
        assert f"{LAB_PARAMS_ENV}={other.resolve()}".encode() in environ
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert f"--notebook-dir={NOTEBOOKS}".encode() in cmdline
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_lab_refuses_a_bad_parameters_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nservice: {name: '../x'}\nrepository: .\n")
    result = subprocess.run(
        [sys.executable, "-m", "golive_lib", "lab", str(bad), "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "service.name" in result.stderr
