"""Start-up stays light: importing golive_lib or the CLI, or `golive --help`, imports none
of the heavy libraries (they load inside the commands that use them). The time itself
is a benchmark (bench/startup.py), not a test."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

HEAVY = [
    "pandas",
    "papermill",
    "nbconvert",
    "nbformat",
    "plotly",
    "scipy",
    "pyarrow",
    "dask",
    "distributed",
    "jupyter_client",
    "httpx",
    "duckdb",
    "boto3",
]

PROBE = """
import sys, runpy
sys.argv = {argv!r}
try:
    {code}
except SystemExit:
    pass
print("HEAVY:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["python"], "import golive_lib"),
        (["python"], "import golive_lib.cli"),
        (["golive", "--help"], "runpy.run_module('golive_lib', run_name='__main__')"),
        (["golive", "run", "--help"], "runpy.run_module('golive_lib', run_name='__main__')"),
    ],
    ids=["import", "import-cli", "help", "run-help"],
)
def test_start_up_imports_no_heavy_library(argv, code):
    assert _heavy_after(code, HEAVY, argv) == [], "imported at start-up"


def _heavy_after(code: str, heavy: list[str], argv: list[str] | None = None) -> list[str]:
    """Which of ``heavy`` a fresh Python has imported after running ``code``."""
    probe = PROBE.format(argv=argv or ["python"], code=code, heavy=heavy)
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("HEAVY:")]
    return [m for m in line[6:].split(",") if m]


def test_a_dask_worker_imports_no_review_machinery_to_run_its_task():
    # cloudpickle sends review_task by reference: every Dask worker imports its module
    assert _heavy_after("import golive_lib.report.dask_executor", [*HEAVY, "pydantic"]) == []


def test_importing_the_report_machinery_patches_nothing():
    # the speed layer blocks rfc3987-syntax only once an entry point switches it on
    code = (
        "import golive_lib.report.run, golive_lib.report.execute, golive_lib.report.kernels"
        "; assert 'rfc3987_syntax' not in sys.modules or sys.modules['rfc3987_syntax']"
        "; from golive_lib.report import speed; assert not speed.active()"
        "; speed.switch_on(); assert sys.modules['rfc3987_syntax'] is None"
    )
    assert _heavy_after(code, ["papermill"]) == []


def test_papermill_loads_without_the_remote_stores_golive_never_uses():
    code = "from golive_lib.report import speed; speed.switch_on(); speed.import_papermill()"
    assert _heavy_after(code, ["papermill", "boto3", "pyarrow", "numpy"]) == ["papermill"]
    # hidden only while papermill imports: they import as usual afterwards
    then = code + "; import pyarrow.fs, boto3, papermill.iorw as io; assert io.S3.__name__ != 'S3'"
    assert _heavy_after(then, ["papermill", "boto3", "pyarrow"]) == [
        "papermill",
        "boto3",
        "pyarrow",
    ]
