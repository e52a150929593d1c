"""A kernel that dies while starting (before any cell ran) is started once more."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from golive_lib.report import execute

pytestmark = pytest.mark.integration  # Jupyter kernels

WRAPPER = """\
import sys
from pathlib import Path

marker = Path(sys.argv.pop(1))
if not marker.exists():  # the first start dies at once, as a kernel whose ports collided
    marker.write_text("died once")
    sys.exit(1)
from ipykernel import kernelapp

kernelapp.launch_new_instance()
"""


def _kernel(tmp_path: Path, marker: Path) -> Path:
    """A python3 kernelspec (found first through JUPYTER_PATH) running ipykernel through
    a wrapper that dies on its first start only."""
    wrapper = tmp_path / "flaky_kernel.py"
    wrapper.write_text(WRAPPER)
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, str(wrapper), str(marker), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "flaky", "language": "python"})
    )
    return tmp_path / "jupyter"


def test_a_kernel_that_dies_starting_is_started_again(tmp_path, monkeypatch):
    marker = tmp_path / "died"
    monkeypatch.setenv("JUPYTER_PATH", str(_kernel(tmp_path, marker)))
    source = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(6 * 7)")]), str(source))
    run = execute.execute(source, tmp_path / "out.ipynb", {}, 60)
    assert marker.read_text() == "died once"  # the first start did die
    assert run.error is None
    out = nbformat.read(str(run.notebook), as_version=4)
    assert out.cells[0].outputs[0]["text"].strip() == "42"


def test_a_kernel_that_always_dies_starting_is_an_error(tmp_path, monkeypatch):
    jupyter = _kernel(tmp_path, tmp_path / "never" / "marker")  # unwritable: dies every time
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    source = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")]), str(source))
    run = execute.execute(source, tmp_path / "out.ipynb", {}, 60)
    assert run.error is not None and "died" in run.error
    assert run.notebook.exists()
